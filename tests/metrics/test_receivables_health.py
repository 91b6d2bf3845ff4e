"""The health score's receivables penalty: a dealer over its credit limit, or with more than
RECEIVABLES_LATE_SHARE of what it owes overdue beyond 60 days, loses points, as the home
pages flag it; the maintained row follows invoices, payments and limits, and knows the day
an invoice passes 60 days overdue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal import clock
from portal.extensions import db
from portal.metrics import dealers as dealer_metrics
from portal.metrics import health as health_metrics
from portal.metrics import home_rows
from portal.metrics import receivables as rm
from portal.models import DealerFigures
from portal.receivables import services
from tests.receivables.conftest import invoice
from tests.support import figures
from tests.support.world import World, build_world

CARD = dealer_metrics.Scorecard(
    1, {"attainment": dealer_metrics.Component("attainment", "A", Decimal(80), "")}
)
NO_OTHER = {"stale_audit": 0}


@pytest.fixture
def world(app) -> World:
    return build_world()


def keys(result: health_metrics.Health) -> list[str]:
    return [penalty.key for penalty in result.penalties]


def receivable_keys(result: health_metrics.Health) -> list[str]:
    """The receivables penalties taken (other penalties depend on other data)."""
    return [key for key in keys(result) if key in ("over_credit_limit", "late_receivables")]


def test_a_dealer_over_its_limit_loses_the_configured_points(app):
    facts = {"open": 120_00, "late": 0, "limit": 100_00}
    result = health_metrics.health(
        CARD, weights={"attainment": 30}, penalties=NO_OTHER, receivables=facts
    )
    assert keys(result) == ["over_credit_limit"]
    assert result.penalties[0].points == Decimal(10)
    assert str(result.penalties[0].detail) == "120.0% of the credit limit used"
    assert result.score == Decimal("70.0")
    # At the limit exactly is not over it; no limit recorded is never over it.
    for within in (
        {"open": 100_00, "late": 0, "limit": 100_00},
        {"open": 9, "late": 0, "limit": 0},
    ):
        found = health_metrics.health(
            CARD, weights={"attainment": 30}, penalties=NO_OTHER, receivables=within
        )
        assert keys(found) == []


def test_more_than_the_share_overdue_beyond_sixty_days_loses_points(app):
    late = {"open": 100_00, "late": 21_00, "limit": 0}
    result = health_metrics.health(
        CARD,
        weights={"attainment": 30},
        penalties={**NO_OTHER, "late_receivables": 7},
        receivables=late,
        late_share=Decimal("0.2"),
    )
    assert keys(result) == ["late_receivables"]
    assert result.penalty_points == Decimal(7)
    assert str(result.penalties[0].detail) == "21.0% of the open amount overdue beyond 60 days"
    # A share at the limit is not above it; a higher limit takes the flag away.
    for facts, share in (({**late, "late": 20_00}, "0.2"), (late, "0.25")):
        found = health_metrics.health(
            CARD,
            weights={"attainment": 30},
            penalties=NO_OTHER,
            receivables=facts,
            late_share=Decimal(share),
        )
        assert keys(found) == []
    # Both flags: both penalties; a penalty configured at 0 is not taken.
    both = {"open": 200_00, "late": 100_00, "limit": 150_00}
    found = health_metrics.health(
        CARD,
        weights={"attainment": 30},
        penalties={**NO_OTHER, "over_credit_limit": 0},
        receivables=both,
    )
    assert keys(found) == ["late_receivables"]
    assert keys(health_metrics.health(CARD, penalties=NO_OTHER, receivables=both)) == [
        "over_credit_limit",
        "late_receivables",
    ]


def row(dealer_id: int) -> DealerFigures:
    db.session.expire_all()
    return db.session.get(DealerFigures, dealer_id)


def test_the_row_follows_invoices_payments_and_limits(world):
    today = clock.today()
    x = world.dealer_x
    # 400 open, 300 of it more than 60 days overdue: flagged (75 % > 20 %).
    old = invoice(x, "X-1", due_on=today - timedelta(days=61), amount=300_00)
    invoice(x, "X-2", due_on=today + timedelta(days=5), amount=100_00)
    invoice(world.dealer_y, "Y-1", due_on=today - timedelta(days=90), amount=50_00, paid=50_00)
    db.session.commit()
    found = row(x.id)
    assert found.facts["receivables"] == {"open": 400_00, "late": 300_00, "limit": 0}
    health = home_rows.health_of(found, today)
    assert receivable_keys(health) == ["late_receivables"]
    assert found.health_score == health.score
    assert row(world.dealer_y.id).facts["receivables"] == {}  # paid in full: nothing open
    # Paying most of the late invoice takes the flag away, in the same transaction.
    services.record_payment(old, 290_00, paid_on=today)
    db.session.commit()
    found = row(x.id)
    assert found.facts["receivables"]["late"] == 10_00
    assert receivable_keys(home_rows.health_of(found, today)) == []
    # A limit below what is open flags it again; lifting the limit ends that.
    services.set_terms(
        x, limit_minor=100_00, terms_days=30, version=None, actor=world.people["admin"]
    )
    db.session.commit()
    assert receivable_keys(home_rows.health_of(row(x.id), today)) == ["over_credit_limit"]
    assert figures.differences(figures.snapshot(), figures.recomputed()) == {}


def test_the_row_is_stale_the_day_an_open_invoice_passes_sixty_days_overdue(world):
    today = clock.today()
    x = world.dealer_x
    invoice(x, "X-1", due_on=today - timedelta(days=50), amount=100_00)
    invoice(x, "X-2", due_on=today - timedelta(days=20), amount=100_00)
    db.session.commit()
    # X-1 is 61 days past due eleven days from now: the penalty may change by itself then.
    _facts, changes = rm.health_facts([x.id], today)
    assert changes == {x.id: today + timedelta(days=11)}
    assert row(x.id).stale_on <= today + timedelta(days=11)
    # One passing 60 days tomorrow makes the row stale tomorrow, whatever else is due.
    invoice(x, "X-3", due_on=today - timedelta(days=60), amount=100_00)
    db.session.commit()
    assert row(x.id).stale_on == today + timedelta(days=1)
    # Once both are late, nothing changes by itself any more.
    _facts, changes = rm.health_facts([x.id], today + timedelta(days=41))
    assert changes == {}


def test_the_flags_agree_with_the_home_pages(world):
    today = clock.today()
    x, y = world.dealer_x, world.dealer_y
    invoice(x, "X-1", due_on=today - timedelta(days=70), amount=100_00)
    invoice(y, "Y-1", due_on=today - timedelta(days=10), amount=300_00)
    services.set_terms(
        y, limit_minor=200_00, terms_days=30, version=None, actor=world.people["admin"]
    )
    db.session.commit()
    share = rm.late_share_limit()
    facts, _changes = rm.health_facts([x.id, y.id], today)
    flagged = rm.flagged_ids(lambda column: column.in_([x.id, y.id]), today, late_share=share)
    assert sorted(flagged) == sorted(d for d in (x.id, y.id) if any(rm.flags_of(facts[d], share)))
    assert rm.flags_of(facts[x.id], share) == (False, True)
    assert rm.flags_of(facts[y.id], share) == (True, False)


def test_the_kept_flags_follow_invoices_payments_and_limits_as_the_invoices_say(world):
    today = clock.today()
    x, y = world.dealer_x, world.dealer_y
    both = lambda column: column.in_([x.id, y.id])  # noqa: E731
    share = rm.late_share_limit()

    def kept() -> tuple[list[int], int]:
        rows, total = rm.kept_flagged(both)
        return [row.id for row in rows], total

    assert kept() == ([], 0)
    late = invoice(x, "X-1", due_on=today - timedelta(days=70), amount=100_00)
    invoice(y, "Y-1", due_on=today - timedelta(days=65), amount=300_00)
    db.session.commit()
    # Both more than the share overdue beyond 60 days: the larger late amount first.
    assert kept() == ([y.id, x.id], 2)
    assert kept()[0] == rm.flagged_ids(both, today, late_share=share)
    assert rm.kept_flagged(both, limit=1)[0][0].code == y.code
    assert rm.kept_flagged(both, limit=1)[1] == 2
    services.record_payment(late, 100_00)
    db.session.commit()
    assert kept() == ([y.id], 1)
    invoice(x, "X-2", due_on=today + timedelta(days=20), amount=500_00)
    services.set_terms(
        x, limit_minor=200_00, terms_days=30, version=None, actor=world.people["admin"]
    )
    db.session.commit()
    # Over its limit with nothing late: flagged, after the dealer with a late amount.
    assert kept() == ([y.id, x.id], 2)
    assert kept()[0] == rm.flagged_ids(both, today, late_share=share)
    shown, total = rm.flagged_dealers(both, today, limit=5)
    assert [(dealer.id, standing.flagged) for dealer, standing in shown] == [
        (y.id, True),
        (x.id, True),
    ]
    assert total == 2
    # The shown dealers' standings, credit limits included, are the receivables pages' own.
    every = rm.dealer_standings(both, today, late_share=share)
    assert [standing for _dealer, standing in shown] == [every[y.id], every[x.id]]
    assert [standing.limit_minor for _dealer, standing in shown] == [None, 200_00]
    assert figures.differences(figures.snapshot(), figures.recomputed()) == {}


def test_a_row_not_brought_up_to_date_lists_its_dealer_with_what_it_owes_now(world):
    # As between a change made outside the portal and the refresh task's next pass.
    x = world.dealer_x
    db.session.execute(
        db.update(DealerFigures)
        .where(DealerFigures.dealer_id == x.id)
        .values(receivables_flagged=True, receivables_late=100_00)
    )
    shown, total = rm.flagged_dealers(lambda column: column == x.id, clock.today(), limit=5)
    assert total == 1
    [(dealer, standing)] = shown
    assert (dealer.code, standing.aging.open_minor, standing.flagged) == (x.code, 0, False)
    db.session.rollback()


def test_the_home_page_states_the_receivables_penalty(app, world):
    from tests.support.clients import signed_in_client

    client = signed_in_client(app, world.people["admin"])
    page = client.get("/home").get_data(as_text=True)
    assert "10 points when the open invoices pass the credit limit" in page
    assert "more than 20% of what the dealer owes is overdue beyond 60 days" in page
