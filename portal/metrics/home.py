"""What the home pages count per dealer, batched: a fixed number of queries for any number of
dealers (the notices' share is `portal.metrics.notices.dealer_notice_counts`).
`portal.metrics.dealer_figures` turns these into each dealer's row of `dealer_figures`; the
pages read the rows (`portal.metrics.home_rows`).

Each tally that depends on the day also says when it next changes by itself (`changes_on`:
an audit falling due, an action becoming overdue, a notice leaving effect), so a row is
recomputed on that day by the periodic job and not before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, select

from portal import periods
from portal.access.audits import ANNOUNCED_VISIBLE
from portal.extensions import db
from portal.metrics import plans as plan_metrics
from portal.metrics.prepared import IDS, among
from portal.metrics.timeliness import MISSING, NOT_DUE, PlanState
from portal.models import (
    ActionStatus,
    Audit,
    AuditStatus,
    CorrectiveAction,
    Dealer,
    DealerStatus,
    PlanStatus,
    ReportStatus,
    SalesPlan,
    Store,
    StoreReport,
    StoreStatus,
)

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]
HOME_STATUSES = (DealerStatus.ACTIVE, DealerStatus.SUSPENDED)
AUDIT_AVERAGE_DAYS = 365  # the average audit score covers this many days
OPEN_AUDITS = (AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Periods:
    """The months a home page talks about (all derived from today)."""

    today: date
    month: str  # the latest month whose actuals are due (last month)
    ytd_first: str
    plan_period: str  # the plan due next (next month's)
    report_period: str  # the reports due now (last month's)

    @classmethod
    def of(cls, today: date) -> Periods:
        current = periods.of(today)
        month = periods.shift(current, -1)
        return cls(
            today=today,
            month=month,
            ytd_first=periods.year_start(month),
            plan_period=periods.shift(current, 1),
            report_period=month,
        )

    @property
    def next_month_starts(self) -> date:
        """The day these periods move on."""
        return periods.first_day(periods.shift(periods.of(self.today), 1))


@dataclass(frozen=True)
class ReportTally:
    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    open: int = 0

    @property
    def submitted(self) -> int:
        return self.on_time + self.late


@dataclass(frozen=True)
class AuditTally:
    completed: int = 0  # within AUDIT_AVERAGE_DAYS
    score_sum: Decimal = Decimal(0)
    last_completed: datetime | None = None
    overdue: int = 0  # open audits whose date passed
    due: int = 0  # open audits within the due window

    @property
    def average(self) -> Decimal | None:
        if not self.completed:
            return None
        return (self.score_sum / self.completed).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class DealerLine:
    """One row of the staff home's dealer table."""

    id: int
    code: str
    name: str
    region_id: int
    status: DealerStatus
    stores: int
    month: plan_metrics.Figures
    ytd: plan_metrics.Figures
    plan: PlanState
    reports: ReportTally
    audits: AuditTally
    open_actions: int = 0
    overdue_actions: int = 0
    notices: int = 0  # notices in effect that reach the dealer
    acknowledged: int = 0

    @property
    def acknowledgement_rate(self) -> Decimal | None:
        return percent(self.acknowledged, self.notices)

    @property
    def plan_missing(self) -> bool:
        return self.plan.timeliness == MISSING


def percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(100 * part) / whole).quantize(Decimal("0.1"))


def dealers_in_scope(scope: Scope) -> Select[Any]:
    """Ids of the dealers a home page covers: active records, trading or suspended."""
    return select(Dealer.id).where(
        scope(Dealer.id), Dealer.active.is_(True), Dealer.status.in_(HOME_STATUSES)
    )


def start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def as_date(value: Any) -> date | None:
    """A date from what MIN() over a date or datetime column returns on either database."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):  # SQLite returns MIN() over a CASE as text
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        return value.date() if isinstance(value, datetime) else value
    return value.date()


def earliest(*days: date | None) -> date | None:
    found = [day for day in days if day is not None]
    return min(found) if found else None


def store_tallies(
    dealer_ids: Sequence[int], period: str, *, due_days: int, today: date
) -> tuple[dict[int, int], dict[int, ReportTally]]:
    """Per dealer: its active stores, and those that owe a report for `period` (active and
    open) by timeliness (one grouped query)."""
    due = plan_metrics.report_due(period, due_days)
    rows = db.session.execute(
        _store_tallies(),
        {IDS: list(dealer_ids), "period": period, "deadline": start_of(due + timedelta(days=1))},
    ).all()
    overdue = today > due
    stores = {dealer_id: int(active) for dealer_id, active, *_counts in rows}
    tallies = {
        dealer_id: ReportTally(
            expected=int(expected or 0),
            on_time=int(on_time or 0),
            late=int(late or 0),
            missing=int(waiting or 0) if overdue else 0,
            open=0 if overdue else int(waiting or 0),
        )
        for dealer_id, _active, expected, on_time, late, waiting in rows
        if expected
    }
    return stores, tallies


@cache
def _store_tallies() -> Select[Any]:
    deadline = bindparam("deadline")
    submitted = StoreReport.first_submitted_at
    owes = Store.status == StoreStatus.OPEN  # of the active stores
    return (
        select(
            Store.dealer_id,
            func.count(Store.id),
            func.sum(case((owes, 1), else_=0)),
            func.sum(case((and_(owes, submitted < deadline), 1), else_=0)),
            func.sum(case((and_(owes, submitted >= deadline), 1), else_=0)),
            func.sum(case((and_(owes, submitted.is_(None)), 1), else_=0)),
        )
        .outerjoin(
            StoreReport,
            and_(StoreReport.store_id == Store.id, StoreReport.period == bindparam("period")),
        )
        .where(among(Store.dealer_id), Store.active.is_(True))
        .group_by(Store.dealer_id)
    )


@dataclass(frozen=True)
class AuditCounts:
    tally: AuditTally
    due_announced: int = 0  # open audits in the due window the dealer was told of
    changes_on: date | None = None


def audit_counts(
    dealer_ids: Sequence[int], *, today: date, window_days: int
) -> dict[int, AuditCounts]:
    """Per dealer: completed audits of the last year with their score sum, the latest
    completion, and open audits overdue or due within the window (one grouped query)."""
    params = {
        IDS: list(dealer_ids),
        "since": start_of(today - timedelta(days=AUDIT_AVERAGE_DAYS)),
        "today": today,
        "horizon": today + timedelta(days=window_days),
    }
    rows = db.session.execute(_audit_counts(), params).all()
    one_day, window = timedelta(days=1), timedelta(days=window_days)
    result = {}
    for row in rows:
        oldest, next_date, entering = as_date(row[7]), as_date(row[8]), as_date(row[9])
        result[row[0]] = AuditCounts(
            AuditTally(
                completed=int(row[1] or 0),
                score_sum=tenths(row[2]),
                last_completed=aware(row[3]),
                overdue=int(row[4] or 0),
                due=int(row[5] or 0),
            ),
            due_announced=int(row[6] or 0),
            changes_on=earliest(
                oldest + timedelta(days=AUDIT_AVERAGE_DAYS + 1) if oldest else None,
                next_date + one_day if next_date else None,
                entering - window if entering else None,
            ),
        )
    return result


@cache
def _audit_counts() -> Select[Any]:
    today, horizon = bindparam("today"), bindparam("horizon")
    completed = Audit.status == AuditStatus.COMPLETED
    recent = and_(completed, Audit.completed_at >= bindparam("since"))
    is_open = Audit.status.in_(OPEN_AUDITS)
    soon = and_(is_open, Audit.scheduled_for >= today, Audit.scheduled_for <= horizon)
    told = and_(soon, Audit.announced.is_(True), Audit.status.in_(ANNOUNCED_VISIBLE))
    return (
        select(
            Audit.dealer_id,
            func.sum(case((recent, 1), else_=0)),
            func.sum(case((recent, Audit.score), else_=0)),
            func.max(case((completed, Audit.completed_at))),
            func.sum(case((and_(is_open, Audit.scheduled_for < today), 1), else_=0)),
            func.sum(case((soon, 1), else_=0)),
            func.sum(case((told, 1), else_=0)),
            # What changes by itself: the oldest recent audit leaves the year, an open
            # audit becomes overdue the day after its date, or enters the due window.
            func.min(case((recent, Audit.completed_at))),
            func.min(case((and_(is_open, Audit.scheduled_for >= today), Audit.scheduled_for))),
            func.min(case((and_(is_open, Audit.scheduled_for > horizon), Audit.scheduled_for))),
        )
        .where(among(Audit.dealer_id), Audit.status != AuditStatus.CANCELLED)
        .group_by(Audit.dealer_id)
    )


def tenths(value: Any) -> Decimal:
    """A sum of scores with one decimal, exact (SQLite sums them as floating point)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


def aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns MAX() over a CASE as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ActionCounts:
    """Corrective actions not verified yet, and the dealer's share of them: those still to
    answer (open or reopened). A responded action waits for the supervisor."""

    open: int = 0
    overdue: int = 0
    responded: int = 0
    to_answer: int = 0
    to_answer_overdue: int = 0
    changes_on: date | None = None  # the day after the next due date


def action_counts(dealer_ids: Sequence[int], *, today: date) -> dict[int, ActionCounts]:
    rows = db.session.execute(_action_counts(), {IDS: list(dealer_ids), "today": today}).all()
    return {
        row[0]: ActionCounts(
            *(int(value or 0) for value in row[1:6]),
            changes_on=after(as_date(row[6])),
        )
        for row in rows
    }


@cache
def _action_counts() -> Select[Any]:
    today = bindparam("today")
    overdue = CorrectiveAction.due_on < today
    to_answer = CorrectiveAction.status.in_((ActionStatus.OPEN, ActionStatus.REOPENED))
    return (
        select(
            CorrectiveAction.dealer_id,
            func.count(CorrectiveAction.id),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(case((CorrectiveAction.status == ActionStatus.RESPONDED, 1), else_=0)),
            func.sum(case((to_answer, 1), else_=0)),
            func.sum(case((and_(to_answer, overdue), 1), else_=0)),
            func.min(case((CorrectiveAction.due_on >= today, CorrectiveAction.due_on))),
        )
        .where(
            among(CorrectiveAction.dealer_id),
            CorrectiveAction.status != ActionStatus.VERIFIED,
        )
        .group_by(CorrectiveAction.dealer_id)
    )


def after(day: date | None) -> date | None:
    return None if day is None else day + timedelta(days=1)


@dataclass(frozen=True)
class ReviewCounts:
    plans_returned: int = 0
    reports_returned: int = 0
    plans_waiting: int = 0  # submitted: a supervisor's decision is due
    reports_waiting: int = 0


def review_counts(dealer_ids: Sequence[int]) -> dict[int, ReviewCounts]:
    """Per dealer: plans and reports returned to it, and waiting for review."""
    found: dict[int, list[int]] = {}
    for offset, query in enumerate(_review_counts()):
        for dealer_id, back, waiting in db.session.execute(query, {IDS: list(dealer_ids)}):
            counts = found.setdefault(dealer_id, [0, 0, 0, 0])
            counts[offset], counts[2 + offset] = int(back or 0), int(waiting or 0)
    return {dealer_id: ReviewCounts(*counts) for dealer_id, counts in found.items()}


@cache
def _review_counts() -> tuple[Select[Any], Select[Any]]:
    """Plans, then store reports: per dealer, returned and waiting."""
    queries = []
    for model, returned, submitted in (
        (SalesPlan, PlanStatus.RETURNED, PlanStatus.SUBMITTED),
        (StoreReport, ReportStatus.RETURNED, ReportStatus.SUBMITTED),
    ):
        queries.append(
            select(
                model.dealer_id,
                func.sum(case((model.status == returned, 1), else_=0)),
                func.sum(case((model.status == submitted, 1), else_=0)),
            )
            .where(among(model.dealer_id), model.status.in_((returned, submitted)))
            .group_by(model.dealer_id)
        )
    return queries[0], queries[1]


__all__ = [
    "MISSING",
    "NOT_DUE",
    "ActionCounts",
    "AuditCounts",
    "AuditTally",
    "DealerLine",
    "Periods",
    "ReportTally",
    "ReviewCounts",
    "action_counts",
    "audit_counts",
    "dealers_in_scope",
    "review_counts",
    "store_tallies",
]
