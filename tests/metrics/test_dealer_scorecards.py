"""Dealer scorecards: each component from known data, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, select, update

from portal import clock, periods
from portal.extensions import db
from portal.metrics.dealers import KEYS, period_window, scorecards
from portal.models import Audit, Dealer, ExecutionStatus, PlanStatus, ReportStatus, Role
from portal.notices import responses
from portal.notices import services as notice_services
from tests.support.audit_factories import all_pass, make_audit, make_standard, respond
from tests.support.factories import make_dealer, make_region, make_store, make_user
from tests.support.plans import make_plan, make_report, make_world

TODAY = clock.today()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def window_with_today() -> tuple[date, date]:
    return period_window(TODAY)


def test_period_window_covers_whole_calendar_months():
    assert period_window(date(2026, 9, 30)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert period_window(date(2026, 2, 10), months=6) == (date(2025, 9, 1), date(2026, 2, 28))


def test_a_dealer_with_no_activity_missed_its_plans_and_has_nothing_else(app):
    app.config.update(PLAN_DUE_DAY=25)
    dealer = make_dealer(make_region())
    db.session.commit()

    card = scorecards(
        [dealer.id], first=date(2026, 4, 1), last=date(2026, 6, 30), today=date(2026, 7, 1)
    )[dealer.id]

    assert set(card.components) == set(KEYS)
    assert card.components["timeliness"].value == Decimal(0)  # May, June and July plans
    assert "0 of 3" in card.components["timeliness"].detail
    others = [c.value for key, c in card.components.items() if key != "timeliness"]
    assert others == [None] * (len(KEYS) - 1)
    assert card.audit_trend is None


def test_attainment_is_actual_over_approved_target_and_capped_for_scoring(app):
    world = make_world()
    period = periods.shift(periods.of(TODAY), -1)
    store, line = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, period, {(store, line): (100_00, 10)}, status=PlanStatus.APPROVED)
    make_report(store, period, {line: (80_00, 8)}, status=ReportStatus.REVIEWED)
    make_plan(
        world.dealer_y, period, {(world.stores_y[0], line): (100_00, 1)}, status=PlanStatus.APPROVED
    )
    make_report(world.stores_y[0], period, {line: (125_00, 1)}, status=ReportStatus.REVIEWED)
    db.session.commit()
    first, last = periods.first_day(period), periods.last_day(period)

    cards = scorecards([world.dealer_x.id, world.dealer_y.id], first=first, last=last)

    x = cards[world.dealer_x.id].components["attainment"]
    y = cards[world.dealer_y.id].components["attainment"]
    assert x.value == Decimal("80.0")
    assert y.value == Decimal("100")
    assert "125.0" in y.detail


def test_timeliness_counts_plans_and_reports_by_their_due_dates(app):
    app.config.update(PLAN_DUE_DAY=25, REPORT_DUE_DAYS=10)
    world = make_world()
    # Window: June 2026. Due in it: the July plan (25 June) and the May reports (10 June).
    first, last = date(2026, 6, 1), date(2026, 6, 30)
    make_plan(
        world.dealer_x, "2026-07", status=PlanStatus.SUBMITTED, submitted_at=at(date(2026, 6, 25))
    )
    on_time, late = world.stores_x
    make_report(
        on_time, "2026-05", status=ReportStatus.SUBMITTED, submitted_at=at(date(2026, 6, 9))
    )
    make_report(late, "2026-05", status=ReportStatus.SUBMITTED, submitted_at=at(date(2026, 6, 11)))
    db.session.commit()

    card = scorecards([world.dealer_x.id], first=first, last=last, today=date(2026, 7, 1))
    component = card[world.dealer_x.id].components["timeliness"]

    assert component.value == Decimal("66.7")  # plan + one report of three on time
    assert "2 of 3" in component.detail


def test_timeliness_does_not_count_what_is_not_due_yet(app):
    app.config.update(PLAN_DUE_DAY=25, REPORT_DUE_DAYS=10)
    world = make_world()

    card = scorecards(
        [world.dealer_x.id],
        first=date(2026, 6, 1),
        last=date(2026, 6, 30),
        today=date(2026, 6, 5),
    )

    assert card[world.dealer_x.id].components["timeliness"].value is None


def test_audit_score_average_and_trend(app):
    region = make_region()
    dealer = make_dealer(region)
    store = make_store(dealer)
    supervisor = make_user(Role.SUPERVISOR, regions=[region])
    admin = make_user(Role.ADMIN)
    version = make_standard(actor=admin)
    scores = []
    codes = [item.code for item in version.items]
    # Older audits fail one item each, newer ones pass everything: the trend is positive.
    for n in range(6):
        answers = all_pass(version, **({codes[0]: "fail"} if n < 3 else {}))
        audit = make_audit(store, version.standard, supervisor, answers=answers, complete=True)
        db.session.execute(
            update(Audit)
            .where(Audit.id == audit.id)
            .values(completed_at=at(TODAY) - timedelta(days=60 - n))
        )
        scores.append(audit.score)
    db.session.commit()
    first, last = TODAY - timedelta(days=90), TODAY

    card = scorecards([dealer.id], first=first, last=last)[dealer.id]

    average = sum(scores, Decimal(0)) / len(scores)
    assert card.components["audit_score"].value == average.quantize(Decimal("0.1"))
    expected_trend = sum(scores[3:], Decimal(0)) / 3 - sum(scores[:3], Decimal(0)) / 3
    assert card.audit_trend == expected_trend.quantize(Decimal("0.1"))
    assert card.audit_trend > 0


def test_actions_on_time_among_those_due(app):
    region = make_region()
    dealer = make_dealer(region)
    store = make_store(dealer)
    supervisor = make_user(Role.SUPERVISOR, regions=[region])
    dealer_user = make_user(Role.DEALER, dealer=dealer)
    version = make_standard(actor=make_user(Role.ADMIN))
    codes = [item.code for item in version.items]
    answers = all_pass(version, **{codes[0]: "fail", codes[1]: "fail"})
    audit = make_audit(store, version.standard, supervisor, answers=answers, complete=True)
    answered, ignored = sorted(audit.actions, key=lambda action: action.id)
    respond(answered, dealer_user)
    for action in (answered, ignored):
        action.original_due_on = action.due_on = TODAY
    db.session.commit()

    card = scorecards([dealer.id], first=TODAY - timedelta(days=30), last=TODAY)[dealer.id]

    component = card.components["actions_on_time"]
    assert component.value == Decimal("50.0")
    assert "1 of 2" in component.detail


def test_acknowledgement_and_execution_rates(app):
    region = make_region()
    dealer = make_dealer(region)
    other = make_dealer(region)
    stores = [make_store(dealer), make_store(dealer)]
    make_store(other)
    admin = make_user(Role.ADMIN)
    dealer_user = make_user(Role.DEALER, dealer=dealer)
    db.session.commit()
    values = {
        "kind": "promotion",
        "title": "Spring promotion",
        "body": "Window display",
        "effective_from": TODAY,
        "effective_to": None,
        "acknowledge_days": 0,
        "audience": "network",
        "region_ids": [],
        "dealer_ids": [],
        "audience_kind": "",
        "store_ids": [],
        "promotion_start": TODAY,
        "promotion_end": TODAY + timedelta(days=20),
        "execution_deadline": TODAY,
    }
    notice, _created = notice_services.create_notice(values, author=admin)
    notice_services.publish(notice, actor=admin)
    notice.acknowledge_due_on = TODAY
    db.session.commit()
    responses.acknowledge(notice, user=dealer_user, version=notice.current_version)
    responses.report_execution(
        notice,
        stores[0],
        user=dealer_user,
        version=notice.current_version,
        status=ExecutionStatus.DONE,
    )
    db.session.commit()

    cards = scorecards([dealer.id, other.id], first=TODAY - timedelta(days=5), last=TODAY)

    mine, theirs = cards[dealer.id].components, cards[other.id].components
    assert mine["acknowledgement"].value == Decimal("100.0")
    assert theirs["acknowledgement"].value == Decimal("0.0")
    assert mine["execution"].value == Decimal("50.0")
    assert theirs["execution"].value == Decimal("0.0")


def test_query_count_does_not_grow_with_the_number_of_dealers(app):
    region = make_region()
    first, last = window_with_today()

    def statements_for_all_dealers() -> int:
        db.session.commit()
        ids = list(db.session.scalars(select(Dealer.id)))
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            cards = scorecards(ids, first=first - timedelta(days=90), last=last)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(cards) == len(ids)
        return len(statements)

    make_store(make_dealer(region))
    few = statements_for_all_dealers()
    for _n in range(8):
        make_store(make_dealer(region))
    assert statements_for_all_dealers() == few
