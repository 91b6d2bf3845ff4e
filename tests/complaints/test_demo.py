"""The demo network carries a year of complaints that show the feature in use."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import (
    AlertLevel,
    Complaint,
    ComplaintAlert,
    ComplaintStatus,
    Holiday,
    Region,
    Role,
    Severity,
    Target,
)


def _all() -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).order_by(Complaint.received_at)))


def test_a_year_of_complaints_mostly_on_time_with_late_repeat_and_serious_ones(demo):
    complaints = _all()
    now = clock.now()
    assert len(complaints) >= 40
    assert complaints[-1].received_at - complaints[0].received_at > timedelta(days=300)
    forwarded = Counter(c.forwarded_on_time for c in complaints if c.forwarded_at)
    resolved = Counter(c.resolved_on_time for c in complaints if c.resolved_at and c.cycle == 0)
    assert forwarded[False] >= 4
    assert forwarded[True] > 4 * forwarded[False]
    assert resolved[False] >= 4
    assert resolved[True] > 4 * resolved[False]
    assert sum(c.is_repeat for c in complaints) >= 4
    serious = [c for c in complaints if c.severity == Severity.SERIOUS]
    assert len(serious) >= 4
    assert len({c.serious_kind for c in serious}) >= 3
    # A serious complaint counts clock hours: its resolution is due three days later.
    assert serious[0].resolve_due_at - serious[0].received_at == timedelta(days=3)
    statuses = Counter(c.status for c in complaints)
    assert statuses[ComplaintStatus.CLOSED] > len(complaints) / 2
    # Open today: one of each open state, and one overdue.
    opened = [c for c in complaints if c.is_open]
    assert len(opened) >= 5
    assert {c.status for c in opened} >= {
        ComplaintStatus.RECEIVED,
        ComplaintStatus.FORWARDED,
        ComplaintStatus.IN_PROGRESS,
        ComplaintStatus.REOPENED,
    }
    assert any(c.resolve_due_at < now for c in opened)
    # Both languages: Chinese-named dealers' complaints are in Chinese.
    chinese = [c for c in complaints if not c.description.isascii()]
    assert chinese
    assert len(chinese) < len(complaints)
    assert all(not c.dealer.name.isascii() for c in chinese)


def test_every_step_was_taken_through_the_lifecycle_in_time_order(demo):
    now = clock.now()
    for complaint in _all():
        steps = complaint.transitions
        assert steps[0].action.value == "receive"
        assert steps[0].at == complaint.received_at
        times = [step.at for step in steps]
        assert times == sorted(times)
        assert times[-1] <= now
        assert steps[-1].to_status == complaint.status
        if complaint.forwarded_at is not None:
            expected = complaint.forwarded_at <= complaint.forward_due_at
            assert complaint.forwarded_on_time is expected


def test_late_complaints_were_escalated_when_they_fell_due(demo):
    alerts = list(db.session.scalars(select(ComplaintAlert)))
    assert {(a.target, a.level) for a in alerts} >= {
        (Target.FORWARD, AlertLevel.SUPERVISOR),
        (Target.RESOLVE, AlertLevel.SUPERVISOR),
        (Target.RESOLVE, AlertLevel.ADMIN),
    }
    for alert in alerts:
        assert alert.due_at <= alert.sent_at <= clock.now()
    late = db.session.scalars(select(Complaint).where(Complaint.forwarded_on_time.is_(False)))
    escalated = {a.complaint_id for a in alerts if a.target == Target.FORWARD}
    assert {c.id for c in late} <= escalated


def test_regions_have_a_calendar_and_an_after_sales_contact(demo):
    for region in db.session.scalars(select(Region)):
        assert region.timezone == "Asia/Shanghai"
        assert region.after_sales_user.role == Role.SUPERVISOR
    today = clock.today()
    days = set(db.session.scalars(select(Holiday.day).where(Holiday.region_id.is_(None))))
    assert sum(today - timedelta(days=365) <= day <= today for day in days) >= 8
