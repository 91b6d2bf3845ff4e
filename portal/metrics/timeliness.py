"""Timeliness of plans and reports: due dates, on time, late, missing; what is due now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from portal import periods
from portal.extensions import db
from portal.metrics.prepared import IDS, among
from portal.models import (
    PlanStatus,
    ReportStatus,
    SalesPlan,
    Store,
    StoreReport,
    StoreStatus,
)

# Timeliness: due, on time, late, missing


ON_TIME, LATE, MISSING, OPEN, NOT_DUE = "on_time", "late", "missing", "open", "not_due"


def timeliness(first_submitted_at: datetime | None, due: date, today: date) -> str:
    """`on_time`/`late` once submitted; before that `open` until due, then `missing`."""
    if first_submitted_at is not None:
        return ON_TIME if first_submitted_at.date() <= due else LATE
    return OPEN if today <= due else MISSING


def plan_due(period: str, due_day: int) -> date:
    return periods.plan_due_date(period, due_day)


def report_due(period: str, due_days: int) -> date:
    return periods.report_due_date(period, due_days)


def plans_timeliness(plans: Iterable[SalesPlan], due_day: int, today: date) -> dict[int, str]:
    """Each plan's timeliness, by id."""
    return {
        plan.id: timeliness(plan.first_submitted_at, plan_due(plan.period, due_day), today)
        for plan in plans
    }


def reports_timeliness(
    reports: Iterable[StoreReport], due_days: int, today: date
) -> dict[int, str]:
    """Each report's timeliness, by id."""
    return {
        report.id: timeliness(report.first_submitted_at, report_due(report.period, due_days), today)
        for report in reports
    }


@dataclass(frozen=True)
class PlanState:
    """Where one dealer's plan for one period stands."""

    plan_id: int | None
    status: PlanStatus | None
    due: date
    timeliness: str


def plan_states(
    dealer_ids: Sequence[int], period: str, *, due_day: int, today: date
) -> dict[int, PlanState]:
    due = plan_due(period, due_day)
    rows = db.session.execute(_plan_states(), {IDS: list(dealer_ids), "period": period}).all()
    found = {row.dealer_id: row for row in rows}
    states = {}
    for dealer_id in dealer_ids:
        row = found.get(dealer_id)
        submitted = row.first_submitted_at if row else None
        states[dealer_id] = PlanState(
            plan_id=row.id if row else None,
            status=PlanStatus(row.status) if row else None,
            due=due,
            timeliness=timeliness(submitted, due, today),
        )
    return states


@cache
def _plan_states() -> Select[Any]:
    return select(
        SalesPlan.dealer_id, SalesPlan.id, SalesPlan.status, SalesPlan.first_submitted_at
    ).where(among(SalesPlan.dealer_id), SalesPlan.period == bindparam("period"))


@dataclass(frozen=True)
class ReportCounts:
    """Store reports of one dealer for one period, by timeliness."""

    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    open: int = 0

    @property
    def submitted(self) -> int:
        return self.on_time + self.late


def expected_stores(dealer_ids: Sequence[int]) -> Select[Any]:
    """Stores that owe a report: active and open."""
    return select(Store.id, Store.dealer_id).where(
        Store.dealer_id.in_(list(dealer_ids)),
        Store.active.is_(True),
        Store.status == StoreStatus.OPEN,
    )


def report_states(
    dealer_ids: Sequence[int], period: str, *, due_days: int, today: date
) -> dict[int, dict[int, str]]:
    """{dealer id: {store id: timeliness}} for the stores that owe a report for `period`."""
    due = report_due(period, due_days)
    stores = db.session.execute(expected_stores(dealer_ids)).all()
    submitted = dict(
        db.session.execute(
            select(StoreReport.store_id, StoreReport.first_submitted_at).where(
                StoreReport.store_id.in_([store.id for store in stores]),
                StoreReport.period == period,
            )
        ).all()
    )
    states: dict[int, dict[int, str]] = {dealer_id: {} for dealer_id in dealer_ids}
    for store in stores:
        states[store.dealer_id][store.id] = timeliness(submitted.get(store.id), due, today)
    return states


def report_counts(
    dealer_ids: Sequence[int], period: str, *, due_days: int, today: date
) -> dict[int, ReportCounts]:
    counts = {}
    for dealer_id, by_store in report_states(
        dealer_ids, period, due_days=due_days, today=today
    ).items():
        values = list(by_store.values())
        counts[dealer_id] = ReportCounts(
            expected=len(values),
            on_time=values.count(ON_TIME),
            late=values.count(LATE),
            missing=values.count(MISSING),
            open=values.count(OPEN),
        )
    return counts


# What is due now (home pages)


@dataclass(frozen=True)
class DealerDue:
    plan_period: str
    plan: PlanState
    report_period: str
    report_due: date
    reports: ReportCounts
    returned_plans: int
    returned_reports: int


def dealer_due_now(dealer_id: int, today: date, *, due_day: int, due_days: int) -> DealerDue:
    """Next month's plan, last month's reports and anything returned to the dealer."""
    current = periods.of(today)
    plan_period = periods.shift(current, 1)
    report_period = periods.shift(current, -1)
    return DealerDue(
        plan_period=plan_period,
        plan=plan_states([dealer_id], plan_period, due_day=due_day, today=today)[dealer_id],
        report_period=report_period,
        report_due=report_due(report_period, due_days),
        reports=report_counts([dealer_id], report_period, due_days=due_days, today=today)[
            dealer_id
        ],
        returned_plans=_count(
            SalesPlan, SalesPlan.dealer_id == dealer_id, SalesPlan.status == PlanStatus.RETURNED
        ),
        returned_reports=_count(
            StoreReport,
            StoreReport.dealer_id == dealer_id,
            StoreReport.status == ReportStatus.RETURNED,
        ),
    )


@dataclass(frozen=True)
class SupervisorDue:
    plans_waiting: int
    reports_waiting: int
    plan_period: str
    plans_missing: int
    report_period: str
    reports_missing: int
    reports_late: int


def supervisor_due_now(
    dealer_ids: Sequence[int], today: date, *, due_day: int, due_days: int
) -> SupervisorDue:
    """Review work waiting and what is missing across the given (active) dealers."""
    current = periods.of(today)
    plan_period, report_period = periods.shift(current, 1), periods.shift(current, -1)
    ids = list(dealer_ids)
    plans = plan_states(ids, plan_period, due_day=due_day, today=today).values()
    reports = report_counts(ids, report_period, due_days=due_days, today=today).values()
    return SupervisorDue(
        plans_waiting=_count(
            SalesPlan, SalesPlan.dealer_id.in_(ids), SalesPlan.status == PlanStatus.SUBMITTED
        ),
        reports_waiting=_count(
            StoreReport,
            StoreReport.dealer_id.in_(ids),
            StoreReport.status == ReportStatus.SUBMITTED,
        ),
        plan_period=plan_period,
        plans_missing=sum(1 for state in plans if state.timeliness == MISSING),
        report_period=report_period,
        reports_missing=sum(counts.missing for counts in reports),
        reports_late=sum(counts.late for counts in reports),
    )


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
