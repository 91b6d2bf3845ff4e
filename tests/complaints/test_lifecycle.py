"""A complaint's steps, its deadlines in business hours and its escalations, each once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from portal.complaints import escalation, services
from portal.complaints.services import ComplaintError
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    AlertLevel,
    ComplaintAlert,
    ComplaintStatus,
    Notification,
    Remedy,
    SeriousKind,
    Severity,
    Target,
)
from tests.complaints.conftest import record

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_1730 = datetime(2099, 11, 13, 17, 30, tzinfo=SHANGHAI)  # a Friday


def notices_of(user, kind: str) -> int:
    return db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.kind == kind)
    )


def test_friday_evening_complaint_is_due_monday_1030(world, categories):
    with time_machine.travel(FRIDAY_1730, tick=False):
        complaint = record(world.store_x, world.people["dealer_x"], categories["QUALITY"])
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.forward_due_at.astimezone(SHANGHAI) == datetime(
        2099, 11, 16, 10, 30, tzinfo=SHANGHAI
    )
    # Three business days: Wednesday, same point of the day.
    assert complaint.resolve_due_at.astimezone(SHANGHAI) == datetime(
        2099, 11, 18, 17, 30, tzinfo=SHANGHAI
    )
    assert complaint.next_alert_at.astimezone(SHANGHAI) == datetime(
        2099, 11, 16, 10, 0, tzinfo=SHANGHAI
    )
    assert complaint.transitions[0].action.value == "receive"
    assert notices_of(world.people["supervisor_a"], "complaint.received") == 1
    assert notices_of(world.people["supervisor_b"], "complaint.received") == 0


def test_serious_complaints_count_clock_hours(world, categories):
    with time_machine.travel(FRIDAY_1730, tick=False):
        complaint = record(
            world.store_x,
            world.people["dealer_x"],
            categories["QUALITY"],
            severity=Severity.SERIOUS,
            serious_kind=SeriousKind.INJURY,
        )
    assert complaint.forward_due_at == FRIDAY_1730 + timedelta(hours=2)
    assert complaint.resolve_due_at == FRIDAY_1730 + timedelta(days=3)


def test_serious_needs_a_reason_and_nothing_is_saved(world, categories):
    with pytest.raises(ComplaintError) as refused:
        record(
            world.store_x,
            world.people["dealer_x"],
            categories["QUALITY"],
            severity=Severity.SERIOUS,
        )
    assert refused.value.field == "serious_kind"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0


def test_steps_cannot_be_skipped_and_are_logged(world, categories):
    dealer, supervisor = world.people["dealer_x"], world.people["supervisor_a"]
    complaint = record(world.store_x, dealer, categories["SERVICE"])
    with pytest.raises(ComplaintError):
        services.resolve(complaint, actor=dealer, remedy=Remedy.APOLOGY, comment="Sorry")
    with pytest.raises(ComplaintError):
        services.close(complaint, actor=supervisor)
    services.forward(complaint, actor=dealer, comment="Sent to after-sales")
    assert complaint.forwarded_on_time is True
    services.start(complaint, actor=dealer)
    with pytest.raises(ComplaintError) as empty:
        services.resolve(complaint, actor=dealer, remedy=Remedy.REFUND, comment=" ")
    assert empty.value.field == "comment"
    services.resolve(
        complaint, actor=dealer, remedy=Remedy.REFUND, comment="Refunded", cost_minor=12_000
    )
    assert complaint.status == ComplaintStatus.RESOLVED
    assert complaint.resolved_on_time is True
    assert complaint.next_alert_at is None
    services.close(complaint, actor=supervisor, satisfaction=4)
    services.reopen(complaint, actor=dealer, reason="It leaks again")
    assert complaint.status == ComplaintStatus.REOPENED
    assert complaint.is_repeat
    assert complaint.cycle == 1
    assert complaint.next_alert_at is not None
    actions = [step.action.value for step in complaint.transitions]
    assert actions == ["receive", "forward", "start", "resolve", "close", "reopen"]
    assert [step.actor_id for step in complaint.transitions][-2:] == [supervisor.id, dealer.id]
    codes = db.session.scalars(select(ActivityEntry.action).order_by(ActivityEntry.id)).all()
    assert "complaint.reopen" in codes
    assert "complaint.close" in codes


def test_received_in_the_future_or_long_ago_is_refused(world, categories):
    now = datetime(2099, 11, 18, 10, tzinfo=SHANGHAI)
    for received in (now + timedelta(hours=1), now - timedelta(days=31)):
        new = services.NewComplaint(
            store=world.store_x,
            category=categories["OTHER"],
            channel=services.Channel.ONLINE,
            description="x",
            received_at=received,
        )
        with pytest.raises(ComplaintError) as refused:
            services.record(new, actor=world.people["dealer_x"], now=now)
        assert refused.value.field == "received_at"


def test_escalations_are_sent_once_each(world, categories):
    dealer = world.people["dealer_x"]
    with time_machine.travel(FRIDAY_1730, tick=False):
        complaint = record(world.store_x, dealer, categories["QUALITY"])
        db.session.commit()
    monday = datetime(2099, 11, 16, tzinfo=SHANGHAI)
    # Before 75 %: nothing.
    assert escalation.run_due(monday.replace(hour=9, minute=59)) == 0
    # At 10:00 the dealer is reminded, once, however often the run goes.
    assert escalation.run_due(monday.replace(hour=10)) == 1
    assert escalation.run_due(monday.replace(hour=10, minute=5)) == 0
    assert notices_of(dealer, "complaint.forward_soon") == 1
    # 10:30: the region's supervisors, not the other region's.
    assert escalation.run_due(monday.replace(hour=10, minute=30)) == 1
    assert notices_of(world.people["supervisor_a"], "complaint.forward_late") == 1
    assert notices_of(world.people["supervisor_b"], "complaint.forward_late") == 0
    # 12:30: the admins.
    assert escalation.run_due(monday.replace(hour=12, minute=30)) == 1
    assert notices_of(world.people["admin"], "complaint.forward_very_late") == 1
    assert escalation.run_due(monday.replace(hour=17)) == 0
    levels = db.session.execute(
        select(ComplaintAlert.target, ComplaintAlert.level).order_by(ComplaintAlert.id)
    ).all()
    assert [(t, lv) for t, lv in levels] == [
        (Target.FORWARD, AlertLevel.REMIND),
        (Target.FORWARD, AlertLevel.SUPERVISOR),
        (Target.FORWARD, AlertLevel.ADMIN),
    ]
    # Forwarded late: the forwarding target no longer runs; the resolution one does.
    with time_machine.travel(monday.replace(hour=17), tick=False):
        services.forward(complaint, actor=dealer)
    assert complaint.forwarded_on_time is False
    assert complaint.next_alert_at.astimezone(SHANGHAI) == datetime(
        2099, 11, 18, 10, 45, tzinfo=SHANGHAI
    )


def test_a_resolved_complaint_is_not_escalated(world, categories):
    dealer = world.people["dealer_x"]
    with time_machine.travel(FRIDAY_1730, tick=False):
        complaint = record(world.store_x, dealer, categories["QUALITY"])
        services.forward(complaint, actor=dealer)
        services.start(complaint, actor=dealer)
        services.resolve(complaint, actor=dealer, remedy=Remedy.REPAIR, comment="Fixed")
        db.session.commit()
    assert escalation.run_due(FRIDAY_1730 + timedelta(days=30)) == 0
    assert db.session.scalar(select(func.count()).select_from(ComplaintAlert)) == 0
