"""What the staff home pages show per dealer and per region, in a fixed number of queries.

Every figure is one aggregate query grouped by dealer (or by region and month), restricted by
a sub-select of the dealers in scope, so a network of thousands of dealers costs the same
number of round trips as a handful. Regions are sums of their dealers' lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, select

from portal import periods
from portal.access.notices import reaches, visibility_condition
from portal.extensions import db
from portal.metrics import plans as plan_metrics
from portal.metrics.timeliness import MISSING, NOT_DUE, PlanState, SupervisorDue
from portal.models import (
    ActionStatus,
    Audit,
    AuditStatus,
    CorrectiveAction,
    Dealer,
    DealerStatus,
    Notice,
    NoticeReceipt,
    NoticeStatus,
    PlanStatus,
    ReportStatus,
    SalesPlan,
    Store,
    StoreReport,
    StoreStatus,
    User,
)

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]
HOME_STATUSES = (DealerStatus.ACTIVE, DealerStatus.SUSPENDED)
AUDIT_AVERAGE_DAYS = 365  # the average audit score covers this many days


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


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def dealer_lines(
    scope: Scope, when: Periods, *, due_day: int, due_days: int, window_days: int, user: User
) -> list[DealerLine]:
    """Every dealer in scope with its figures, ordered by code (a dozen queries in all)."""
    ids = dealers_in_scope(scope)
    rows = db.session.execute(
        select(Dealer.id, Dealer.code, Dealer.name, Dealer.region_id, Dealer.status)
        .where(Dealer.id.in_(ids.scalar_subquery()))
        .order_by(Dealer.code)
    ).all()
    if not rows:
        return []
    dealer_ids = [row.id for row in rows]
    month = plan_metrics.plan_vs_actual(
        ("dealer_id",), first=when.month, last=when.month, dealers=ids
    )
    ytd = plan_metrics.plan_vs_actual(
        ("dealer_id",), first=when.ytd_first, last=when.month, dealers=ids
    )
    plans = plan_metrics.plan_states(
        dealer_ids, when.plan_period, due_day=due_day, today=when.today
    )
    reports = report_tallies(ids, when.report_period, due_days=due_days, today=when.today)
    audits = audit_tallies(ids, today=when.today, window_days=window_days)
    actions = action_tallies(ids, today=when.today)
    notices = acknowledgement_tallies(ids, user, today=when.today)
    stores = dict(
        db.session.execute(
            select(Store.dealer_id, func.count(Store.id))
            .where(Store.dealer_id.in_(ids.scalar_subquery()), Store.active.is_(True))
            .group_by(Store.dealer_id)
        ).all()
    )
    empty = plan_metrics.EMPTY
    return [
        DealerLine(
            id=row.id,
            code=row.code,
            name=row.name,
            region_id=row.region_id,
            status=DealerStatus(row.status),
            stores=stores.get(row.id, 0),
            month=month.get((row.id,), empty),
            ytd=ytd.get((row.id,), empty),
            plan=plans[row.id],
            reports=reports.get(row.id, ReportTally()),
            audits=audits.get(row.id, AuditTally()),
            open_actions=actions.get(row.id, (0, 0))[0],
            overdue_actions=actions.get(row.id, (0, 0))[1],
            notices=notices.get(row.id, (0, 0))[0],
            acknowledged=notices.get(row.id, (0, 0))[1],
        )
        for row in rows
    ]


def report_tallies(
    ids: Select[Any], period: str, *, due_days: int, today: date
) -> dict[int, ReportTally]:
    """Per dealer: stores owing a report for `period`, by timeliness (one grouped query)."""
    due = plan_metrics.report_due(period, due_days)
    deadline = _start_of(due + timedelta(days=1))
    submitted = StoreReport.first_submitted_at
    rows = db.session.execute(
        select(
            Store.dealer_id,
            func.count(Store.id),
            func.sum(case((submitted < deadline, 1), else_=0)),
            func.sum(case((submitted >= deadline, 1), else_=0)),
            func.sum(case((submitted.is_(None), 1), else_=0)),
        )
        .outerjoin(
            StoreReport, and_(StoreReport.store_id == Store.id, StoreReport.period == period)
        )
        .where(
            Store.dealer_id.in_(ids.scalar_subquery()),
            Store.active.is_(True),
            Store.status == StoreStatus.OPEN,
        )
        .group_by(Store.dealer_id)
    ).all()
    overdue = today > due
    return {
        dealer_id: ReportTally(
            expected=int(expected),
            on_time=int(on_time or 0),
            late=int(late or 0),
            missing=int(waiting or 0) if overdue else 0,
            open=0 if overdue else int(waiting or 0),
        )
        for dealer_id, expected, on_time, late, waiting in rows
    }


def audit_tallies(ids: Select[Any], *, today: date, window_days: int) -> dict[int, AuditTally]:
    """Per dealer: completed audits of the last year with their score sum, the latest
    completion, and open audits overdue or due within the window."""
    since = _start_of(today - timedelta(days=AUDIT_AVERAGE_DAYS))
    completed = Audit.status == AuditStatus.COMPLETED
    recent = and_(completed, Audit.completed_at >= since)
    is_open = Audit.status.in_((AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS))
    soon = and_(
        is_open,
        Audit.scheduled_for >= today,
        Audit.scheduled_for <= today + timedelta(days=window_days),
    )
    rows = db.session.execute(
        select(
            Audit.dealer_id,
            func.sum(case((recent, 1), else_=0)),
            func.sum(case((recent, Audit.score), else_=0)),
            func.max(case((completed, Audit.completed_at))),
            func.sum(case((and_(is_open, Audit.scheduled_for < today), 1), else_=0)),
            func.sum(case((soon, 1), else_=0)),
        )
        .where(Audit.dealer_id.in_(ids.scalar_subquery()), Audit.status != AuditStatus.CANCELLED)
        .group_by(Audit.dealer_id)
    ).all()
    return {
        row[0]: AuditTally(
            completed=int(row[1] or 0),
            score_sum=Decimal(str(row[2] or 0)),
            last_completed=_aware(row[3]),
            overdue=int(row[4] or 0),
            due=int(row[5] or 0),
        )
        for row in rows
    }


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns MAX() over a CASE as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def action_tallies(ids: Select[Any], *, today: date) -> dict[int, tuple[int, int]]:
    """Per dealer: corrective actions not verified yet, and how many of them are overdue."""
    rows = db.session.execute(
        select(
            CorrectiveAction.dealer_id,
            func.count(CorrectiveAction.id),
            func.sum(case((CorrectiveAction.due_on < today, 1), else_=0)),
        )
        .where(
            CorrectiveAction.dealer_id.in_(ids.scalar_subquery()),
            CorrectiveAction.status != ActionStatus.VERIFIED,
        )
        .group_by(CorrectiveAction.dealer_id)
    ).all()
    return {dealer_id: (int(count), int(overdue or 0)) for dealer_id, count, overdue in rows}


def acknowledgement_tallies(
    ids: Select[Any], user: User, *, today: date
) -> dict[int, tuple[int, int]]:
    """Per dealer: published notices in effect that reach it, and how many it acknowledged
    (current versions only)."""
    in_effect = (Notice.effective_to.is_(None)) | (Notice.effective_to >= today)
    receipt = and_(
        NoticeReceipt.notice_id == Notice.id,
        NoticeReceipt.dealer_id == Dealer.id,
        NoticeReceipt.version_number == Notice.current_version,
    )
    rows = db.session.execute(
        select(Dealer.id, func.count(Notice.id), func.count(NoticeReceipt.acknowledged_at))
        .select_from(Dealer)
        .join(Notice, reaches())
        .outerjoin(NoticeReceipt, receipt)
        .where(
            Dealer.id.in_(ids.scalar_subquery()),
            Notice.status == NoticeStatus.PUBLISHED,
            in_effect,
            visibility_condition(user),
        )
        .group_by(Dealer.id)
    ).all()
    return {dealer_id: (int(total), int(done)) for dealer_id, total, done in rows}


def review_waiting(scope: Scope) -> tuple[int, int]:
    """Plans and reports submitted and waiting for a supervisor's decision."""
    plans = db.session.scalar(
        select(func.count(SalesPlan.id)).where(
            scope(SalesPlan.dealer_id), SalesPlan.status == PlanStatus.SUBMITTED
        )
    )
    reports = db.session.scalar(
        select(func.count(StoreReport.id)).where(
            scope(StoreReport.dealer_id), StoreReport.status == ReportStatus.SUBMITTED
        )
    )
    return int(plans or 0), int(reports or 0)


def due_summary(lines: list[DealerLine], when: Periods, waiting: tuple[int, int]) -> SupervisorDue:
    """The "due now" card from the dealer lines (trading dealers only, like the card says)."""
    trading = [line for line in lines if line.status == DealerStatus.ACTIVE]
    return SupervisorDue(
        plans_waiting=waiting[0],
        reports_waiting=waiting[1],
        plan_period=when.plan_period,
        plans_missing=sum(1 for line in trading if line.plan_missing),
        report_period=when.report_period,
        reports_missing=sum(line.reports.missing for line in trading),
        reports_late=sum(line.reports.late for line in trading),
    )


def monthly_scores(
    scope: Scope, *, last: str, months: int = 12
) -> tuple[list[str], dict[int, list[Decimal | None]]]:
    """Average completed-audit score per region and month (the `months` months to `last`)."""
    first = periods.shift(last, -(months - 1))
    labels = periods.span(first, last)
    start = periods.first_day(first)
    year, month = extract("year", Audit.completed_at), extract("month", Audit.completed_at)
    rows = db.session.execute(
        select(Dealer.region_id, year, month, func.avg(Audit.score))
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .where(
            scope(Audit.dealer_id),
            Audit.status == AuditStatus.COMPLETED,
            Audit.completed_at >= _start_of(start),
        )
        .group_by(Dealer.region_id, year, month)
    ).all()
    series: dict[int, list[Decimal | None]] = {}
    for region_id, y, m, average in rows:
        label = f"{int(y):04d}-{int(m):02d}"
        if label not in labels:
            continue
        values = series.setdefault(region_id, [None] * len(labels))
        values[labels.index(label)] = Decimal(str(average)).quantize(Decimal("0.1"))
    return labels, series


__all__ = [
    "MISSING",
    "NOT_DUE",
    "AuditTally",
    "DealerLine",
    "Periods",
    "ReportTally",
    "dealer_lines",
    "due_summary",
    "monthly_scores",
    "review_waiting",
]
