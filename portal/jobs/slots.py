"""A global cap on concurrent renders: RENDER_SLOTS permits held in the database.

Every worker on every node shares the database, so a permit taken here holds across
them all. A permit is one `render_slots` row taken by a compare-and-set UPDATE on its
own connection (committed at once, never part of the job's transaction); it lapses at
`held_until`, so a worker killed mid-render cannot keep it.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, insert, or_, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import RenderSlot
from portal.models.base import utcnow


class NoSlotFree(RuntimeError):
    """Every render slot is taken: try again later."""


def holder_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(6)}"


def lease() -> timedelta:
    return timedelta(seconds=int(current_app.config["PDF_TIMEOUT_SECONDS"]) + 60)


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
    for slot in range(1, count + 1):  # rows are created on first use
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
    with db.engine.begin() as connection:
        connection.execute(
            update(RenderSlot)
            .where(RenderSlot.id == slot, RenderSlot.holder == holder)
            .values(holder=None, held_until=None)
        )


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
    slot = try_acquire(holder)
    while slot is None and time.monotonic() < deadline:
        time.sleep(0.2)
        slot = try_acquire(holder)
    if slot is None:
        raise NoSlotFree
    try:
        yield slot
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        release(slot, holder)
