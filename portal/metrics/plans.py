"""Plan against actual: targets, actuals, variance and attainment, plus timeliness.

The figures themselves (which lines count: matched actuals against approved targets,
actuals without a target apart) are defined once in `portal.metrics.figures`; this module
adds a dealer's months and year to date, and the lines behind a figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import periods
from portal.extensions import db
from portal.metrics.figures import (
    ACTUAL_STATUSES,
    DIMENSIONS,
    EMPTY,
    SUMS,
    TARGET_STATUSES,
    DealerFilter,
    Figures,
    add,
    dealer_windows,
    line_selects,
    plan_vs_actual,
    total,
)
from portal.metrics.timeliness import (  # one import for pages that show both
    LATE,
    MISSING,
    NOT_DUE,
    ON_TIME,
    OPEN,
    DealerDue,
    PlanState,
    ReportCounts,
    SupervisorDue,
    dealer_due_now,
    expected_stores,
    plan_due,
    plan_states,
    report_counts,
    report_due,
    report_states,
    supervisor_due_now,
    timeliness,
)
from portal.models import (
    SalesPlan,
    SalesPlanLine,
    StoreReport,
    StoreReportLine,
)

__all__ = [
    "ACTUAL_STATUSES",
    "DIMENSIONS",
    "EMPTY",
    "LATE",
    "MISSING",
    "NOT_DUE",
    "ON_TIME",
    "OPEN",
    "SUMS",
    "TARGET_STATUSES",
    "DealerDue",
    "DealerFilter",
    "DealerOverview",
    "Figures",
    "PlanState",
    "ReportCounts",
    "SupervisorDue",
    "add",
    "counts_toward_target",
    "dealer_due_now",
    "dealer_overview",
    "dealer_windows",
    "expected_stores",
    "last_actual_period",
    "last_actuals",
    "line_selects",
    "monthly",
    "plan_due",
    "plan_states",
    "plan_vs_actual",
    "report_counts",
    "report_due",
    "report_states",
    "source_plan_lines",
    "source_report_lines",
    "supervisor_due_now",
    "timeliness",
    "total",
    "year_to_date",
]


def monthly(dealer_id: int, first: str, last: str) -> list[tuple[str, Figures]]:
    """A dealer's figures for each period first..last (empty periods included)."""
    rows = plan_vs_actual(("period",), first=first, last=last, dealers=[dealer_id])
    return [(period, rows.get((period,), EMPTY)) for period in periods.span(first, last)]


def year_to_date(period: str) -> tuple[str, str]:
    return periods.year_start(period), period


# Where the figures come from


def source_plan_lines(
    dealer_id: int,
    first: str,
    last: str,
    *,
    store_id: int | None = None,
    product_line_id: int | None = None,
) -> list[SalesPlanLine]:
    """The approved plan lines summed into a target."""
    query = (
        select(SalesPlanLine)
        .join(SalesPlanLine.plan)
        .where(
            SalesPlan.dealer_id == dealer_id,
            SalesPlan.status.in_(TARGET_STATUSES),
            SalesPlan.period >= first,
            SalesPlan.period <= last,
        )
        .options(
            joinedload(SalesPlanLine.plan),
            joinedload(SalesPlanLine.store),
            joinedload(SalesPlanLine.product_line),
        )
        .order_by(SalesPlan.period, SalesPlanLine.store_id, SalesPlanLine.product_line_id)
    )
    if store_id is not None:
        query = query.where(SalesPlanLine.store_id == store_id)
    if product_line_id is not None:
        query = query.where(SalesPlanLine.product_line_id == product_line_id)
    return list(db.session.scalars(query))


def source_report_lines(
    dealer_id: int,
    first: str,
    last: str,
    *,
    store_id: int | None = None,
    product_line_id: int | None = None,
) -> list[StoreReportLine]:
    """The submitted and reviewed report lines summed into an actual."""
    query = (
        select(StoreReportLine)
        .join(StoreReportLine.report)
        .where(
            StoreReport.dealer_id == dealer_id,
            StoreReport.status.in_(ACTUAL_STATUSES),
            StoreReport.period >= first,
            StoreReport.period <= last,
        )
        .options(
            joinedload(StoreReportLine.report).joinedload(StoreReport.store),
            joinedload(StoreReportLine.product_line),
        )
        .order_by(StoreReport.period, StoreReport.store_id, StoreReportLine.product_line_id)
    )
    if store_id is not None:
        query = query.where(StoreReport.store_id == store_id)
    if product_line_id is not None:
        query = query.where(StoreReportLine.product_line_id == product_line_id)
    return list(db.session.scalars(query))


def counts_toward_target(
    report_lines: Sequence[StoreReportLine], plan_lines: Sequence[SalesPlanLine]
) -> set[int]:
    """The ids of the report lines that are matched actuals, given the approved plan lines
    of the same dealer and periods (`source_plan_lines`): the rule of `line_selects`."""
    targets = {
        (line.plan.dealer_id, line.plan.period, line.store_id, line.product_line_id)
        for line in plan_lines
        if line.plan.status in TARGET_STATUSES
    }
    return {
        line.id
        for line in report_lines
        if (line.report.dealer_id, line.report.period, line.report.store_id, line.product_line_id)
        in targets
    }


def last_actual_period(dealer_id: int, *, before: str) -> str | None:
    """The latest period before `before` for which the dealer has reported actuals."""
    return db.session.scalar(
        select(func.max(StoreReport.period)).where(
            StoreReport.dealer_id == dealer_id,
            StoreReport.status.in_(ACTUAL_STATUSES),
            StoreReport.period < before,
        )
    )


@dataclass(frozen=True)
class DealerOverview:
    """What the dealer page shows: 12 months of plan against actual and the year to date."""

    months: list[tuple[str, Figures]]
    ytd_first: str
    ytd_last: str
    ytd: Figures


def dealer_overview(
    dealer_id: int, period: str, *, ytd_through: str | None = None, months: int = 12
) -> DealerOverview:
    """`months` months ending with `period`; the year to date runs to `ytd_through`
    (default `period`; pages pass last month so an unfinished month does not count)."""
    first = periods.shift(period, -(months - 1))
    ytd_first, ytd_last = year_to_date(ytd_through or period)
    return DealerOverview(
        months=monthly(dealer_id, first, period),
        ytd_first=ytd_first,
        ytd_last=ytd_last,
        ytd=total(first=ytd_first, last=ytd_last, dealers=[dealer_id]),
    )


def last_actuals(
    plans: Sequence[SalesPlan],
) -> dict[int, tuple[str | None, Figures]]:
    """For each plan, the latest earlier period with reported actuals and those figures."""
    if not plans:
        return {}
    latest = dict(
        db.session.execute(
            select(SalesPlan.id, func.max(StoreReport.period))
            .join(
                StoreReport,
                (StoreReport.dealer_id == SalesPlan.dealer_id)
                & (StoreReport.period < SalesPlan.period),
            )
            .where(
                SalesPlan.id.in_([plan.id for plan in plans]),
                StoreReport.status.in_(ACTUAL_STATUSES),
            )
            .group_by(SalesPlan.id)
        ).all()
    )
    if not latest:
        return {plan.id: (None, EMPTY) for plan in plans}
    figures = plan_vs_actual(
        ("dealer_id", "period"),
        first=min(latest.values()),
        last=max(latest.values()),
        dealers=sorted({plan.dealer_id for plan in plans}),
    )
    result = {}
    for plan in plans:
        period = latest.get(plan.id)
        result[plan.id] = (period, figures.get((plan.dealer_id, period), EMPTY))
    return result
