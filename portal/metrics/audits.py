"""Audit KPIs: averages, most-failed items, action timeliness, stores due a visit.

Each function takes `scope`: a function that turns a dealer-id column into a WHERE clause
(callers pass `functools.partial(access.dealer_scope, user)`), so every figure obeys the
same visibility rules as the pages that show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true

from portal.extensions import db
from portal.models import (
    ActionStatus,
    ActionStep,
    AnswerResult,
    Audit,
    AuditAnswer,
    AuditStatus,
    CorrectiveAction,
    Dealer,
    StandardItem,
    StepKind,
    Store,
    StoreFigures,
)

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]


def _since(column, since: date | None) -> ColumnElement[bool]:
    if since is None:
        return column.is_not(None)
    return column >= datetime(since.year, since.month, since.day, tzinfo=UTC)


@dataclass(frozen=True)
class AuditAverage:
    key: int | None
    label: str
    audits: int
    average: Decimal | None
    passed: int

    @property
    def pass_rate(self) -> Decimal | None:
        return None if not self.audits else Decimal(100 * self.passed) / self.audits


def audit_averages(
    scope: Scope, *, since: date | None = None, region_id: int | None = None
) -> list[AuditAverage]:
    """Completed audits per dealer: count, average score and passes, weakest first."""
    average = func.avg(Audit.score)
    query = (
        select(
            Dealer.id,
            Dealer.code,
            Dealer.name,
            func.count(Audit.id),
            average,
            func.sum(case((Audit.passed.is_(True), 1), else_=0)),
        )
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .where(
            scope(Audit.dealer_id),
            Audit.status == AuditStatus.COMPLETED,
            _since(Audit.completed_at, since),
        )
        .group_by(Dealer.id, Dealer.code, Dealer.name)
        .order_by(average.asc(), Dealer.code)
    )
    if region_id is not None:
        query = query.where(Dealer.region_id == region_id)
    return [
        AuditAverage(
            key=row[0],
            label=f"{row[1]} {row[2]}",
            audits=row[3],
            average=_decimal(row[4]),
            passed=int(row[5] or 0),
        )
        for row in db.session.execute(query).all()
    ]


def _in_region(dealer_id_column, region_id: int | None) -> ColumnElement[bool]:
    if region_id is None:
        return dealer_id_column.is_not(None)
    return dealer_id_column.in_(select(Dealer.id).where(Dealer.region_id == region_id))


def audit_summary(
    scope: Scope, *, since: date | None = None, region_id: int | None = None
) -> AuditAverage:
    """All completed audits in scope together."""
    row = db.session.execute(
        select(
            func.count(Audit.id),
            func.avg(Audit.score),
            func.sum(case((Audit.passed.is_(True), 1), else_=0)),
        ).where(
            scope(Audit.dealer_id),
            _in_region(Audit.dealer_id, region_id),
            Audit.status == AuditStatus.COMPLETED,
            _since(Audit.completed_at, since),
        )
    ).one()
    return AuditAverage(None, "", row[0], _decimal(row[1]), int(row[2] or 0))


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class FailedItem:
    code: str
    question: str
    failed: int
    answered: int
    critical: bool

    @property
    def fail_rate(self) -> Decimal:
        return Decimal(100 * self.failed) / self.answered if self.answered else Decimal(0)


def most_failed_items(
    scope: Scope,
    *,
    region_id: int | None = None,
    standard_id: int | None = None,
    since: date | None = None,
    limit: int = 10,
) -> list[FailedItem]:
    """Items (by code, across versions) failed most often in completed audits."""
    failed = func.sum(case((AuditAnswer.result == AnswerResult.FAIL, 1), else_=0))
    answered = func.sum(
        case((AuditAnswer.result.in_([AnswerResult.PASS, AnswerResult.FAIL]), 1), else_=0)
    )
    query = (
        select(
            StandardItem.code,
            failed,
            answered,
            func.max(StandardItem.id),
        )
        .join(AuditAnswer, AuditAnswer.item_id == StandardItem.id)
        .join(Audit, Audit.id == AuditAnswer.audit_id)
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .where(
            scope(Audit.dealer_id),
            Audit.status == AuditStatus.COMPLETED,
            _since(Audit.completed_at, since),
        )
        .group_by(StandardItem.code)
        .having(failed > 0)
        .order_by(failed.desc(), StandardItem.code)
        .limit(limit)
    )
    if region_id is not None:
        query = query.where(Dealer.region_id == region_id)
    if standard_id is not None:
        query = query.where(Audit.standard_id == standard_id)
    rows = db.session.execute(query).all()
    latest = {
        item.id: item
        for item in db.session.scalars(
            select(StandardItem).where(StandardItem.id.in_([row[3] for row in rows]))
        )
    }
    return [
        FailedItem(
            code=row[0],
            question=latest[row[3]].label,
            failed=int(row[1]),
            answered=int(row[2]),
            critical=latest[row[3]].critical,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ActionTimeliness:
    total: int
    open: int  # not verified yet (open, responded or reopened)
    overdue: int
    verified: int
    responded_on_time: int  # first response on or before the original due date
    due_so_far: int  # actions whose due date passed or that were answered
    average_days_to_close: Decimal | None

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.due_so_far:
            return None
        return Decimal(100 * self.responded_on_time) / self.due_so_far


def action_timeliness(
    scope: Scope, *, today: date, since: date | None = None, region_id: int | None = None
) -> ActionTimeliness:
    """How quickly dealers fix findings (actions of audits completed since `since`)."""
    first_response = (
        select(ActionStep.action_id, func.min(ActionStep.at).label("at"))
        .where(ActionStep.kind == StepKind.RESPONDED)
        .group_by(ActionStep.action_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            CorrectiveAction.status,
            CorrectiveAction.due_on,
            CorrectiveAction.original_due_on,
            first_response.c.at,
            CorrectiveAction.verified_at,
            Audit.completed_at,
        )
        .join(Audit, Audit.id == CorrectiveAction.audit_id)
        .outerjoin(first_response, first_response.c.action_id == CorrectiveAction.id)
        .where(
            scope(CorrectiveAction.dealer_id),
            _in_region(CorrectiveAction.dealer_id, region_id),
            _since(Audit.completed_at, since),
        )
    ).all()
    verified = [r for r in rows if r.status == ActionStatus.VERIFIED]
    open_rows = [r for r in rows if r.status != ActionStatus.VERIFIED]
    overdue = sum(1 for r in open_rows if r.due_on < today)
    responded = [(r, _aware(r.at).date()) for r in rows if r.at is not None]
    on_time = sum(1 for r, day in responded if day <= r.original_due_on)
    due_so_far = len(responded) + sum(1 for r in rows if r.at is None and r.original_due_on < today)
    days = [
        (_aware(r.verified_at) - _aware(r.completed_at)).total_seconds() / 86400 for r in verified
    ]
    average = Decimal(str(round(sum(days) / len(days), 1))) if days else None
    return ActionTimeliness(
        len(rows), len(open_rows), overdue, len(verified), on_time, due_so_far, average
    )


def stores_not_audited(
    scope: Scope, *, days: int, today: date, limit: int = 50
) -> list[tuple[Store, datetime | None]]:
    """Active stores with no completed audit in the last `days` days (never audited first),
    from each store's latest completed audit as `store_figures` keeps it."""
    last = StoreFigures.last_audited_at
    cutoff = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=days)
    planned = select(Audit.store_id).where(
        Audit.status.in_([AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS])
    )
    query = (
        select(Store, last)
        .join(Dealer, Dealer.id == Store.dealer_id)
        .outerjoin(StoreFigures, StoreFigures.store_id == Store.id)
        .where(
            scope(Store.dealer_id),
            Store.active.is_(True),
            Dealer.active.is_(True),
            or_(last.is_(None), last < cutoff),
            Store.id.not_in(planned),
        )
        .order_by(last.is_not(None), last, Store.code)
        .limit(limit)
    )
    return [(store, _aware(at)) for store, at in db.session.execute(query)]


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def score_trend(
    scope: Scope, store_id: int, *, until: datetime | None = None, limit: int = 24
) -> list[tuple[date, Decimal]]:
    """The store's completed audit scores in scope, oldest first (the last `limit`)."""
    rows = db.session.execute(
        select(Audit.completed_at, Audit.score)
        .where(
            scope(Audit.dealer_id),
            Audit.store_id == store_id,
            Audit.status == AuditStatus.COMPLETED,
            Audit.completed_at <= until if until is not None else true(),
        )
        .order_by(Audit.completed_at.desc(), Audit.id.desc())
        .limit(limit)
    ).all()
    return [(completed_at.date(), score) for completed_at, score in reversed(rows)]


def due_counts(scope: Scope, *, today: date, window_days: int) -> dict[str, int]:
    """Open audits: overdue (date passed) and due within the window."""
    row = db.session.execute(
        select(
            func.sum(case((Audit.scheduled_for < today, 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            Audit.scheduled_for >= today,
                            Audit.scheduled_for <= today + timedelta(days=window_days),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        ).where(
            scope(Audit.dealer_id),
            Audit.status.in_([AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS]),
        )
    ).one()
    return {"overdue": int(row[0] or 0), "due": int(row[1] or 0)}


def open_action_counts(scope: Scope, *, today: date) -> dict[str, int]:
    """Actions not verified yet: all, overdue, and waiting for verification; and the
    dealer's share of them, those still to answer (open or reopened), and how many of
    those are overdue. A responded action waits for the supervisor, not the dealer."""
    overdue = CorrectiveAction.due_on < today
    to_answer = CorrectiveAction.status.in_((ActionStatus.OPEN, ActionStatus.REOPENED))
    row = db.session.execute(
        select(
            func.count(CorrectiveAction.id),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(case((CorrectiveAction.status == ActionStatus.RESPONDED, 1), else_=0)),
            func.sum(case((to_answer, 1), else_=0)),
            func.sum(case((and_(to_answer, overdue), 1), else_=0)),
        ).where(scope(CorrectiveAction.dealer_id), CorrectiveAction.status != ActionStatus.VERIFIED)
    ).one()
    return {
        "open": int(row[0] or 0),
        "overdue": int(row[1] or 0),
        "responded": int(row[2] or 0),
        "to_answer": int(row[3] or 0),
        "to_answer_overdue": int(row[4] or 0),
    }
