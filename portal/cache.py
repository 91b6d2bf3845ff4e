"""Computed figures, kept per process while the data they come from has not changed.

The staff home pages rank every dealer in scope: thousands of scorecards per request on a
large network. Those figures are cached here, under a key that holds the network's data
version (`data_versions`, one row). Every transaction that changes the network bumps that
version just before it commits, so a cached value is handed out only while nothing has
changed since it was computed; a later request in any process sees the new version and
computes afresh. Entries also expire after FIGURES_CACHE_SECONDS, which bounds how stale a
figure can get when data is changed outside the portal (by hand in SQL, say).

What does not count as a change: sign-in bookkeeping, sessions, the activity log,
notifications, issued dealer files and export jobs, the job queue's rows and render
slots, stored files and the derived rollup (`IGNORED_TABLES`, `IGNORED_USER_COLUMNS`).
A GET request never writes, so it never bumps the version.

Each Flask app has its own cache (`app.extensions`), so two apps in one process (tests)
never share figures.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from portal.models.versions import NETWORK, DataVersion

T = TypeVar("T")
EXTENSION = "portal.figures_cache"
_CHANGED = "portal.network_changed"

# Tables whose writes never change a figure the cache holds.
IGNORED_TABLES = frozenset(
    {
        "data_versions",
        "user_sessions",
        "sign_in_counters",
        "activity_entries",
        "notifications",
        "plan_actual_totals",  # derived from plans and reports, which bump themselves
        "dealer_files",  # issued PDFs and region export jobs: not in any cached figure
        "dossier_exports",
        # A job's claim, heartbeat and finish: while an export runs, several a second; were
        # they counted, the staff home pages would compute every figure on each request.
        "jobs",
        "render_slots",
        "attachments",  # files; what they belong to bumps the version itself
        "outgoing_mails",  # mail and the users' mail choices: in no figure
        "mail_preferences",
        "password_resets",
    }
)
# A user's own bookkeeping; role, activity, dealer and regions do change scopes.
IGNORED_USER_COLUMNS = frozenset(
    {"last_sign_in_at", "password_hash", "must_change_password", "locale", "updated_at", "version"}
)


class FiguresCache:
    """A small LRU of computed values, one per key with the data version it was computed
    at, each with a time limit; safe across threads. A value computed at a newer version
    replaces the older one, so a busy network never piles up stale copies."""

    def __init__(self, *, seconds: float, entries: int) -> None:
        self.seconds = seconds
        self.entries = entries
        self._values: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int) -> tuple[bool, Any]:
        with self._lock:
            found = self._values.get(key)
            if found is None or found[0] != version:
                return False, None
            if found[1] <= time.monotonic():
                del self._values[key]
                return False, None
            self._values.move_to_end(key)
            return True, found[2]

    def put(self, key: Hashable, version: int, value: Any) -> None:
        with self._lock:
            found = self._values.get(key)
            if found is not None and found[0] > version:
                return  # a request that started later has filed newer figures already
            self._values[key] = (version, time.monotonic() + self.seconds, value)
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


def figures_cache() -> FiguresCache:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(
            EXTENSION,
            FiguresCache(
                seconds=float(app.config["FIGURES_CACHE_SECONDS"]),
                entries=int(app.config["FIGURES_CACHE_ENTRIES"]),
            ),
        )
    return found


def network_version() -> int:
    """The network's data version as the current transaction sees it."""
    from portal.extensions import db

    found = db.session.scalar(select(DataVersion.version).where(DataVersion.name == NETWORK))
    return int(found or 0)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its value from an earlier call with the same key and data version.

    The version is read before computing, so a value is never filed under a version newer
    than the data it was computed from.
    """
    if float(current_app.config["FIGURES_CACHE_SECONDS"]) <= 0:
        return compute()
    cache = figures_cache()
    version = network_version()
    found, value = cache.get(key, version)
    if found:
        return value
    with collector_paused():
        value = compute()
    cache.put(key, version, value)
    return value


@contextmanager
def collector_paused() -> Iterator[None]:
    """Build many long-lived objects without the cyclic collector rescanning them.

    Figures for thousands of dealers are tens of thousands of small objects that all
    survive; each collection would walk every one of them again (a third of the admin home
    page's time on 2,000 dealers). The collector resumes right after, and collects whatever
    cycles the computation left behind then.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def bump(session: Session) -> None:
    """Mark the network's data as changed, in the session's current transaction."""
    connection = session.connection()
    done = connection.execute(
        update(DataVersion)
        .where(DataVersion.name == NETWORK)
        .values(version=DataVersion.version + 1)
    )
    if done.rowcount == 0:
        connection.execute(DataVersion.__table__.insert().values(name=NETWORK, version=1))


def mark_changed(session: Session) -> None:
    """Bump the version when this transaction commits (for writes the hooks cannot see,
    such as rows written straight through the driver)."""
    session.info[_CHANGED] = True


def _counts(obj: Any) -> bool:
    """Whether a new, changed or deleted ORM object changes the network's figures."""
    table = getattr(type(obj), "__tablename__", None)
    if table in IGNORED_TABLES:
        return False
    if table == "users" and obj in _session_of(obj).dirty:
        state = inspect(obj)
        changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
        return bool(changed - IGNORED_USER_COLUMNS)
    return True


def _session_of(obj: Any) -> Session:
    return inspect(obj).session


def note_changes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_CHANGED):
        return
    for obj in (*session.new, *session.deleted):
        if _counts(obj):
            session.info[_CHANGED] = True
            return
    for obj in session.dirty:
        if session.is_modified(obj) and _counts(obj):
            session.info[_CHANGED] = True
            return


def note_statements(state: ORMExecuteState) -> None:
    """Bulk INSERT, UPDATE and DELETE statements run through the session count too."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in IGNORED_TABLES:
        state.session.info[_CHANGED] = True


def bump_on_commit(session: Session) -> None:
    """Bump last, just before COMMIT, so the row lock is held for the commit alone.

    Releasing a savepoint fires this too: the mark is then kept for the real COMMIT (a
    bump there would hold the lock from the savepoint on, and could deadlock with a writer
    waiting for a row this transaction changes next).
    """
    if session.in_nested_transaction():
        return
    session.flush()
    if session.info.pop(_CHANGED, False):
        bump(session)


def forget_changes(session: Session, transaction: Any) -> None:
    """A transaction rolled back changed nothing (savepoints keep the mark: the changes
    made before them still stand)."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_CHANGED, None)
