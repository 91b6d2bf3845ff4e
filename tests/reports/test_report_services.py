"""Store report rules: one per store and month, the lifecycle, notifications."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, ReportAction, ReportStatus
from portal.reports import services
from tests.support.plans import make_report, this_month

WINDOW = (this_month(-36), this_month(0))


def _values(world, revenue=1_000_00):
    return services.ReportValues(
        actuals={world.lines[0].id: (revenue, 3)},
        footfall=1200,
        competitors=[("Anta", "pricing", "20% off")],
    )


def _create(world, period=None, values=None):
    return services.create_report(
        store=world.stores_x[0],
        period=period or this_month(-1),
        values=values or _values(world),
        actor=world.user_x,
        window=WINDOW,
    )


def _kinds(user):
    return db.session.scalars(
        select(Notification.kind).where(Notification.user_id == user.id)
    ).all()


def test_a_new_report_is_a_draft_of_the_stores_dealer(world):
    report = _create(world)
    assert report.status == ReportStatus.DRAFT
    assert report.dealer_id == world.dealer_x.id
    assert [(x.product_line_id, x.revenue_minor) for x in report.lines] == [
        (world.lines[0].id, 1_000_00)
    ]
    assert report.competitor_activities[0].competitor == "Anta"


def test_one_report_per_store_and_month(world):
    first = _create(world)
    with pytest.raises(services.ReportExists) as exists:
        _create(world)
    assert exists.value.report.id == first.id


def test_reports_for_future_months_are_refused(world):
    with pytest.raises(services.ReportError):
        _create(world, period=this_month(1))


def test_submit_needs_actuals_and_tells_the_regions_supervisors(world):
    empty = _create(world, period=this_month(-2), values=services.ReportValues())
    with pytest.raises(services.ReportError):
        services.submit_report(empty, actor=world.user_x)
    report = _create(world)
    services.submit_report(report, actor=world.user_x)
    db.session.commit()
    assert report.status == ReportStatus.SUBMITTED
    assert _kinds(world.supervisor_a) == ["report.submitted"]
    assert _kinds(world.supervisor_b) == []


def test_review_and_return_tell_the_dealer_and_return_needs_a_comment(world):
    report = _create(world)
    services.submit_report(report, actor=world.user_x)
    with pytest.raises(services.ReportError):
        services.return_report(report, actor=world.supervisor_a, comment="")
    services.return_report(report, actor=world.supervisor_a, comment="Stock count?")
    services.submit_report(report, actor=world.user_x)
    services.review_report(report, actor=world.supervisor_a)
    db.session.commit()
    assert report.status == ReportStatus.REVIEWED
    assert [t.action for t in report.transitions] == [
        ReportAction.CREATE,
        ReportAction.SUBMIT,
        ReportAction.RETURN,
        ReportAction.SUBMIT,
        ReportAction.REVIEW,
    ]
    assert _kinds(world.user_x) == ["report.returned", "report.reviewed"]


@pytest.mark.parametrize("status", [ReportStatus.SUBMITTED, ReportStatus.REVIEWED])
def test_submitted_and_reviewed_reports_cannot_change(world, status):
    report = make_report(world.stores_x[0], this_month(-1), status=status)
    with pytest.raises(services.ReportError):
        services.update_report(report, values=_values(world), actor=world.user_x)


def test_an_unchanged_save_keeps_the_version(world):
    report = _create(world)
    db.session.commit()
    version = report.version
    changed = services.update_report(report, values=_values(world), actor=world.user_x)
    db.session.commit()
    assert changed is False
    assert report.version == version
    services.update_report(report, values=_values(world, 5), actor=world.user_x)
    db.session.commit()
    assert report.version == version + 1
