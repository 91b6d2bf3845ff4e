"""Plan against actual figures: which lines count, and their sums, variance and attainment.

Targets come from approved sales plans; actuals from submitted and reviewed store
reports. Attainment compares like with like: a report line's actual counts (is
"matched") only when the dealer's approved plan for that period has a line for the same
store and product line. The other report lines are "actual without target"
(`unmatched_*`): shown apart, never in the variance or the attainment. Every figure is
summed in SQL over integer minor units, so pages, exports, dashboards and PDFs that read
them (through `portal.metrics.plans`) show the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.metrics.prepared import IDS, among
from portal.models import (
    PlanActualTotal,
    PlanStatus,
    ReportStatus,
    SalesPlan,
    SalesPlanLine,
    StoreReport,
    StoreReportLine,
)

TARGET_STATUSES = (PlanStatus.APPROVED,)
ACTUAL_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.REVIEWED)
DIMENSIONS = ("dealer_id", "store_id", "product_line_id", "period")
# The sums behind every figure (and the rollup's columns): targets, matched actuals, and
# actuals without a target ("u" for unmatched), each as revenue, units and a line count.
SUMS = (
    "t_revenue",
    "a_revenue",
    "t_units",
    "a_units",
    "t_lines",
    "a_lines",
    "u_revenue",
    "u_units",
    "u_lines",
)

DealerFilter = Iterable[int] | Select[Any] | None


@dataclass(frozen=True)
class Figures:
    """Plan against actual for one group of lines (amounts in minor units).

    `actual_*` are the matched actuals (lines with an approved target for their period,
    store and product line): the variance and the attainment compare only those with the
    target. `unmatched_*` are the actuals without a target, reported apart.
    """

    target_revenue: int = 0
    actual_revenue: int = 0
    target_units: int = 0
    actual_units: int = 0
    target_lines: int = 0
    actual_lines: int = 0
    variance_revenue: int = 0  # actual - target: negative when short of the target
    variance_units: int = 0
    attainment_bp: int | None = None  # actual / target revenue in basis points (1/100 %)
    units_attainment_bp: int | None = None
    unmatched_revenue: int = 0
    unmatched_units: int = 0
    unmatched_lines: int = 0

    @property
    def has_target(self) -> bool:
        return self.target_lines > 0

    @property
    def has_actual(self) -> bool:
        return self.actual_lines > 0

    @property
    def has_unmatched(self) -> bool:
        return self.unmatched_lines > 0

    @property
    def has_reported(self) -> bool:
        """Any actual reported at all, with a target or without."""
        return self.actual_lines + self.unmatched_lines > 0

    @property
    def reported_revenue(self) -> int:
        """Every reported actual: matched plus without a target."""
        return self.actual_revenue + self.unmatched_revenue

    @property
    def reported_units(self) -> int:
        return self.actual_units + self.unmatched_units

    @property
    def attainment_percent(self) -> float | None:
        """For display only: the exact value is `attainment_bp`."""
        return None if self.attainment_bp is None else self.attainment_bp / 100


EMPTY = Figures()


def _restrict(
    query: Select[Any],
    dealer_column: ColumnElement[int],
    period_column: ColumnElement[str],
    *,
    dealers: DealerFilter,
    first: str,
    last: str,
) -> Select[Any]:
    query = query.where(period_column >= first, period_column <= last)
    if dealers is None:
        return query
    if isinstance(dealers, Select):
        return query.where(dealer_column.in_(dealers.scalar_subquery()))
    return query.where(dealer_column.in_(list(dealers)))


def line_selects(*, detail: bool = True) -> tuple[Select[Any], Select[Any]]:
    """The plan lines that set targets and the report lines that count as actuals, as two
    selects with the same columns, for the caller to filter and UNION ALL: dealer_id,
    (store_id, product_line_id when `detail`,) period, then the `SUMS` columns.

    This is the one definition of matched and unmatched actuals: a submitted or reviewed
    report line is matched when the approved plan of its dealer and period has a line for
    its store and product line (at most one: both are unique), else it is unmatched.
    `portal.metrics.rollup` sums the same relation."""
    zero = literal(0, BigInteger)
    one = literal(1, BigInteger)
    plan_keys = [SalesPlan.dealer_id.label("dealer_id")]
    report_keys: list[Any] = [StoreReport.dealer_id]
    if detail:
        plan_keys += [
            SalesPlanLine.store_id.label("store_id"),
            SalesPlanLine.product_line_id.label("product_line_id"),
        ]
        report_keys += [StoreReport.store_id, StoreReportLine.product_line_id]
    targets = (
        select(
            *plan_keys,
            SalesPlan.period.label("period"),
            SalesPlanLine.revenue_minor.label("t_revenue"),
            zero.label("a_revenue"),
            SalesPlanLine.units.label("t_units"),
            zero.label("a_units"),
            one.label("t_lines"),
            zero.label("a_lines"),
            zero.label("u_revenue"),
            zero.label("u_units"),
            zero.label("u_lines"),
        )
        .join(SalesPlan, SalesPlan.id == SalesPlanLine.plan_id)
        .where(SalesPlan.status.in_(TARGET_STATUSES))
    )
    target_plan = aliased(SalesPlan, name="target_plan")
    target_line = aliased(SalesPlanLine, name="target_line")
    matched = target_line.id.is_not(None)

    def split(column: Any, *, when_matched: bool) -> ColumnElement[Any]:
        found, other = (column, zero) if when_matched else (zero, column)
        return case((matched, found), else_=other)

    actuals = (
        select(
            *report_keys,
            StoreReport.period,
            zero,
            split(StoreReportLine.revenue_minor, when_matched=True),
            zero,
            split(StoreReportLine.units, when_matched=True),
            zero,
            split(one, when_matched=True),
            split(StoreReportLine.revenue_minor, when_matched=False),
            split(StoreReportLine.units, when_matched=False),
            split(one, when_matched=False),
        )
        .select_from(StoreReportLine)
        .join(StoreReport, StoreReport.id == StoreReportLine.report_id)
        .outerjoin(
            target_plan,
            and_(
                target_plan.dealer_id == StoreReport.dealer_id,
                target_plan.period == StoreReport.period,
                target_plan.status.in_(TARGET_STATUSES),
            ),
        )
        .outerjoin(
            target_line,
            and_(
                target_line.plan_id == target_plan.id,
                target_line.store_id == StoreReport.store_id,
                target_line.product_line_id == StoreReportLine.product_line_id,
            ),
        )
        .where(StoreReport.status.in_(ACTUAL_STATUSES))
    )
    return targets, actuals


def _lines(
    *,
    dealers: DealerFilter,
    first: str,
    last: str,
    store_id: int | None,
    product_line_id: int | None,
):
    """Plan and report lines as one relation: (keys…, target and actual columns)."""
    targets, actuals = line_selects()
    targets = _restrict(
        targets, SalesPlan.dealer_id, SalesPlan.period, dealers=dealers, first=first, last=last
    )
    actuals = _restrict(
        actuals, StoreReport.dealer_id, StoreReport.period, dealers=dealers, first=first, last=last
    )
    if store_id is not None:
        targets = targets.where(SalesPlanLine.store_id == store_id)
        actuals = actuals.where(StoreReport.store_id == store_id)
    if product_line_id is not None:
        targets = targets.where(SalesPlanLine.product_line_id == product_line_id)
        actuals = actuals.where(StoreReportLine.product_line_id == product_line_id)
    return union_all(targets, actuals).subquery("plan_actual_lines")


def plan_vs_actual(
    group_by: Sequence[str],
    *,
    first: str,
    last: str,
    dealers: DealerFilter = None,
    store_id: int | None = None,
    product_line_id: int | None = None,
    from_lines: bool = False,
) -> dict[tuple[Any, ...], Figures]:
    """Figures per group (keys in `group_by` order) for the periods first..last.

    Grouped by dealer and/or period only, without a store or product line filter, the sums
    come from the per-dealer-per-period rollup (as in `total`); `from_lines=True` forces
    the plan and report lines themselves (the rollup's own tests compare the two).
    """
    unknown = set(group_by) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"cannot group by {sorted(unknown)}")
    unfiltered = store_id is None and product_line_id is None
    params: dict[str, Any] = {}
    if unfiltered and set(group_by) <= {"dealer_id", "period"} and not from_lines:
        if dealers is None or not isinstance(dealers, Select):
            # The pages' common case, built once per shape: the periods and ids bound.
            query = _rollup_sums(tuple(group_by), by_ids=dealers is not None)
            params = {"first": first, "last": last}
            if dealers is not None:
                params[IDS] = list(dealers)
        else:
            query = _sums(
                _restrict(
                    select(PlanActualTotal),
                    PlanActualTotal.dealer_id,
                    PlanActualTotal.period,
                    dealers=dealers,
                    first=first,
                    last=last,
                ).subquery("plan_actual_totals"),
                group_by,
            )
    else:
        lines = _lines(
            dealers=dealers,
            first=first,
            last=last,
            store_id=store_id,
            product_line_id=product_line_id,
        )
        query = _sums(lines, group_by)
    result: dict[tuple[Any, ...], Figures] = {}
    for row in db.session.execute(query, params).mappings():
        found = _figures(*(int(row[name] or 0) for name in SUMS))
        if found is not EMPTY:  # an empty total over no lines at all is left out
            result[tuple(row[name] for name in group_by)] = found
    return result


def _sums(lines, group_by: Sequence[str]) -> Select[Any]:
    """The `SUMS` of a relation of lines, per group of `group_by` columns."""
    keys = [lines.c[name] for name in group_by]
    sums = {name: cast(func.sum(lines.c[name]), BigInteger) for name in SUMS}
    query = select(*keys, *(column.label(name) for name, column in sums.items()))
    return query.group_by(*keys) if keys else query


@lru_cache(maxsize=16)
def _rollup_sums(group_by: tuple[str, ...], *, by_ids: bool) -> Select[Any]:
    """The `SUMS` of the rollup's rows from period `first` to `last` (bound), per group, of
    every dealer or (`by_ids`) of the dealers bound as `IDS`."""
    totals = PlanActualTotal
    query = select(totals).where(
        totals.period >= bindparam("first"), totals.period <= bindparam("last")
    )
    if by_ids:
        query = query.where(among(totals.dealer_id))
    return _sums(query.subquery("plan_actual_totals"), group_by)


def dealer_windows(
    dealer_ids: Sequence[int], windows: Sequence[tuple[str, str]]
) -> list[dict[int, Figures]]:
    """Per window (first, last period), the figures of each dealer with any line in it, as
    `plan_vs_actual(("dealer_id",), ...)` gives them: one query over the rollup for all the
    windows (a month, the year to date and a scorecard window overlap)."""
    params: dict[str, Any] = {
        IDS: list(dealer_ids),
        "first": min(first for first, _last in windows),
        "last": max(last for _first, last in windows),
    }
    for index, (first, last) in enumerate(windows):
        params[f"first_{index}"], params[f"last_{index}"] = first, last
    found: list[dict[int, Figures]] = [{} for _ in windows]
    for dealer_id, *sums in db.session.execute(_dealer_windows(len(windows)), params):
        for index, result in enumerate(found):
            start = index * len(SUMS)
            figures = _figures(*(int(value or 0) for value in sums[start : start + len(SUMS)]))
            if figures is not EMPTY:
                result[dealer_id] = figures
    return found


@lru_cache(maxsize=8)
def _dealer_windows(count: int) -> Select[Any]:
    """Per dealer, the `SUMS` of each of `count` windows in turn (`first_0`, `last_0`...)."""
    totals, columns = PlanActualTotal, []
    for index in range(count):
        inside = and_(
            totals.period >= bindparam(f"first_{index}"),
            totals.period <= bindparam(f"last_{index}"),
        )
        for name in SUMS:
            summed = func.sum(case((inside, getattr(totals, name)), else_=0))
            columns.append(cast(summed, BigInteger))
    return (
        select(totals.dealer_id, *columns)
        .where(
            among(totals.dealer_id),
            totals.period >= bindparam("first"),
            totals.period <= bindparam("last"),
        )
        .group_by(totals.dealer_id)
    )


def total(
    *,
    first: str,
    last: str,
    dealers: DealerFilter = None,
    store_id: int | None = None,
    product_line_id: int | None = None,
) -> Figures:
    """One set of figures over everything the filters select.

    Without a store or product line filter the sums come from the per-dealer-per-period
    rollup (`plan_actual_totals`, kept exact by portal.metrics.rollup): a network's year
    to date is then a few thousand rows, not a million lines. Otherwise from the lines.
    """
    return plan_vs_actual(
        (),
        first=first,
        last=last,
        dealers=dealers,
        store_id=store_id,
        product_line_id=product_line_id,
    ).get((), EMPTY)


def _figures(
    t_revenue: int,
    a_revenue: int,
    t_units: int,
    a_units: int,
    t_lines: int,
    a_lines: int,
    u_revenue: int = 0,
    u_units: int = 0,
    u_lines: int = 0,
) -> Figures:
    """Figures from the `SUMS` (in that order); EMPTY when no line at all was summed."""
    if not t_lines and not a_lines and not u_lines:
        return EMPTY
    return Figures(
        target_revenue=t_revenue,
        actual_revenue=a_revenue,
        target_units=t_units,
        actual_units=a_units,
        target_lines=t_lines,
        actual_lines=a_lines,
        variance_revenue=a_revenue - t_revenue,
        variance_units=a_units - t_units,
        attainment_bp=_attainment_of(a_revenue, t_revenue),
        units_attainment_bp=_attainment_of(a_units, t_units),
        unmatched_revenue=u_revenue,
        unmatched_units=u_units,
        unmatched_lines=u_lines,
    )


def from_sums(*values: int) -> Figures:
    """Figures from the `SUMS` in that order (kept elsewhere, e.g. in `dealer_figures`)."""
    return _figures(*values)


def add(a: Figures, b: Figures) -> Figures:
    """The figures of two disjoint groups together (e.g. a region's dealers)."""
    return _figures(
        a.target_revenue + b.target_revenue,
        a.actual_revenue + b.actual_revenue,
        a.target_units + b.target_units,
        a.actual_units + b.actual_units,
        a.target_lines + b.target_lines,
        a.actual_lines + b.actual_lines,
        a.unmatched_revenue + b.unmatched_revenue,
        a.unmatched_units + b.unmatched_units,
        a.unmatched_lines + b.unmatched_lines,
    )


def attainment_of(actual: int, target: int) -> int | None:
    """Actual against target in basis points: the one rounding every attainment uses."""
    return _attainment_of(actual, target)


def _attainment_of(actual: int, target: int) -> int | None:
    """Basis points, rounded half up in integers (truncated toward zero when negative)."""
    if target <= 0:
        return None
    numerator, denominator = actual * 20000 + target, target * 2
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient
