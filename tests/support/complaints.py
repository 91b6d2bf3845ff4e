"""A hand-built set of complaints in the two-region world (tests/support/world.py), with the
figures `portal.metrics.complaints` must count from it.

Times are relative to the test clock's now (T, 10:00 UTC): "today" complaints were received
a few hours before T (this month on any test date), "older" ones 40 days back (within the
last 12 months), and one 400 days back (outside them, still open). Each complaint is
recorded through the service, then put in the state it stands for.

Dealer X (region A, store SX-01):
  a  today, received, forwarding due in an hour            open
  b  today, serious, received, forwarding due 30 min ago    open, late to forward
  c  today, forwarded on time, in progress                   open
  d  40 days ago, closed: forwarded and resolved on time
  e  40 days ago, reopened (a repeat): forwarded late, its new resolution due yesterday
                                                             open, late to resolve
  f  40 days ago, resolved late (forwarded on time)
  g  400 days ago, in progress, resolution long overdue      open, late to resolve
Dealer Y (region B, store SY-01):
  h  today, received, forwarding due 10 min ago              open, late to forward
  i  40 days ago, closed on time, reopened twice before (a repeat)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal import clock
from portal.complaints import services
from portal.extensions import db
from portal.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    SeriousKind,
    Severity,
    User,
)
from tests.support.world import World

S = ComplaintStatus
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def categories() -> dict[str, ComplaintCategory]:
    services.ensure_default_categories()
    db.session.flush()
    return {category.code: category for category in db.session.query(ComplaintCategory)}


def make(actor: User, store, category, *, received: timedelta, **state: Any) -> Complaint:
    """A complaint recorded `received` before now, then set to `state` (deadlines as
    offsets from now)."""
    now = clock.now()
    serious = state.pop("serious", False)
    complaint = services.record(
        services.NewComplaint(
            store=store,
            category=category,
            channel=Channel.PHONE,
            description="The kettle leaks.",
            severity=Severity.SERIOUS if serious else Severity.NORMAL,
            serious_kind=SeriousKind.SAFETY if serious else None,
            received_at=now - min(received, 20 * DAY),
        ),
        actor=actor,
        now=now,
    )
    complaint.received_at = now - received
    for name in ("forward_due", "resolve_due"):
        if name in state:
            setattr(complaint, f"{name}_at", now + state.pop(name))
    for name, value in state.items():
        setattr(complaint, name, value)
    db.session.flush()
    return complaint


def build(world: World) -> dict[str, Complaint]:
    found = categories()
    quality, service = found["QUALITY"], found["SERVICE"]
    x, y = world.store_x, world.store_y
    admin = world.people["admin"]
    made = {
        "a": make(admin, x, quality, received=HOUR, forward_due=HOUR, resolve_due=3 * DAY),
        "b": make(
            admin, x, quality, received=2 * HOUR, serious=True,
            forward_due=-HOUR / 2, resolve_due=DAY,
        ),
        "c": make(
            admin, x, service, received=3 * HOUR, status=S.IN_PROGRESS,
            forwarded_on_time=True, forward_due=-HOUR, resolve_due=2 * DAY,
        ),
        "d": make(
            admin, x, service, received=40 * DAY, status=S.CLOSED,
            forwarded_on_time=True, resolved_on_time=True, forward_due=-40 * DAY,
            resolve_due=-37 * DAY,
        ),
        "e": make(
            admin, x, quality, received=40 * DAY, status=S.REOPENED, cycle=1,
            forwarded_on_time=False, resolved_on_time=None, forward_due=-40 * DAY,
            resolve_due=-DAY,
        ),
        "f": make(
            admin, x, quality, received=40 * DAY, status=S.RESOLVED,
            forwarded_on_time=True, resolved_on_time=False, forward_due=-40 * DAY,
            resolve_due=-37 * DAY,
        ),
        "g": make(
            admin, x, quality, received=400 * DAY, status=S.IN_PROGRESS,
            forwarded_on_time=True, forward_due=-400 * DAY, resolve_due=-300 * DAY,
        ),
        "h": make(admin, y, quality, received=HOUR, forward_due=-HOUR / 6, resolve_due=3 * DAY),
        "i": make(
            admin, y, service, received=40 * DAY, status=S.CLOSED, cycle=2,
            forwarded_on_time=True, resolved_on_time=True, forward_due=-40 * DAY,
            resolve_due=-37 * DAY,
        ),
    }  # fmt: skip
    for complaint in made.values():
        complaint.next_alert_at = None  # no escalation run in these tests
    db.session.commit()
    return made
