"""Head office's targets against allocations, plans, forecasts and actuals.

One place computes them for every page (the admin's overview, the supervisor's dealers,
the plan grid, the home pages) and CSV. Amounts are (revenue in minor units, units) pairs.
A region's target is split into months and its dealers' allocations into their stores by
the same exact rounding (`split_by_weights`), so totals reconcile at every level: store →
dealer → region → network, per month, quarter and year. Actuals are every submitted or
reviewed report line (`Figures.reported_*`), plans the approved plans' lines
(`portal.metrics.figures`); attainment rounds as `figures.attainment_of` does everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from portal import periods
from portal.extensions import db
from portal.metrics.figures import DealerFilter, attainment_of, plan_vs_actual
from portal.models import (
    AllocationLine,
    AllocationStatus,
    Dealer,
    Forecast,
    ForecastLine,
    ForecastStatus,
    PlanActualTotal,
    RegionTarget,
    RegionTargetMonth,
    TargetAllocation,
)

Amount = tuple[int, int]  # (revenue in minor units, units)
ZERO: Amount = (0, 0)
# Retail's usual year: quiet after New Year, busy towards the holidays. Weights, not percents.
MONTHS = 12
DEFAULT_WEIGHTS = (7, 6, 8, 8, 8, 8, 8, 8, 8, 9, 10, 12)
MEASURES = ("target", "allocated", "plan", "forecast", "actual")


def plus(a: Amount, b: Amount) -> Amount:
    return a[0] + b[0], a[1] + b[1]


def split_by_weights(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared in proportion to `weights`, in whole numbers that add up exactly
    (largest remainders first, earlier first on ties); equal shares when no weight is
    above 0."""
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total * weight // whole for weight in weights]
    left = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return shares


def split_amount(amount: Amount, weights: Sequence[int]) -> list[Amount]:
    revenue = split_by_weights(amount[0], weights)
    units = split_by_weights(amount[1], weights)
    return list(zip(revenue, units, strict=True))


def year_periods(year: int) -> list[str]:
    return [f"{year:04d}-{month:02d}" for month in range(1, 13)]


def quarter_of(period: str) -> tuple[str, str]:
    """The first and last month of the period's quarter."""
    year, month = periods.split(period)
    first = (month - 1) // 3 * 3 + 1
    return f"{year:04d}-{first:02d}", f"{year:04d}-{first + 2:02d}"


# The rows behind every figure


def region_targets(year: int, region_ids: Iterable[int] | None = None) -> dict[tuple, Amount]:
    """(region_id, product_line_id, period) -> the region's target for that month."""
    query = (
        select(
            RegionTarget.region_id,
            RegionTarget.product_line_id,
            RegionTargetMonth.month,
            RegionTargetMonth.revenue_minor,
            RegionTargetMonth.units,
        )
        .join(RegionTargetMonth, RegionTargetMonth.target_id == RegionTarget.id)
        .where(RegionTarget.year == year)
    )
    if region_ids is not None:
        query = query.where(RegionTarget.region_id.in_(list(region_ids)))
    return {
        (region, line, f"{year:04d}-{month:02d}"): (int(revenue), int(units))
        for region, line, month, revenue, units in db.session.execute(query)
    }


def allocated(
    year: int,
    *,
    region_ids: Iterable[int] | None = None,
    dealer_ids: Iterable[int] | None = None,
    approved_only: bool = False,
) -> dict[tuple, Amount]:
    """(dealer_id, product_line_id, period) -> the dealer's allocated target; `approved_only`
    reads only allocations head office approved (what dealers are held to)."""
    query = (
        select(
            AllocationLine.dealer_id,
            AllocationLine.product_line_id,
            AllocationLine.period,
            AllocationLine.revenue_minor,
            AllocationLine.units,
        )
        .join(TargetAllocation, TargetAllocation.id == AllocationLine.allocation_id)
        .where(TargetAllocation.year == year)
    )
    if region_ids is not None:
        query = query.where(TargetAllocation.region_id.in_(list(region_ids)))
    if dealer_ids is not None:
        query = query.where(AllocationLine.dealer_id.in_(list(dealer_ids)))
    if approved_only:
        query = query.where(TargetAllocation.status == AllocationStatus.APPROVED)
    return {
        (dealer, line, period): (int(revenue), int(units))
        for dealer, line, period, revenue, units in db.session.execute(query)
    }


def dealer_allocation(dealer_id: int, period: str) -> dict[int, Amount]:
    """product_line_id -> the dealer's approved allocated target for one month."""
    year = periods.split(period)[0]
    rows = allocated(year, dealer_ids=[dealer_id], approved_only=True)
    return {line: amount for (_, line, month), amount in rows.items() if month == period}


def month_allocations(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Amount]:
    """(dealer_id, period) -> the dealer's approved allocated target for the month, summed
    over product lines (one query for a page of plans)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    query = (
        select(
            AllocationLine.dealer_id,
            AllocationLine.period,
            func.sum(AllocationLine.revenue_minor),
            func.sum(AllocationLine.units),
        )
        .join(TargetAllocation, TargetAllocation.id == AllocationLine.allocation_id)
        .where(
            TargetAllocation.status == AllocationStatus.APPROVED,
            AllocationLine.dealer_id.in_({dealer for dealer, _ in wanted}),
            AllocationLine.period.in_({period for _, period in wanted}),
        )
        .group_by(AllocationLine.dealer_id, AllocationLine.period)
    )
    return {
        (dealer, period): (int(revenue or 0), int(units or 0))
        for dealer, period, revenue, units in db.session.execute(query)
        if (dealer, period) in wanted
    }


def below_allocation(dealer_id: int, period: str, planned: Mapping[int, int]) -> list[int]:
    """The product lines whose planned revenue (`planned`: line -> revenue) is below the
    dealer's approved allocated target for the month."""
    allocation = dealer_allocation(dealer_id, period)
    return sorted(line for line, amount in allocation.items() if planned.get(line, 0) < amount[0])


def plans_and_actuals(
    first: str, last: str, dealers: DealerFilter
) -> tuple[dict[tuple, Amount], dict[tuple, Amount]]:
    """(dealer_id, product_line_id, period) -> approved plans, and -> reported actuals
    (every submitted or reviewed report line, with a target or without)."""
    rows = plan_vs_actual(
        ("dealer_id", "product_line_id", "period"), first=first, last=last, dealers=dealers
    )
    plans = {key: (f.target_revenue, f.target_units) for key, f in rows.items() if f.has_target}
    actuals = {
        key: (f.reported_revenue, f.reported_units) for key, f in rows.items() if f.has_reported
    }
    return plans, actuals


def region_dealers(region_ids: Iterable[int]):
    return select(Dealer.id).where(Dealer.region_id.in_(list(region_ids)))


def latest_forecasts(region_ids: Iterable[int], period: str) -> dict[int, Forecast]:
    """Each region's forecast in force at `period`: the last one submitted in its year up to
    that month (a forecast sent back for revision still counts until it is resubmitted)."""
    year_first = periods.year_start(period)
    newest = (
        select(Forecast.region_id, func.max(Forecast.period).label("period"))
        .where(
            Forecast.region_id.in_(list(region_ids)),
            Forecast.period >= year_first,
            Forecast.period <= period,
            Forecast.status != ForecastStatus.DRAFT,
        )
        .group_by(Forecast.region_id)
        .subquery()
    )
    query = select(Forecast).join(
        newest, (newest.c.region_id == Forecast.region_id) & (newest.c.period == Forecast.period)
    )
    return {forecast.region_id: forecast for forecast in db.session.scalars(query)}


def forecast_of(region_ids: Iterable[int], made_in: str) -> dict[int, Forecast]:
    """The forecasts made in one month (any status but draft), by region."""
    query = select(Forecast).where(
        Forecast.region_id.in_(list(region_ids)),
        Forecast.period == made_in,
        Forecast.status != ForecastStatus.DRAFT,
    )
    return {forecast.region_id: forecast for forecast in db.session.scalars(query)}


def forecast_lines(forecast_ids: Iterable[int]) -> dict[int, dict[tuple, Amount]]:
    """forecast_id -> (product_line_id, period) -> amount."""
    ids = list(forecast_ids)
    result: dict[int, dict[tuple, Amount]] = defaultdict(dict)
    if not ids:
        return result
    query = select(
        ForecastLine.forecast_id,
        ForecastLine.product_line_id,
        ForecastLine.period,
        ForecastLine.revenue_minor,
        ForecastLine.units,
    ).where(ForecastLine.forecast_id.in_(ids))
    for forecast_id, line, period, revenue, units in db.session.execute(query):
        result[forecast_id][(line, period)] = (int(revenue), int(units))
    return result


# Store level: a dealer's allocation shared among its stores


def store_targets(
    dealer_amounts: Mapping[int, Amount], stores_by_dealer: Mapping[int, Sequence[int]]
) -> dict[int, Amount]:
    """store_id -> its share of its dealer's allocated target (equal shares, exact sums).
    A dealer without stores keeps its target at dealer level (not in the result)."""
    result: dict[int, Amount] = {}
    for dealer_id, amount in dealer_amounts.items():
        stores = sorted(stores_by_dealer.get(dealer_id, ()))
        for store_id, share in zip(stores, split_amount(amount, [1] * len(stores)), strict=True):
            result[store_id] = share
    return result


# The overview: each measure per group (a region or a dealer) and month, then windows


@dataclass
class Grid:
    """measure -> (group, period) -> amount, summed over product lines."""

    cells: dict[str, dict[tuple, Amount]] = field(
        default_factory=lambda: {name: defaultdict(lambda: ZERO) for name in MEASURES}
    )

    def add(self, measure: str, group: int, period: str, amount: Amount) -> None:
        cell = self.cells[measure]
        cell[(group, period)] = plus(cell[(group, period)], amount)

    def total(self, measure: str, group: int | None, months: Iterable[str]) -> Amount:
        cell = self.cells[measure]
        result = ZERO
        for month in months:
            if group is None:
                for (_, period), amount in cell.items():
                    if period == month:
                        result = plus(result, amount)
            else:
                result = plus(result, cell.get((group, month), ZERO))
        return result


@dataclass(frozen=True)
class Window:
    """One group's figures over some months (revenue, units pairs)."""

    target: Amount
    allocated: Amount
    plan: Amount
    forecast: Amount
    actual: Amount

    @property
    def gap(self) -> int:
        """Where the forecast lands against the target (revenue): negative when short."""
        return self.forecast[0] - self.target[0]

    @property
    def allocation_difference(self) -> int:
        return self.allocated[0] - self.target[0]

    @property
    def attainment_bp(self) -> int | None:
        return attainment_of(self.actual[0], self.target[0])


def window(grid: Grid, group: int | None, months: Sequence[str]) -> Window:
    return Window(*(grid.total(measure, group, months) for measure in MEASURES))


def windows_of(period: str) -> dict[str, list[str]]:
    """The month, its quarter and its year, as lists of periods."""
    q_first, q_last = quarter_of(period)
    year = periods.split(period)[0]
    return {
        "month": [period],
        "quarter": periods.span(q_first, q_last),
        "year": year_periods(year),
    }


def region_grid(region_ids: Sequence[int], period: str) -> Grid:
    """Target, allocation, approved plans, forecast and actuals per region and month of
    `period`'s year. The forecast of a month is its actual when the month is before the
    forecast in force, else the forecast's figure for it. Every sum is grouped in SQL: a
    page over the whole network reads a few hundred rows."""
    grid = Grid()
    year = periods.split(period)[0]
    months = year_periods(year)
    for (region, _, month), amount in region_targets(year, region_ids).items():
        grid.add("target", region, month, amount)
    for (region, month), amount in _allocated_by(
        TargetAllocation.region_id, year, region_ids
    ).items():
        grid.add("allocated", region, month, amount)
    for (region, month), (plan, actual) in region_plans_and_actuals(
        region_ids, months[0], months[-1]
    ).items():
        grid.add("plan", region, month, plan)
        grid.add("actual", region, month, actual)
    _add_forecasts(grid, region_ids, period)
    return grid


def dealer_grid(region_ids: Sequence[int], period: str) -> Grid:
    """The same per dealer of the regions: the dealer's allocation is its target."""
    grid = Grid()
    year = periods.split(period)[0]
    for (dealer, month), amount in _allocated_by(
        AllocationLine.dealer_id, year, region_ids
    ).items():
        grid.add("allocated", dealer, month, amount)
        grid.add("target", dealer, month, amount)
    _add_plans_and_actuals(grid, year_periods(year), region_dealers(region_ids), lambda d: d)
    return grid


def _allocated_by(group: Any, year: int, region_ids: Sequence[int]) -> dict[tuple, Amount]:
    """(group, period) -> allocated target, summed over product lines (and dealers)."""
    query = (
        select(
            group,
            AllocationLine.period,
            func.sum(AllocationLine.revenue_minor),
            func.sum(AllocationLine.units),
        )
        .join(TargetAllocation, TargetAllocation.id == AllocationLine.allocation_id)
        .where(TargetAllocation.year == year, TargetAllocation.region_id.in_(list(region_ids)))
        .group_by(group, AllocationLine.period)
    )
    return {
        (key, period): (int(revenue or 0), int(units or 0))
        for key, period, revenue, units in db.session.execute(query)
    }


def region_plans_and_actuals(
    region_ids: Sequence[int], first: str, last: str
) -> dict[tuple[int, str], tuple[Amount, Amount]]:
    """(region, period) -> (approved plans, reported actuals), summed from the per-dealer
    rollup (`plan_actual_totals`: the same sums as `plan_vs_actual`; reported actuals are
    the matched ones plus those without a target, as `Figures.reported_*`)."""
    t = PlanActualTotal
    query = (
        select(
            Dealer.region_id,
            t.period,
            func.sum(t.t_revenue),
            func.sum(t.t_units),
            func.sum(t.a_revenue + t.u_revenue),
            func.sum(t.a_units + t.u_units),
        )
        .join(Dealer, Dealer.id == t.dealer_id)
        .where(Dealer.region_id.in_(list(region_ids)), t.period >= first, t.period <= last)
        .group_by(Dealer.region_id, t.period)
    )
    return {
        (region, period): ((int(pr or 0), int(pu or 0)), (int(ar or 0), int(au or 0)))
        for region, period, pr, pu, ar, au in db.session.execute(query)
    }


def _add_plans_and_actuals(grid: Grid, months: list[str], dealers, group_of) -> None:
    # Per dealer and month only: read from the plan-actual rollup, not the lines.
    rows = plan_vs_actual(
        ("dealer_id", "period"), first=months[0], last=months[-1], dealers=dealers
    )
    for (dealer, month), found in rows.items():
        if found.has_target:
            grid.add("plan", group_of(dealer), month, (found.target_revenue, found.target_units))
        if found.has_reported:
            actual = (found.reported_revenue, found.reported_units)
            grid.add("actual", group_of(dealer), month, actual)


def _add_forecasts(grid: Grid, region_ids: Sequence[int], period: str) -> None:
    forecasts = latest_forecasts(region_ids, period)
    lines = forecast_lines(forecast.id for forecast in forecasts.values())
    year = periods.split(period)[0]
    for region in region_ids:
        forecast = forecasts.get(region)
        if forecast is None:
            continue
        ahead: dict[str, Amount] = defaultdict(lambda: ZERO)
        for (_, month), amount in lines[forecast.id].items():
            ahead[month] = plus(ahead[month], amount)
        for month in year_periods(year):
            if month < forecast.period:
                amount = grid.cells["actual"].get((region, month), ZERO)
            else:
                amount = ahead.get(month, ZERO)
            grid.add("forecast", region, month, amount)


def forecast_movement(grid: Grid, region_ids: Sequence[int], period: str) -> dict[int, int]:
    """Per region: how far the year's forecast in force at `period` moved (revenue) from the
    one in force a month before (regions with a forecast at both)."""
    before = periods.shift(period, -1)
    if before[:4] != period[:4]:
        return {}
    earlier = Grid()
    earlier.cells["actual"] = grid.cells["actual"]
    _add_forecasts(earlier, region_ids, before)
    now_in_force = latest_forecasts(region_ids, period)
    then_in_force = latest_forecasts(region_ids, before)
    year = year_periods(periods.split(period)[0])
    return {
        region: window(grid, region, year).forecast[0] - window(earlier, region, year).forecast[0]
        for region in region_ids
        if region in now_in_force and region in then_in_force
    }


@dataclass(frozen=True)
class Accuracy:
    """Last quarter's forecast (made in its first month) against what happened (revenue)."""

    quarter: tuple[str, str]
    forecast: int
    actual: int

    @property
    def accuracy_bp(self) -> int | None:
        """100 % less the miss as a share of the actual; None without actuals."""
        if self.actual <= 0:
            return None
        miss = abs(self.forecast - self.actual)
        return max(0, 10000 - (miss * 10000 + self.actual // 2) // self.actual)


def forecast_accuracy(region_ids: Sequence[int], period: str) -> dict[int, Accuracy]:
    """Per region: the forecast made in the first month of the quarter before `period`'s
    for that quarter's months, against the actuals reported for them."""
    first, last = quarter_of(periods.shift(quarter_of(period)[0], -1))
    forecasts = forecast_of(region_ids, first)
    if not forecasts:
        return {}
    lines = forecast_lines(forecast.id for forecast in forecasts.values())
    actual_of: dict[int, int] = defaultdict(int)
    for (region, _month), (_plan, actual) in region_plans_and_actuals(
        list(forecasts), first, last
    ).items():
        actual_of[region] += actual[0]
    result = {}
    for region, forecast in forecasts.items():
        predicted = sum(
            amount[0] for (_, month), amount in lines[forecast.id].items() if first <= month <= last
        )
        result[region] = Accuracy((first, last), predicted, actual_of[region])
    return result


# Home pages


@dataclass(frozen=True)
class DealerTarget:
    """A dealer's approved allocation against its actuals: this month and the year to date."""

    month: Window
    year_to_date: Window

    @property
    def has_allocation(self) -> bool:
        return self.year_to_date.allocated != ZERO or self.month.allocated != ZERO


def dealer_target(dealer_id: int, period: str) -> DealerTarget:
    """The dealer's home card: its approved allocation (its target) against plans and actuals."""
    year = periods.split(period)[0]
    grid = Grid()
    for (_, _, month), amount in allocated(
        year, dealer_ids=[dealer_id], approved_only=True
    ).items():
        grid.add("allocated", dealer_id, month, amount)
        grid.add("target", dealer_id, month, amount)
    _add_plans_and_actuals(grid, year_periods(year), [dealer_id], lambda d: d)
    to_date = periods.span(periods.year_start(period), period)
    return DealerTarget(window(grid, dealer_id, [period]), window(grid, dealer_id, to_date))


@dataclass(frozen=True)
class RegionYear:
    """A region's year on a supervisor's home page, and last quarter's forecast accuracy."""

    region_id: int
    year: Window
    accuracy: Accuracy | None


def region_cards(region_ids: Sequence[int], period: str) -> list[RegionYear]:
    if not region_ids:
        return []
    grid = region_grid(region_ids, period)
    year = windows_of(period)["year"]
    accuracy = forecast_accuracy(region_ids, period)
    return [
        RegionYear(region, window(grid, region, year), accuracy.get(region))
        for region in region_ids
    ]
