"""A global cap on concurrent renders: RENDER_SLOTS permits held in the database.

Every worker on every node shares the database, so a permit taken here holds across
them all. A permit is one `render_slots` row taken by a compare-and-set UPDATE on its
own connection (committed at once, never part of the job's transaction); it lapses at
`held_until`. Its holder renews it every third of RENDER_SLOT_LEASE_SECONDS for as long
as the render runs, so a render keeps its permit however long it is allowed to take, and
a worker killed mid-render loses it within one lease (the other workers can render again).

A job holds its permit around the render itself (the child process), not while it reads
the database or stores the file, so those overlap with other renders. A worker waiting for
a permit looks again every WAIT_POLL_SECONDS, and at once when another thread of its own
process gives one back: then the permit passes on within a millisecond, before the
releasing thread's next job can take it again.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.extensions import db
from portal.models import RenderSlot
from portal.models.base import utcnow

logger = logging.getLogger(__name__)
WAIT_POLL_SECONDS = 0.2

_released = threading.Condition()  # notified when a thread of this process releases a slot
_releases = 0  # how many times that happened (a wait only starts if none came in between)


class NoSlotFree(RuntimeError):
    """Every render slot is taken: try again later."""


def holder_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(6)}"


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["RENDER_SLOT_LEASE_SECONDS"]))


def try_acquire(holder: str) -> int | None:
    """Take a free (or lapsed) slot: its number, or None when all are held."""
    now = utcnow()
    count = int(current_app.config["RENDER_SLOTS"])
    with db.engine.begin() as connection:
        for slot in range(1, count + 1):
            taken = connection.execute(
                update(RenderSlot)
                .where(
                    and_(
                        RenderSlot.id == slot,
                        or_(RenderSlot.holder.is_(None), RenderSlot.held_until < now),
                    )
                )
                .values(holder=holder, held_until=now + lease())
            ).rowcount
            if taken:
                return slot
        existing = set(connection.scalars(select(RenderSlot.id)))
    # Rows are created on first use: only the missing ones are inserted, so that a worker
    # waiting for a held slot (a poll every 0.2 s) causes no failing INSERT, and no error
    # in the database's log, each time.
    for slot in range(1, count + 1):
        if slot in existing:
            continue
        try:
            with db.engine.begin() as connection:
                connection.execute(
                    insert(RenderSlot).values(id=slot, holder=holder, held_until=now + lease())
                )
            return slot
        except IntegrityError:
            continue
    return None


def release(slot: int, holder: str) -> None:
    global _releases
    with db.engine.begin() as connection:
        connection.execute(
            update(RenderSlot)
            .where(RenderSlot.id == slot, RenderSlot.holder == holder)
            .values(holder=None, held_until=None)
        )
    with _released:
        _releases += 1
        _released.notify_all()


def _wait_for_release(seen: int, timeout: float) -> None:
    """Sleep until this process releases a slot (unless it did since `seen`) or `timeout`."""
    with _released:
        if _releases == seen:
            _released.wait(timeout)


def renew(slot: int, holder: str) -> bool:
    """Push a held slot's lapse one lease ahead; False if it is no longer ours."""
    with db.engine.begin() as connection:
        return bool(
            connection.execute(
                update(RenderSlot)
                .where(RenderSlot.id == slot, RenderSlot.holder == holder)
                .values(held_until=utcnow() + lease())
            ).rowcount
        )


class _LeaseKeeper(threading.Thread):
    """Renews a slot every third of its lease until stopped (the render has ended)."""

    def __init__(self, app: Flask, slot: int, holder: str) -> None:
        super().__init__(name=f"render-slot-{slot}", daemon=True)
        self.app, self.slot, self.holder = app, slot, holder
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            interval = lease().total_seconds() / 3
            while not self.stopped.wait(interval):
                try:
                    if not renew(self.slot, self.holder):
                        logger.warning("render slot %s lapsed before its render ended", self.slot)
                except SQLAlchemyError:  # e.g. SQLite busy: the next turn tries again
                    logger.warning("render slot %s: lease not renewed", self.slot, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def held() -> int:
    """How many slots are held right now (for tests and status pages)."""
    now = utcnow()
    with db.engine.connect() as connection:
        rows = connection.execute(
            RenderSlot.__table__.select().where(
                RenderSlot.holder.is_not(None), RenderSlot.held_until >= now
            )
        ).all()
    return len(rows)


@contextmanager
def render_slot(*, wait_seconds: float | None = None) -> Iterator[int]:
    """Hold one render slot for the block; NoSlotFree if none frees up in time.

    The session's transaction is committed before the slot is taken and when the block
    ends (rolled back if it raises): on SQLite an open write transaction in the session
    would lock out the slot's own connection.
    """
    if wait_seconds is None:
        wait_seconds = float(current_app.config["RENDER_SLOT_WAIT_SECONDS"])
    db.session.commit()
    holder = holder_name()
    deadline = time.monotonic() + wait_seconds
    seen = _releases
    slot = try_acquire(holder)
    while slot is None and (left := deadline - time.monotonic()) > 0:
        _wait_for_release(seen, min(WAIT_POLL_SECONDS, left))
        seen = _releases
        slot = try_acquire(holder)
    if slot is None:
        raise NoSlotFree
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    keeper = _LeaseKeeper(app, slot, holder)
    keeper.start()
    try:
        yield slot
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        keeper.stop()
        release(slot, holder)
