"""Engine settings: SQLite pragmas and transaction mode (check R5), PostgreSQL session
settings; inserting a row whose unique key a concurrent request may take first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from portal.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
_busy_timeout: ContextVar[int | None] = ContextVar("busy_timeout", default=None)


@contextmanager
def write_intent() -> Iterator[None]:
    """Mark the transactions begun inside as writes, so SQLite takes the write lock first."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def busy_timeout(milliseconds: int) -> Iterator[None]:
    """On SQLite, transactions begun inside wait at most this long for a lock (instead of
    SQLITE_BUSY_TIMEOUT_MS); elsewhere nothing changes."""
    token = _busy_timeout.set(milliseconds)
    try:
        yield
    finally:
        _busy_timeout.reset(token)


def wants_write_lock() -> bool:
    """Writes start with BEGIN IMMEDIATE: unsafe requests, CLI commands and marked blocks.

    In WAL mode a deferred transaction that reads and then writes fails at once with
    "database is locked" when another writer got in between; IMMEDIATE waits instead.
    """
    if _write_intent.get():
        return True
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True


def configure_engine(app: Flask) -> None:
    """Install SQLite pragmas and explicit BEGIN handling on the app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    elif engine.dialect.name == "postgresql" and not app.config["POSTGRES_JIT"]:
        _turn_off_jit(engine)


def _turn_off_jit(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit BEGIN is always DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        wait = _busy_timeout.get() or int(busy_timeout_ms)
        if connection.info.get("busy_timeout", busy_timeout_ms) != wait:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            connection.info["busy_timeout"] = wait
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def insert_unique(record: object, check_free: Callable[[], None]) -> None:
    """Add and flush `record` in a savepoint; if a unique key is taken, raise as `check_free` does.

    The caller's pre-check gives the message in the common case, but two requests at once (a
    double submit, check R3) can both pass it: the second INSERT then violates the UNIQUE
    constraint. The savepoint keeps the transaction usable, and running the check again turns
    the violation into the same form error. Any other violation is re-raised as it was.
    """
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        check_free()
        raise


class rarely(FunctionElement[Any]):  # noqa: N801  (reads as a SQL function: rarely(cond))
    """A condition few rows meet (the open complaints among a year's), said so to SQLite's
    planner with `likelihood(condition, 0.05)`: knowing only the average number of rows per
    value of an indexed column, it would otherwise scan the table. Other databases, whose
    statistics know how values are spread, get the condition alone."""

    type = NullType()  # not Boolean: SQLite would get "likelihood(...) = 1", which hides it
    inherit_cache = True
    name = "rarely"


@compiles(rarely)
def _condition(element: rarely, compiler: Any, **options: Any) -> str:
    return compiler.process(element.clauses.clauses[0], **options)


@compiles(rarely, "sqlite")
def _likelihood(element: rarely, compiler: Any, **options: Any) -> str:
    return f"likelihood({compiler.process(element.clauses.clauses[0], **options)}, 0.05)"
