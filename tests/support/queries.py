"""Counting the SQL statements a piece of code runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def counting() -> Iterator[list[str]]:
    """Collect every statement sent to the app's engine inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
