"""R5: the embedded SQLite database runs in WAL mode with a busy timeout, foreign keys on, and
write transactions that take the write lock first (BEGIN IMMEDIATE).

These checks are about the SQLite engine, so they always run on a SQLite file of their own,
also when the rest of the suite runs against PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, exc, text

from portal import create_app
from portal.extensions import db
from portal.models import Role
from tests.conftest import PortalClient
from tests.support import databases
from tests.support.factories import make_product_line, make_region, make_user


@pytest.fixture(scope="module")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> databases.SqliteTemplate:
    return databases.SqliteTemplate(tmp_path_factory.mktemp("r5"))


@pytest.fixture
def sqlite_app(sqlite_schema, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(databases.test_config(sqlite_schema.new_url(), tmp_path))
    app.test_client_class = PortalClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _pragma(name: str):
    with db.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(sqlite_app):
    assert _pragma("journal_mode") == "wal"
    assert _pragma("busy_timeout") == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"] >= 5000
    assert _pragma("foreign_keys") == 1


def test_foreign_keys_are_enforced(sqlite_app):
    orphan = text(
        "INSERT INTO stores (code, name, dealer_id, address, city, format, status, active,"
        " created_at, updated_at, version) VALUES ('X1', 'x', 999, '', '', 'standard',"
        " 'open', 1, '2024-01-01', '2024-01-01', 1)"
    )
    with pytest.raises(exc.IntegrityError):
        db.session.execute(orphan)
    db.session.rollback()


class Statements:
    """Every SQL statement the engine runs, with the thread that ran it."""

    def __init__(self, engine) -> None:
        self.seen: list[tuple[int, str]] = []
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        self.seen.append((threading.get_ident(), statement.strip()))

    def begins_outside(self, thread: int) -> list[str]:
        return [sql for ident, sql in self.seen if ident != thread and sql.startswith("BEGIN")]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(sqlite_app) -> Iterator[Statements]:
    recorder = Statements(db.engine)
    yield recorder
    recorder.close()


def test_write_requests_begin_immediate_and_reads_do_not(sqlite_app, statements):
    # Keep the idle timer's own write out of the read request.
    sqlite_app.config["SESSION_TOUCH_INTERVAL"] = timedelta(days=1)
    admin = make_user(Role.ADMIN)
    region = make_region()
    client = sqlite_app.test_client()
    client.post("/sign-in", data={"email": admin.email, "password": "correct-horse-battery-staple"})
    here = threading.get_ident()

    statements.seen.clear()
    assert client.get("/regions/").status_code == 200
    reads = statements.begins_outside(here)
    statements.seen.clear()
    form = {"code": region.code, "name": "Renamed", "version": region.version}
    assert client.post(f"/regions/{region.id}/edit", data=form).status_code == 302
    writes = statements.begins_outside(here)

    assert reads
    assert set(reads) == {"BEGIN"}
    assert writes
    assert set(writes) == {"BEGIN IMMEDIATE"}


def _race(app: Flask, method: str) -> tuple[list[Exception], int]:
    """Two connections each read a counter and write it back plus one, overlapping.

    A reads, then lets B start; B begins and reads; A writes and commits; B writes. The
    request method decides the transaction mode, as it does for real requests.
    """
    db.session.execute(text("UPDATE product_lines SET sort_order = 0"))
    db.session.commit()
    a_read, b_started, b_read = threading.Event(), threading.Event(), threading.Event()
    errors: list[Exception] = []

    def increment(first: bool) -> None:
        with app.test_request_context(method=method):
            if not first:
                b_started.set()
            try:
                with db.engine.connect() as connection, connection.begin():
                    value = connection.execute(
                        text("SELECT sort_order FROM product_lines")
                    ).scalar()
                    if first:
                        a_read.set()
                        b_started.wait(5)
                        # With IMMEDIATE, B waits for the lock and never reads here; with a
                        # deferred BEGIN it reads at once (allow for a busy machine).
                        b_read.wait(0.5 if method == "POST" else 10)
                    else:
                        b_read.set()
                    connection.execute(
                        text("UPDATE product_lines SET sort_order = :v"), {"v": value + 1}
                    )
            except exc.OperationalError as error:
                errors.append(error)

    first = threading.Thread(target=increment, args=(True,))
    first.start()
    a_read.wait(5)
    second = threading.Thread(target=increment, args=(False,))
    second.start()
    first.join(20)
    second.join(20)
    return errors, db.session.execute(text("SELECT sort_order FROM product_lines")).scalar()


def test_overlapping_read_then_write_transactions_both_succeed(sqlite_app):
    make_product_line()
    db.session.commit()

    errors, value = _race(sqlite_app, "POST")

    assert errors == []
    assert value == 2  # B waited for A, then read its result: no lost update


def test_a_deferred_transaction_would_fail_the_same_race(sqlite_app):
    """The control: the race is real. Read-only requests use plain BEGIN and would lose."""
    make_product_line()
    db.session.commit()

    errors, value = _race(sqlite_app, "GET")

    assert len(errors) == 1
    assert "database is locked" in str(errors[0])
    assert value == 1
