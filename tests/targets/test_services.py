"""Targets, allocations, moves and forecasts: the rules of portal/targets/services.py."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import (
    AllocationAction,
    AllocationStatus,
    ForecastStatus,
    PlanStatus,
    ReportStatus,
)
from portal.targets import services
from tests.support.plans import make_plan, make_report
from tests.targets.conftest import YEAR

BEFORE_THE_YEAR = date(YEAR - 1, 12, 1)
IN_THE_YEAR = date(YEAR, 3, 1)


def set_target(
    net,
    revenue=1_200_000,
    units=1200,
    *,
    line=None,
    months=None,
    reason="",
    today=BEFORE_THE_YEAR,
    region=None,
):
    return services.set_target(
        region=region or net.region_a,
        year=YEAR,
        product_line=line or net.lines[0],
        revenue_minor=revenue,
        units=units,
        months=months,
        reason=reason,
        actor=net.admin,
        today=today,
    )


def test_a_target_is_split_by_the_default_profile_and_adds_up(net):
    target = set_target(net, revenue=1_000_003, units=101)
    months = [(m.revenue_minor, m.units) for m in target.months]
    assert len(months) == 12
    assert sum(r for r, _ in months) == 1_000_003
    assert sum(u for _, u in months) == 101
    assert months[11][0] > months[1][0]  # December weighs more than February


def test_a_region_profile_overrides_the_default(net):
    services.set_profile(region=net.region_a, weights=[1] + [0] * 11, actor=net.admin)
    target = set_target(net, revenue=500, units=5)
    assert [(m.revenue_minor, m.units) for m in target.months][:2] == [(500, 5), (0, 0)]


def test_months_by_hand_must_add_up_to_the_year(net):
    months = [(100, 1)] * 12
    with pytest.raises(services.TargetError, match="add up"):
        set_target(net, revenue=1300, units=12, months=months)
    target = set_target(net, revenue=1200, units=12, months=months)
    assert target.split.value == "manual"


def test_a_change_after_the_year_starts_needs_a_reason_and_keeps_every_version(net):
    set_target(net, revenue=1200)
    with pytest.raises(services.TargetError, match="Say why"):
        set_target(net, revenue=2400, today=IN_THE_YEAR)
    target = set_target(net, revenue=2400, today=IN_THE_YEAR, reason="New store budget")
    assert target.revision == 2
    assert [(r.revision, r.revenue_minor, r.reason) for r in target.revisions] == [
        (1, 1200, ""),
        (2, 2400, "New store budget"),
    ]


def test_the_suggested_allocation_adds_up_and_follows_last_years_actuals(net):
    set_target(net, revenue=1_200_000, units=1200)
    big, small, new = net.dealers
    prior = f"{YEAR - 1}-06"
    make_report(
        net.stores[big.id][0], prior, {net.lines[0]: (300_000, 30)}, status=ReportStatus.SUBMITTED
    )
    make_report(
        net.stores[small.id][0], prior, {net.lines[0]: (100_000, 10)}, status=ReportStatus.SUBMITTED
    )
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    assert services.differences(allocation) == {}
    by_dealer = {}
    for line in allocation.lines:
        by_dealer[line.dealer_id] = by_dealer.get(line.dealer_id, 0) + line.revenue_minor
    assert by_dealer[big.id] > by_dealer[small.id] > 0
    assert by_dealer[new.id] > 0  # the new dealer weighs its store count
    assert sum(by_dealer.values()) == 1_200_000


def test_a_difference_must_be_explained_before_submission(net):
    set_target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    cells = services.cells_of(allocation)
    key = next(iter(cells))
    cells[key] = (cells[key][0] - 100, cells[key][1])
    services.save_allocation(allocation, cells=cells, explanation="", actor=net.supervisor_a)
    assert services.differences(allocation) == {(key[1], key[2]): (-100, 0)}
    with pytest.raises(services.TargetError, match="explain"):
        services.submit_allocation(allocation, actor=net.supervisor_a)
    services.save_allocation(
        allocation, cells=cells, explanation="Dealer 1 is refitting", actor=net.supervisor_a
    )
    services.submit_allocation(allocation, actor=net.supervisor_a)
    assert allocation.status == AllocationStatus.SUBMITTED
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    assert allocation.status == AllocationStatus.APPROVED


def test_a_cell_of_another_regions_dealer_is_refused(net):
    set_target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    cells = {(net.dealer_b.id, net.lines[0].id, f"{YEAR}-01"): (5, 1)}
    with pytest.raises(services.TargetError, match="not one of the region"):
        services.save_allocation(allocation, cells=cells, explanation="", actor=net.supervisor_a)


def approved_allocation(net):
    set_target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    services.submit_allocation(allocation, actor=net.supervisor_a)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    return allocation


def test_moving_target_keeps_the_region_total_and_the_history(net):
    allocation = approved_allocation(net)
    before = services.cells_of(allocation)
    suspended, taker, _ = net.dealers
    months = [f"{YEAR}-{m:02d}" for m in range(7, 13)]
    moves = services.move_target(
        allocation,
        from_dealer=suspended,
        to_dealer=taker,
        product_line_id=net.lines[0].id,
        months=months,
        revenue_minor=None,
        units=None,
        reason="Dealer suspended",
        actor=net.supervisor_a,
    )
    after = services.cells_of(allocation)
    assert len(moves) == 6
    assert services.differences(allocation) == {}
    assert sum(a[0] for a in after.values()) == sum(b[0] for b in before.values())
    for month in months:
        assert after[(suspended.id, net.lines[0].id, month)] == (0, 0)
    assert [m.reason for m in services.moves_of(allocation)] == ["Dealer suspended"] * 6


def test_a_move_cannot_take_more_than_the_dealer_holds(net):
    allocation = approved_allocation(net)
    giver, taker, _ = net.dealers
    with pytest.raises(services.TargetError, match="holds less"):
        services.move_target(
            allocation,
            from_dealer=giver,
            to_dealer=taker,
            product_line_id=net.lines[0].id,
            months=[f"{YEAR}-01"],
            revenue_minor=10**12,
            units=0,
            reason="x",
            actor=net.supervisor_a,
        )


def test_the_dealers_allocation_counts_only_once_approved(net):
    set_target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    dealer = net.dealers[0]
    assert figures.dealer_allocation(dealer.id, f"{YEAR}-05") == {}
    services.submit_allocation(allocation, actor=net.supervisor_a)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    cells = services.cells_of(allocation)
    assert figures.dealer_allocation(dealer.id, f"{YEAR}-05") == {
        net.lines[0].id: cells[(dealer.id, net.lines[0].id, f"{YEAR}-05")]
    }


def test_the_region_pages_dealer_target_is_its_allocation_once_approved(net):
    """One attainment: a draft or submitted allocation is shown as allocated, but it is
    not yet the dealer's target (its home page and plan grid show none either)."""
    set_target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    dealer, year = net.dealers[0], figures.windows_of(f"{YEAR}-05")["year"]
    draft = figures.window(figures.dealer_grid([net.region_a.id], f"{YEAR}-05"), dealer.id, year)
    assert draft.allocated[0] > 0
    assert draft.target == figures.ZERO
    services.submit_allocation(allocation, actor=net.supervisor_a)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    approved = figures.window(figures.dealer_grid([net.region_a.id], f"{YEAR}-05"), dealer.id, year)
    assert approved.target == approved.allocated == draft.allocated


def test_the_forecast_suggestion_is_plans_times_recent_attainment(net):
    approved_allocation(net)
    dealer, store = net.dealers[0], net.stores[net.dealers[0].id][0]
    line = net.lines[0]
    for month in (3, 4, 5):
        period = f"{YEAR}-{month:02d}"
        make_plan(dealer, period, {(store, line): (10_000, 10)}, status=PlanStatus.APPROVED)
        make_report(store, period, {line: (8_000, 8)}, status=ReportStatus.SUBMITTED)
    make_plan(dealer, f"{YEAR}-06", {(store, line): (20_000, 20)}, status=PlanStatus.APPROVED)
    suggestion = services.suggest_forecast(net.region_a, f"{YEAR}-06")
    # 80 % of the plan of dealer 1; the other dealers' approved allocation at 80 % too
    allocated = figures.allocated(YEAR, region_ids=[net.region_a.id], approved_only=True)
    others = sum(
        a[0]
        for (d, pl, m), a in allocated.items()
        if m == f"{YEAR}-06" and pl == line.id and d != dealer.id
    )
    assert suggestion[(line.id, f"{YEAR}-06")][0] == (20_000 + others) * 8 // 10
    assert min(m for _, m in suggestion) == f"{YEAR}-06"
    assert max(m for _, m in suggestion) == f"{YEAR}-12"


def test_an_overridden_forecast_needs_a_comment_and_head_office_can_ask_again(net):
    approved_allocation(net)
    forecast = services.start_forecast(
        region=net.region_a, period=f"{YEAR}-06", actor=net.supervisor_a
    )
    line = forecast.lines[0]
    cells = {(line.product_line_id, line.period): (line.revenue_minor + 500, line.units)}
    services.save_forecast(forecast, cells=cells, comment="", actor=net.supervisor_a)
    with pytest.raises(services.TargetError, match="say why"):
        services.submit_forecast(forecast, actor=net.supervisor_a)
    services.save_forecast(forecast, cells=cells, comment="Big order", actor=net.supervisor_a)
    services.submit_forecast(forecast, actor=net.supervisor_a)
    with pytest.raises(services.TargetError):
        services.request_revision(forecast, actor=net.admin, comment="")
    services.request_revision(forecast, actor=net.admin, comment="Too optimistic")
    assert forecast.status == ForecastStatus.REVISION
    with pytest.raises(services.TargetExists):
        services.start_forecast(region=net.region_a, period=f"{YEAR}-06", actor=net.supervisor_a)
    db.session.rollback()


def test_accuracy_and_movement_compare_forecasts_with_what_happened(net):
    allocation = approved_allocation(net)
    assert allocation.status == AllocationStatus.APPROVED
    region = net.region_a
    # Forecasts made in January and February; the year's figure moves by the override.
    january = services.start_forecast(region=region, period=f"{YEAR}-01", actor=net.supervisor_a)
    services.submit_forecast(january, actor=net.supervisor_a)
    february = services.start_forecast(region=region, period=f"{YEAR}-02", actor=net.supervisor_a)
    line = next(line for line in february.lines if line.period == f"{YEAR}-12")
    cells = {(line.product_line_id, line.period): (line.revenue_minor + 7_000, line.units)}
    services.save_forecast(february, cells=cells, comment="Bigger December", actor=net.supervisor_a)
    services.submit_forecast(february, actor=net.supervisor_a)
    db.session.flush()
    grid = figures.region_grid([region.id], f"{YEAR}-02")
    movement = figures.forecast_movement(grid, [region.id], f"{YEAR}-02")
    # January now counts its actual (none reported) instead of January's forecast of it.
    january_itself = sum(
        line.revenue_minor for line in january.lines if line.period == f"{YEAR}-01"
    )
    assert movement == {region.id: 7_000 - january_itself}
    # Last quarter's accuracy, seen from April: January's forecast of Q1 against actuals.
    store = net.stores[net.dealers[0].id][0]
    predicted = sum(line.revenue_minor for line in january.lines if line.period <= f"{YEAR}-03")
    make_report(store, f"{YEAR}-02", {net.lines[0]: (predicted // 2, 1)},
                status=ReportStatus.SUBMITTED)  # fmt: skip
    accuracy = figures.forecast_accuracy([region.id], f"{YEAR}-04")[region.id]
    assert (accuracy.forecast, accuracy.actual) == (predicted, predicted // 2)
    assert accuracy.accuracy_bp == 0  # missed by twice the actual: no accuracy left
