"""The health score: a weighted average of the scorecard's components, minus penalties."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.metrics.dealers import Component, Scorecard
from portal.metrics.health import health, rank

TODAY = date(2026, 6, 30)
WEIGHTS = {"attainment": 30, "timeliness": 15, "audit_score": 25, "acknowledgement": 30}
NO_PENALTY = {"stale_audit": 0, "overdue_action": 0}


def card(dealer_id: int = 1, **values) -> Scorecard:
    components = {
        key: Component(key, key.title(), None if value is None else Decimal(value), f"{key} says")
        for key, value in values.items()
    }
    return Scorecard(dealer_id, components)


def test_the_score_is_the_weighted_average_of_the_components():
    result = health(
        card(attainment=80, timeliness=100, audit_score=90, acknowledgement=50),
        weights=WEIGHTS,
        penalties=NO_PENALTY,
        today=TODAY,
    )

    # 80*.30 + 100*.15 + 90*.25 + 50*.30 = 24 + 15 + 22.5 + 15
    assert result.score == Decimal("76.5")
    assert [(p.key, p.weight, p.points) for p in result.parts] == [
        ("attainment", 30, Decimal("24.0")),
        ("timeliness", 15, Decimal("15.0")),
        ("audit_score", 25, Decimal("22.5")),
        ("acknowledgement", 30, Decimal("15.0")),
    ]
    assert result.parts[0].detail == "attainment says"


def test_components_without_data_give_their_weight_to_the_others():
    result = health(
        card(attainment=60, timeliness=None, audit_score=None, acknowledgement=100),
        weights=WEIGHTS,
        penalties=NO_PENALTY,
        today=TODAY,
    )

    # Only attainment (30) and acknowledgement (30) have data: half each.
    assert result.score == Decimal("80.0")
    missing = result.part("timeliness")
    assert missing.value is None
    assert missing.points == 0
    assert missing.share == 0


def test_attainment_above_target_counts_as_full_marks():
    result = health(card(attainment=140), weights={"attainment": 1}, penalties=NO_PENALTY)

    assert result.score == Decimal("100.0")
    assert result.part("attainment").value == Decimal(100)


def test_a_dealer_without_any_data_has_no_score():
    result = health(card(attainment=None), weights=WEIGHTS, penalties=NO_PENALTY, today=TODAY)

    assert result.score is None


def test_overdue_actions_cost_points_up_to_a_limit():
    penalties = {"overdue_action": 3, "overdue_actions_max": 7, "stale_audit": 0}
    two = health(card(attainment=90), weights=WEIGHTS, penalties=penalties, overdue_actions=2)
    nine = health(card(attainment=90), weights=WEIGHTS, penalties=penalties, overdue_actions=9)

    assert two.score == Decimal("84.0")
    assert nine.score == Decimal("83.0")
    assert [(p.key, p.points) for p in nine.penalties] == [("overdue_actions", Decimal(7))]
    assert "9" in nine.penalties[0].detail


@pytest.mark.parametrize(
    ("last_audit", "penalised"),
    [
        (None, True),
        (datetime(2026, 1, 2, 9, tzinfo=UTC), True),  # 179 days before TODAY
        (date(2026, 4, 1), False),  # 90 days: not more than the limit
        (datetime(2026, 6, 29, 23, tzinfo=UTC), False),
    ],
)
def test_a_dealer_not_audited_for_long_loses_points(last_audit, penalised):
    penalties = {"stale_audit": 10, "stale_after_days": 90, "overdue_action": 0}

    result = health(
        card(audit_score=95),
        weights=WEIGHTS,
        penalties=penalties,
        last_audit=last_audit,
        today=TODAY,
    )

    assert result.score == (Decimal("85.0") if penalised else Decimal("95.0"))
    assert [p.key for p in result.penalties] == (["stale_audit"] if penalised else [])


def test_the_score_never_goes_below_zero():
    penalties = {"overdue_action": 50, "overdue_actions_max": 50, "stale_audit": 50}

    result = health(card(attainment=20), weights=WEIGHTS, penalties=penalties, overdue_actions=3)

    assert result.score == 0


def test_the_shown_points_add_up_to_the_score():
    result = health(
        card(attainment=77.7, timeliness=33.3, audit_score=91.1, acknowledgement=12.5),
        weights=WEIGHTS,
        penalties={"overdue_action": 2, "stale_audit": 0},
        overdue_actions=1,
        today=TODAY,
    )

    assert result.score == sum(p.points for p in result.parts) - result.penalty_points


def test_unweighted_components_are_left_out():
    result = health(
        card(attainment=50, execution=0), weights={"attainment": 10, "execution": 0}, today=TODAY
    )

    assert [p.key for p in result.parts] == ["attainment"]


def test_ranking_puts_the_weakest_first_and_dealers_without_data_last():
    weights = {"attainment": 1}
    healths = [
        health(card(1, attainment=90), weights=weights, penalties=NO_PENALTY),
        health(card(2, attainment=None), weights=weights, penalties=NO_PENALTY),
        health(card(3, attainment=40), weights=weights, penalties=NO_PENALTY),
        health(card(4, attainment=70), weights=weights, penalties=NO_PENALTY),
    ]

    assert [h.dealer_id for h in rank(healths)] == [3, 4, 1, 2]
    assert [h.dealer_id for h in rank(healths, limit=2)] == [3, 4]
