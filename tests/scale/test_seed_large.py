"""`flask seed-large`: a tiny run gives the network's proportions and a usable database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

from sqlalchemy import func, select

from portal import clock
from portal.complaints import deadlines, escalation
from portal.extensions import db
from portal.models import (
    OPEN_STATUSES,
    ActionStatus,
    AnswerResult,
    Audit,
    AuditAnswer,
    AuditStatus,
    Complaint,
    ComplaintAlert,
    ComplaintStatus,
    CorrectiveAction,
    Dealer,
    DealerStatus,
    Notice,
    NoticeReceipt,
    PlanStatus,
    ProductLine,
    Region,
    Role,
    SalesPlan,
    SalesPlanLine,
    Severity,
    Store,
    StoreReport,
    StoreReportLine,
    User,
    supervisor_regions,
)


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def test_a_tiny_network_has_the_expected_proportions(app):
    result = app.test_cli_runner().invoke(args=["seed-large", "--dealers", "30", "--audits", "90"])
    assert result.exit_code == 0, result.output
    assert "Large network loaded" in result.output

    assert count(Region) == 20
    assert count(Dealer) == 30
    assert count(Store) == 150
    assert count(ProductLine) == 5
    assert count(User, User.role == Role.ADMIN) == 1
    assert count(User, User.role == Role.SUPERVISOR) == 60
    assert count(User, User.role == Role.DEALER) == 30
    assert count(supervisor_regions) == 60
    # Everyone shares one password hash, made once.
    assert db.session.scalar(select(func.count(func.distinct(User.password_hash)))) == 1

    # 24 months of plans for every dealer that trades, with a line per store and product line.
    trading = count(Dealer, Dealer.status != DealerStatus.PROSPECT)
    plans = count(SalesPlan)
    assert 20 * trading <= plans <= 24 * trading
    periods = db.session.scalar(select(func.count(func.distinct(SalesPlan.period))))
    assert periods == 24
    plan = db.session.scalar(
        select(SalesPlan).where(SalesPlan.status == PlanStatus.APPROVED).limit(1)
    )
    stores = count(Store, Store.dealer_id == plan.dealer_id)
    assert count(SalesPlanLine, SalesPlanLine.plan_id == plan.id) == stores * 5
    assert count(SalesPlan, SalesPlan.status == PlanStatus.SUBMITTED) > 0  # a review queue

    # 24 months of store reports, five lines each.
    reports = count(StoreReport)
    assert reports > 20 * 5 * trading * 0.8
    assert count(StoreReportLine) == reports * 5

    # The audits asked for, every answer kept and scored; actions only for failures.
    assert count(Audit, Audit.status == AuditStatus.COMPLETED) == 90
    assert count(Audit, Audit.status == AuditStatus.SCHEDULED) > 0
    audit = db.session.scalar(select(Audit).where(Audit.status == AuditStatus.COMPLETED).limit(1))
    assert audit.score is not None
    assert audit.grade
    assert count(AuditAnswer, AuditAnswer.audit_id == audit.id) == len(audit.standard_version.items)
    failed = count(AuditAnswer, AuditAnswer.result == AnswerResult.FAIL)
    assert 0 < count(CorrectiveAction) == failed
    assert count(CorrectiveAction, CorrectiveAction.status != ActionStatus.VERIFIED) > 0
    assert count(Notice) == 24
    assert count(NoticeReceipt) > 0


def test_ids_keep_working_after_the_bulk_load(app):
    """The database hands out new ids after the generator chose its own (PostgreSQL)."""
    from tests.support.factories import make_region

    app.test_cli_runner().invoke(args=["seed-large", "--dealers", "2", "--audits", "4"])
    region = make_region(code="NEW", name="New region")
    db.session.commit()
    assert region.id > 20


def test_refuses_a_database_with_data_unless_forced(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-large", "--dealers", "2", "--audits", "2"]).exit_code == 0
    refused = runner.invoke(args=["seed-large", "--dealers", "2"])
    assert refused.exit_code != 0
    assert "already has data" in refused.output
    assert count(Dealer) == 2

    forced = runner.invoke(args=["seed-large", "--dealers", "2", "--audits", "2", "--force"])
    assert forced.exit_code == 0, forced.output
    assert count(Dealer) == 4
    assert count(Region) == 40
    assert count(Audit, Audit.status == AuditStatus.COMPLETED) == 4


def test_complaints_are_in_states_the_services_would_leave(app):
    """Ten per dealer over a year; deadlines from the calendar; steps, on-time flags and
    escalations consistent, so the escalation run has nothing to catch up on."""
    result = app.test_cli_runner().invoke(args=["seed-large", "--dealers", "20", "--audits", "4"])
    assert result.exit_code == 0, result.output
    cutoff = datetime.combine(clock.today(), time(8), tzinfo=UTC)
    complaints = list(db.session.scalars(select(Complaint).order_by(Complaint.id)))
    assert len(complaints) == 200
    assert min(c.received_at for c in complaints) < cutoff - timedelta(days=300)
    calendars = deadlines.Calendars()
    for complaint in complaints:
        steps = complaint.transitions
        assert steps[0].action.value == "receive"
        assert steps[0].at == complaint.received_at
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        assert steps[-1].at <= cutoff
        assert steps[-1].to_status == complaint.status
        for before, after in pairwise(steps):
            assert after.from_status == before.to_status
        calendar = calendars.of(complaint)
        assert complaint.forward_due_at == calendar.add(complaint.received_at, 2 * 3600)
        start = deadlines.clock_start(complaint)
        days = complaint.category.resolve_days
        assert complaint.resolve_due_at == calendar.add_days(start, days)
        if complaint.severity == Severity.SERIOUS:
            assert complaint.resolve_due_at - start == timedelta(days=days)
        if complaint.forwarded_at is not None:
            assert complaint.forwarded_on_time is (
                complaint.forwarded_at <= complaint.forward_due_at
            )
        if complaint.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED):
            assert complaint.resolved_on_time is (complaint.resolved_at <= complaint.resolve_due_at)
            assert complaint.next_alert_at is None
        else:
            sent = escalation.sent_alerts(complaint)
            assert complaint.next_alert_at == deadlines.next_alert(complaint, calendar, sent=sent)
    opened = [c for c in complaints if c.status in OPEN_STATUSES]
    assert 4 <= len(opened) <= 30
    assert sum(c.resolve_due_at < cutoff for c in opened) >= 2  # overdue now
    assert {c.status for c in complaints} >= {ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED}
    assert sum(c.is_repeat for c in complaints) >= 4
    assert 5 <= sum(c.forwarded_on_time is False for c in complaints) <= 40
    assert 5 <= sum(c.resolved_on_time is False for c in complaints) <= 50
    assert count(ComplaintAlert) > 0
    assert all(r.after_sales_user_id is not None for r in db.session.scalars(select(Region)))
    # Every escalation due by the seed's morning was sent: the run finds nothing to do.
    assert escalation.run_due(cutoff) == 0
