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

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

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
FEW_REGIONS = 5  # up to this many, the regions' sums read their dealers' months by key


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
    """measure -> (group, period) -> amount, summed over product lines. A region grid also
    keeps the forecasts it read (`forecasts`: region -> month made in -> month -> amount),
    those in force at each of `in_force_at` and those made in each of `made_in`, and its
    plan and actual cells may hold months before the year (last quarter's, for accuracy)."""

    cells: dict[str, dict[tuple, Amount]] = field(
        default_factory=lambda: {name: defaultdict(lambda: ZERO) for name in MEASURES}
    )
    forecasts: dict[int, dict[str, dict[str, Amount]]] = field(default_factory=dict)
    in_force_at: tuple[str, ...] = ()
    made_in: tuple[str, ...] = ()

    def add(self, measure: str, group: int, period: str, amount: Amount) -> None:
        cell = self.cells[measure]
        cell[(group, period)] = plus(cell[(group, period)], amount)

    def total(self, measure: str, group: int | None, months: Iterable[str]) -> Amount:
        cell = self.cells[measure]
        if group is not None:
            result = ZERO
            for month in months:
                result = plus(result, cell.get((group, month), ZERO))
            return result
        times = Counter(months)  # every group: one pass over the cells
        revenue = units = 0
        for (_, period), amount in cell.items():
            count = times.get(period)
            if count:
                revenue += amount[0] * count
                units += amount[1] * count
        return revenue, units

    def monthly(self, measure: str, group: int | None, months: Sequence[str]) -> list[Amount]:
        """`total` of each month on its own (one pass over the cells)."""
        cell = self.cells[measure]
        if group is not None:
            return [cell.get((group, month), ZERO) for month in months]
        found = dict.fromkeys(months, ZERO)
        for (_, period), amount in cell.items():
            if period in found:
                found[period] = plus(found[period], amount)
        return [found[month] for month in months]

    def in_force(self, region: int, at: str) -> str | None:
        """The month the region's forecast in force at `at` was made in (`at` read)."""
        if at not in self.in_force_at:
            raise ValueError(f"forecasts in force at {at} were not read")
        first = periods.year_start(at)
        made = [month for month in self.forecasts.get(region, ()) if first <= month <= at]
        return max(made) if made else None


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


def last_quarter(period: str) -> tuple[str, str]:
    """The first and last month of the quarter before `period`'s."""
    return quarter_of(periods.shift(quarter_of(period)[0], -1))


def region_grid(region_ids: Sequence[int], period: str) -> Grid:
    """Target, allocation, approved plans, forecast and actuals per region and month of
    `period`'s year. The forecast of a month is its actual when the month is before the
    forecast in force, else the forecast's figure for it. Every sum is grouped in SQL, in
    three queries: a page over the whole network reads a few hundred rows. The grid also
    holds what `forecast_accuracy` and `forecast_movement` need for `period` (last
    quarter's actuals and forecast, the forecast in force a month before)."""
    grid = Grid()
    year = periods.split(period)[0]
    months = year_periods(year)
    for measure, region, month, amount in _targets_and_allocated(year, region_ids):
        grid.add(measure, region, month, amount)
    first = min(months[0], last_quarter(period)[0])
    for (region, month), (plan, actual) in region_plans_and_actuals(
        region_ids, first, months[-1]
    ).items():
        grid.add("plan", region, month, plan)
        grid.add("actual", region, month, actual)
    before = periods.shift(period, -1)
    in_force_at = (period, before) if before[:4] == period[:4] else (period,)
    _read_forecasts(grid, region_ids, in_force_at, (last_quarter(period)[0],))
    for region in region_ids:
        for month, amount in _landing(grid, region, period, year).items():
            grid.add("forecast", region, month, amount)
    return grid


def _targets_and_allocated(year: int, region_ids: Sequence[int]) -> list[tuple]:
    """(measure, region, period, amount): the regions' targets and allocations per month of
    the year, summed over product lines and dealers (one query)."""
    ids = list(region_ids)
    target = (
        select(
            literal("target"),
            RegionTarget.region_id,
            RegionTargetMonth.month,
            cast(null(), String),
            func.sum(RegionTargetMonth.revenue_minor),
            func.sum(RegionTargetMonth.units),
        )
        .join(RegionTargetMonth, RegionTargetMonth.target_id == RegionTarget.id)
        .where(RegionTarget.year == year, RegionTarget.region_id.in_(ids))
        .group_by(RegionTarget.region_id, RegionTargetMonth.month)
    )
    allocation = (
        select(
            literal("allocated"),
            TargetAllocation.region_id,
            cast(null(), Integer),
            AllocationLine.period,
            func.sum(AllocationLine.revenue_minor),
            func.sum(AllocationLine.units),
        )
        .join(TargetAllocation, TargetAllocation.id == AllocationLine.allocation_id)
        .where(TargetAllocation.year == year, TargetAllocation.region_id.in_(ids))
        .group_by(TargetAllocation.region_id, AllocationLine.period)
    )
    return [
        (
            measure,
            region,
            f"{year:04d}-{month:02d}" if month is not None else period,
            (int(revenue or 0), int(units or 0)),
        )
        for measure, region, month, period, revenue, units in db.session.execute(
            union_all(target, allocation)
        )
    ]


_OTHER_FORECAST = aliased(Forecast, name="other_forecast")  # built once: aliasing is costly


def _read_forecasts(
    grid: Grid, region_ids: Sequence[int], in_force_at: Sequence[str], made_in: Sequence[str]
) -> None:
    """Into `grid.forecasts`: the regions' forecasts in force at each month of `in_force_at`
    (as `latest_forecasts`) and those made in each month of `made_in` (as `forecast_of`),
    each as month -> amount summed over product lines; one query."""
    wanted: list[Any] = [Forecast.period.in_(list(made_in))] if made_in else []
    other = _OTHER_FORECAST
    for at in in_force_at:
        newest = (
            select(func.max(other.period))
            .where(
                other.region_id == Forecast.region_id,
                other.period >= periods.year_start(at),
                other.period <= at,
                other.status != ForecastStatus.DRAFT,
            )
            .scalar_subquery()
        )
        wanted.append(Forecast.period == newest)
    grid.in_force_at += tuple(in_force_at)
    grid.made_in += tuple(made_in)
    if not wanted or not region_ids:
        return
    month = ForecastLine.period.label("month")
    query = (
        select(
            Forecast.region_id,
            Forecast.period,
            month,
            func.sum(ForecastLine.revenue_minor),
            func.sum(ForecastLine.units),
        )
        .select_from(Forecast)
        .outerjoin(ForecastLine, ForecastLine.forecast_id == Forecast.id)
        .where(
            Forecast.region_id.in_(list(region_ids)),
            Forecast.status != ForecastStatus.DRAFT,
            or_(*wanted),
        )
        .group_by(Forecast.region_id, Forecast.period, ForecastLine.period)
    )
    for region, made, line_month, revenue, units in db.session.execute(query):
        months = grid.forecasts.setdefault(region, {}).setdefault(made, {})
        if line_month is not None:
            months[line_month] = (int(revenue or 0), int(units or 0))


def _landing(grid: Grid, region: int, at: str, year: int) -> dict[str, Amount]:
    """month -> where the region's year lands by the forecast in force at `at`: the actual
    before the month the forecast was made in, its figure from then on; {} without one."""
    made = grid.in_force(region, at)
    if made is None:
        return {}
    ahead = grid.forecasts[region][made]
    actual = grid.cells["actual"]
    return {
        month: actual.get((region, month), ZERO) if month < made else ahead.get(month, ZERO)
        for month in year_periods(year)
    }


def dealer_grid(region_ids: Sequence[int], period: str) -> Grid:
    """The same per dealer of the regions. "allocated" is what the allocation gives the
    dealer in whatever state it is; the dealer's target (and so its attainment) is its
    allocation once head office approved it, as on its home page and in its plan grid."""
    grid = Grid()
    year = periods.split(period)[0]
    for (dealer, month, approved), amount in _allocated_by(
        AllocationLine.dealer_id, year, region_ids
    ).items():
        grid.add("allocated", dealer, month, amount)
        if approved:
            grid.add("target", dealer, month, amount)
    _add_plans_and_actuals(grid, year_periods(year), region_dealers(region_ids), lambda d: d)
    return grid


def _allocated_by(group: Any, year: int, region_ids: Sequence[int]) -> dict[tuple, Amount]:
    """(group, period, approved) -> allocated target, summed over product lines (and
    dealers); `approved` says whether head office approved the allocation."""
    approved = TargetAllocation.status == AllocationStatus.APPROVED
    query = (
        select(
            group,
            AllocationLine.period,
            approved,
            func.sum(AllocationLine.revenue_minor),
            func.sum(AllocationLine.units),
        )
        .join(TargetAllocation, TargetAllocation.id == AllocationLine.allocation_id)
        .where(TargetAllocation.year == year, TargetAllocation.region_id.in_(list(region_ids)))
        .group_by(group, AllocationLine.period, approved)
    )
    return {
        (key, period, bool(is_approved)): (int(revenue or 0), int(units or 0))
        for key, period, is_approved, revenue, units in db.session.execute(query)
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
    if len(region_ids) <= FEW_REGIONS:
        # The same rows, found another way: a few regions' dealers read their months by the
        # rollup's key (dealer, period). Costing those reads as random ones, PostgreSQL
        # would read the months of every dealer and keep the regions' (a supervisor's home,
        # 2,000 dealers: 3 times slower); the dealers named again as a list of ids lead it
        # to the key. For many regions reading every dealer's months is the faster way.
        dealers = select(Dealer.id).where(Dealer.region_id.in_(list(region_ids)))
        query = query.where(t.dealer_id.in_(dealers.scalar_subquery()))
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


def forecast_movement(grid: Grid, region_ids: Sequence[int], period: str) -> dict[int, int]:
    """Per region: how far the year's forecast in force at `period` moved (revenue) from the
    one in force a month before (regions with a forecast at both). `grid` is the regions'
    grid at `period` (`region_grid`)."""
    before = periods.shift(period, -1)
    if before[:4] != period[:4]:
        return {}
    missing = [at for at in (period, before) if at not in grid.in_force_at]
    if missing:
        _read_forecasts(grid, region_ids, missing, ())
    year = periods.split(period)[0]
    months = year_periods(year)
    result = {}
    for region in region_ids:
        if grid.in_force(region, period) is None or grid.in_force(region, before) is None:
            continue
        then = sum(amount[0] for amount in _landing(grid, region, before, year).values())
        result[region] = grid.total("forecast", region, months)[0] - then
    return result


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


def forecast_accuracy(
    region_ids: Sequence[int], period: str, grid: Grid | None = None
) -> dict[int, Accuracy]:
    """Per region: the forecast made in the first month of the quarter before `period`'s
    for that quarter's months, against the actuals reported for them. `grid`, the regions'
    grid at `period` (`region_grid`), already holds both; without it, read them."""
    first, last = last_quarter(period)
    if grid is None or first not in grid.made_in:
        grid = Grid()
        _read_forecasts(grid, region_ids, (), (first,))
        found = [region for region in region_ids if first in grid.forecasts.get(region, {})]
        if not found:
            return {}
        for (region, month), (_plan, actual) in region_plans_and_actuals(
            found, first, last
        ).items():
            grid.add("actual", region, month, actual)
    quarter = periods.span(first, last)
    result = {}
    for region in region_ids:
        made = grid.forecasts.get(region, {}).get(first)
        if made is None:
            continue
        predicted = sum(amount[0] for month, amount in made.items() if first <= month <= last)
        actual = sum(grid.cells["actual"].get((region, month), ZERO)[0] for month in quarter)
        result[region] = Accuracy((first, last), predicted, actual)
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
    """Each region's year and last quarter's forecast accuracy: three queries."""
    if not region_ids:
        return []
    grid = region_grid(region_ids, period)
    year = windows_of(period)["year"]
    accuracy = forecast_accuracy(region_ids, period, grid)
    return [
        RegionYear(region, window(grid, region, year), accuracy.get(region))
        for region in region_ids
    ]
