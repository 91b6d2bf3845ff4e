"""S20: a download's activity entry cannot fail the download (a busy database is logged)."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import ActivityEntry
from tests.conftest import client_for
from tests.dossiers.test_issue import issue
from tests.support.factories import PASSWORD


class LockedLog:
    """Every flush that adds an activity entry for `action` fails like a busy SQLite."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.attempts = 0

    def __call__(self, session: Session, _context, _instances) -> None:
        if any(isinstance(o, ActivityEntry) and o.action == self.action for o in session.new):
            self.attempts += 1
            raise OperationalError("INSERT INTO activity_entries", {}, Exception("locked"))


@contextmanager
def locked_log(action: str) -> Iterator[LockedLog]:
    hook = LockedLog(action)
    event.listen(Session, "before_flush", hook)
    try:
        yield hook
    finally:
        event.remove(Session, "before_flush", hook)


def _entries(action: str) -> list[ActivityEntry]:
    return list(db.session.scalars(select(ActivityEntry).where(ActivityEntry.action == action)))


def test_a_dealer_file_downloads_even_when_its_log_entry_cannot_be_written(app, world, caplog):
    app.config["DOWNLOAD_LOG_BUSY_TIMEOUT_MS"] = 10
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    dealer_file = issue(supervisor, world.dealer_x)
    archived = dealer_file.sha256
    with (
        caplog.at_level(logging.ERROR, logger="portal.downloads"),
        locked_log("dealer_file.download") as locked,
    ):
        response = supervisor.get(f"/dealer-files/{dealer_file.id}/download")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert hashlib.sha256(response.data).hexdigest() == archived
    assert locked.attempts == 3  # retried, then given up
    (record,) = [r for r in caplog.records if r.name == "portal.downloads"]
    assert "dealer_file.download" in record.getMessage()
    assert f"#{dealer_file.id}" in record.getMessage()
    assert _entries("dealer_file.download") == []


def test_the_entry_is_written_when_the_database_lets_it(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    dealer_file = issue(supervisor, world.dealer_x)
    assert supervisor.get(f"/dealer-files/{dealer_file.id}/download").status_code == 200
    (entry,) = _entries("dealer_file.download")
    assert entry.object_id == dealer_file.id
    assert entry.actor_id == world.supervisor_a.id
    assert entry.object_label == str(dealer_file)


def test_a_download_while_another_writer_holds_the_sqlite_lock_answers_and_is_logged(app, world):
    """The issue's failure: a GET that read, then wrote its entry while another writer
    committed in between, got "database is locked" at once. Now it waits its turn."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL inserts do not wait on other writers")
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    file_id, other_dealer_id = issue(supervisor, world.dealer_x).id, world.dealer_y.id
    db.session.commit()  # the test's own session holds no lock
    path = db.engine.url.database
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE dealers SET name = name || '' WHERE id = ?", (other_dealer_id,))

    def commit_later() -> None:
        time.sleep(0.3)
        writer.execute("COMMIT")

    other = threading.Thread(target=commit_later)
    other.start()
    try:
        response = supervisor.get(f"/dealer-files/{file_id}/download")
    finally:
        other.join()
        writer.close()
    assert response.status_code == 200
    assert [entry.object_id for entry in _entries("dealer_file.download")] == [file_id]
