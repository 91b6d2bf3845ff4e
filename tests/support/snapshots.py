"""What the database holds, to prove that a request wrote nothing (or only what it may)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from portal.extensions import db

# Columns that change without any state change: a signed-in request refreshes the idle timer.
VOLATILE_COLUMNS: Mapping[str, frozenset[str]] = {"user_sessions": frozenset({"last_seen_at"})}


def row_counts() -> dict[str, int]:
    """{table: number of rows} for every table of the schema."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def snapshot(ignore: Mapping[str, frozenset[str]] = VOLATILE_COLUMNS) -> dict[str, set[tuple]]:
    """Every row of every table (minus the ignored columns), as comparable tuples."""
    db.session.commit()  # end the test's transaction so the snapshot reads the latest data
    rows: dict[str, set[tuple]] = {}
    for table in db.metadata.sorted_tables:
        skipped = ignore.get(table.name, frozenset())
        columns = [column for column in table.columns if column.name not in skipped]
        result = db.session.execute(select(*columns))
        rows[table.name] = {tuple(_comparable(value) for value in row) for row in result}
    db.session.commit()
    return rows


@dataclass
class Difference:
    added: dict[str, set[tuple]] = field(default_factory=dict)
    removed: dict[str, set[tuple]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def __str__(self) -> str:
        lines = [f"+ {table}: {row}" for table, rows in self.added.items() for row in rows]
        lines += [f"- {table}: {row}" for table, rows in self.removed.items() for row in rows]
        return "\n".join(lines[:40])


def difference(before: dict[str, set[tuple]], after: dict[str, set[tuple]]) -> Difference:
    """Rows only in `after` (added, or the new side of an update) and only in `before`."""
    diff = Difference()
    for table in after:
        added = after[table] - before.get(table, set())
        removed = before.get(table, set()) - after[table]
        if added:
            diff.added[table] = added
        if removed:
            diff.removed[table] = removed
    return diff


def _comparable(value: Any) -> Any:
    if isinstance(value, dict | list):
        return repr(value)
    return value
