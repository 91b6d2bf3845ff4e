"""The complaint figures: each definition counted on a hand-built set
(tests/support/complaints.py), network-wide and scoped to a region or a dealer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest

from portal import access, clock
from portal.complaints import services
from portal.extensions import db
from portal.metrics import complaints as cm
from portal.metrics import dealers as dealer_metrics
from portal.metrics import health as health_metrics
from portal.metrics import home_rows
from portal.models import DealerFigures
from tests.support import complaints as complaint_set
from tests.support import figures
from tests.support.world import World, build_world


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture
def made(world: World):
    return complaint_set.build(world)


def scope_of(world: World, person: str):
    return partial(access.dealer_scope, world.people[person])


def test_open_and_overdue_counts_network_and_by_scope(world, made):
    now = clock.now()
    network = cm.card(cm.everywhere, now, regions=None).now_open
    assert network == cm.OpenCounts(
        open=6, serious=1, overdue_forward=2, overdue_resolve=2, overdue=4
    )
    region_a = cm.card(scope_of(world, "supervisor_a"), now, regions={world.region_a.id}).now_open
    # b late to forward; e and g late to resolve; a and c not late; g counts though old.
    assert region_a == cm.OpenCounts(
        open=5, serious=1, overdue_forward=1, overdue_resolve=2, overdue=3
    )
    dealer_y = cm.card(scope_of(world, "dealer_y"), now, regions={world.region_b.id}).now_open
    assert dealer_y == cm.OpenCounts(open=1, overdue_forward=1, overdue=1)


def test_shares_this_month_and_over_twelve_months(world, made):
    now = clock.now()
    card = cm.card(scope_of(world, "supervisor_a"), now, regions={world.region_a.id})
    # This month: a (forwarding not due yet), b (unforwarded past its deadline: late),
    # c (forwarded on time); nothing resolved or past resolution.
    assert card.month == cm.Tally(
        total=3, serious=1, repeats=0, forward_measured=2, forwarded_on_time=1
    )
    assert card.month.forward_share == Decimal("50.0")
    assert card.month.resolve_share is None
    assert card.month.repeat_rate == Decimal("0.0")
    # 12 months: a-f (g is older). Forwarding: b late, c d f on time, e late. Resolution: d on
    # time, f late, e (reopened, past its new deadline) late. Repeats: e.
    assert card.year == cm.Tally(
        total=6,
        serious=1,
        repeats=1,
        forward_measured=5,
        forwarded_on_time=3,
        resolve_measured=3,
        resolved_on_time=1,
    )
    assert (card.year.forward_share, card.year.resolve_share, card.year.repeat_rate) == (
        Decimal("60.0"),
        Decimal("33.3"),
        Decimal("16.7"),
    )
    network = cm.card(cm.everywhere, now, regions=None)
    assert (network.month.total, network.month.forward_share) == (4, Decimal("33.3"))
    assert (network.year.total, network.year.repeats) == (8, 2)
    assert network.year.forward_share == Decimal("57.1")  # 4 of 7
    assert network.year.resolve_share == Decimal("50.0")  # 2 of 4
    assert network.year.repeat_rate == Decimal("25.0")


def test_by_region_and_worst_dealers(world, made):
    now = clock.now()
    regions = {line.code: line for line in cm.by_region(cm.everywhere, now, regions=None)}
    assert set(regions) == {"RA", "RB"}
    assert regions["RB"].now_open.overdue_forward == 1
    assert regions["RB"].year.repeat_rate == Decimal("50.0")
    assert regions["RA"].now_open.open == 5
    # A supervisor sees only their region's.
    only_b = cm.by_region(scope_of(world, "supervisor_b"), now, regions={world.region_b.id})
    assert [line.code for line in only_b] == ["RB"]
    lines, total = cm.worst_dealers(cm.everywhere, now, limit=1)
    assert total == 2
    assert [(line.code, line.now_open.overdue) for line in lines] == [("DX", 3)]
    assert lines[0].link == f"/complaints/?dealer={world.dealer_x.id}&overdue=any"
    lines, total = cm.worst_dealers(scope_of(world, "supervisor_b"), now, limit=10)
    assert ([line.code for line in lines], total) == (["DY"], 1)


@pytest.mark.parametrize("person", ["admin", "supervisor_b", "supervisor_a"])
@pytest.mark.parametrize("limit", [1, 10])
def test_dealer_view_matches_the_card_and_the_worst_dealers(world, made, person, limit):
    now = clock.now()
    scope = scope_of(world, person)
    regions = None if person == "admin" else access.region_ids_of(world.people[person])
    card, lines, total = cm.dealer_view(scope, now, regions=regions, limit=limit)
    assert card == cm.card(scope, now, regions=regions)
    assert (lines, total) == cm.worst_dealers(scope, now, limit=limit)
    # The open counts now are every dealer's, not only the ones listed.
    assert card.now_open == cm.open_counts(None, scope=scope, now=now).get(None, cm.NONE_OPEN)


def test_a_dealers_own_open_counts_match_the_scoped_ones(world, made):
    now = clock.now()
    for dealer in (world.dealer_x, world.dealer_y):
        own = cm.dealer_open_counts(dealer.id, now)
        scoped = cm.open_counts(None, scope=cm.only_dealer(dealer.id), now=now)
        assert own == scoped[None]
        # Both dealers have open complaints, some of them late.
        assert own.open > 0
        assert own.overdue > 0


def test_counts_by_severity_per_dealer(world, made):
    now = clock.now()
    found = cm.tallies(cm.Complaint.dealer_id, since=cm.year_start(now.date()), now=now)
    assert (found[world.dealer_x.id].serious, found[world.dealer_x.id].normal) == (1, 5)
    assert (found[world.dealer_y.id].serious, found[world.dealer_y.id].normal) == (0, 2)


def test_what_a_dealer_has_due_next(world, made):
    now = clock.now()
    due = cm.due_next(world.dealer_x.id, now, limit=3)
    # g's resolution (300 days late), e's (a day late), then b's forwarding (30 min late).
    assert [d.reference for d in due] == [made[k].reference for k in ("g", "e", "b")]
    assert [d.target for d in due] == [cm.Target.RESOLVE, cm.Target.RESOLVE, cm.Target.FORWARD]
    assert all(d.overdue for d in due)
    assert due[2].store == world.store_x.name


def test_the_health_part_is_made_from_the_last_twelve_months(world, made):
    today = clock.today()
    facts = cm.health_windows([world.dealer_x.id, world.dealer_y.id], today)[world.dealer_x.id]
    # As of the start of today: b's forwarding deadline has not passed yet.
    assert facts == {
        "fwd_part": 3,
        "fwd_whole": 4,
        "res_part": 1,
        "res_whole": 3,
        "repeats": 1,
        "total": 6,
        "overdue": 2,
    }
    # 40 % x 75.0 + 40 % x 33.3 + 20 % x 83.3 (5 of 6 not repeated)
    assert cm.health_value(facts) == Decimal("60.0")
    component = cm.health_component(facts)
    assert component.detail == (
        "3 of 4 forwarded on time, 1 of 3 resolved on time, 1 of 6 repeated"
    )


def test_the_health_formula():
    full = {"fwd_part": 2, "fwd_whole": 2, "res_part": 1, "res_whole": 1, "repeats": 0}
    assert cm.health_value({**full, "total": 2}) == Decimal("100.0")
    assert cm.health_value({**full, "total": 0}) is None  # nothing received: left out
    # Nothing measured yet but the repeat share: that part alone.
    none_measured = {"fwd_part": 0, "fwd_whole": 0, "res_part": 0, "res_whole": 0}
    assert cm.health_value({**none_measured, "repeats": 1, "total": 4}) == Decimal("75.0")
    # All late, all repeated.
    worst = {"fwd_part": 0, "fwd_whole": 3, "res_part": 0, "res_whole": 3}
    assert cm.health_value({**worst, "repeats": 3, "total": 3}) == Decimal("0.0")


def test_the_health_score_takes_the_part_with_its_weight_and_the_overdue_penalty():
    card = dealer_metrics.Scorecard(
        1, {"attainment": dealer_metrics.Component("attainment", "A", Decimal(80), "")}
    )
    part = cm.health_component(
        {"fwd_part": 1, "fwd_whole": 2, "res_part": 1, "res_whole": 2, "repeats": 0, "total": 2}
    )
    assert part.value == Decimal("60.0")
    result = health_metrics.health(
        card,
        weights={"attainment": 30, "complaints": 10},
        penalties={"stale_audit": 0, "overdue_complaint": 3, "overdue_complaints_max": 5},
        complaints=part,
        overdue_complaints=2,
    )
    assert result.part("complaints").weight == 10
    assert result.part("complaints").points == Decimal("15.0")  # 60 x 10/40
    assert result.part("attainment").points == Decimal("60.0")  # 80 x 30/40
    assert [p.key for p in result.penalties] == ["overdue_complaints"]
    assert result.penalty_points == Decimal(5)  # 2 x 3, capped at 5
    assert result.score == Decimal("70.0")
    # No complaint received: the part is left out and the weights re-spread.
    empty = health_metrics.health(
        card,
        weights={"attainment": 30, "complaints": 10},
        penalties={"stale_audit": 0},
        complaints=cm.health_component({}),
    )
    assert empty.score == Decimal("80.0")


def test_the_default_weights_sum_to_a_hundred_and_include_complaints(app):
    assert sum(health_metrics.DEFAULT_WEIGHTS.values()) == 100
    assert health_metrics.DEFAULT_WEIGHTS["complaints"] == 10
    assert app.config["HEALTH_WEIGHTS"] == health_metrics.DEFAULT_WEIGHTS


def test_the_dealers_figures_row_keeps_the_part_and_follows_complaint_changes(world, made):
    today = clock.today()
    row = db.session.get(DealerFigures, world.dealer_x.id)
    assert row.facts["complaints"]["total"] == 6
    # b's forwarding deadline passes today: tomorrow's figures differ by themselves.
    assert row.stale_on == today + timedelta(days=1)
    health = home_rows.health_of(row, today)
    assert health.part("complaints").value == Decimal("60.0")
    assert [p.key for p in health.penalties if p.key == "overdue_complaints"] == [
        "overdue_complaints"
    ]
    assert row.health_score == health.score
    # A step taken on a complaint recomputes its dealer's row in the same transaction.
    services.forward(made["a"], actor=world.people["supervisor_a"])
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(DealerFigures, world.dealer_x.id)
    assert (row.facts["complaints"]["fwd_part"], row.facts["complaints"]["fwd_whole"]) == (4, 5)
    assert figures.differences(figures.snapshot(), figures.recomputed()) == {}
