"""Notice KPIs: read, acknowledged and executed rates, laggards and how overdue they are.

Computed in SQL over the notice's current audience (within what the viewer may see), for the
current version. The same functions feed notice pages, exports and dashboards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask import g
from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, case, func, not_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.access import dealer_scope
from portal.access.notices import is_targeted_store, reaches, visibility_condition
from portal.extensions import db
from portal.metrics.home import after, earliest
from portal.metrics.prepared import IDS, among
from portal.models import (
    Dealer,
    ExecutionStatus,
    Notice,
    NoticeExecution,
    NoticeKind,
    NoticeReceipt,
    NoticeStatus,
    Store,
    User,
)


def in_effect(today: date | ColumnElement[date]) -> ColumnElement[bool]:
    return or_(Notice.effective_to.is_(None), Notice.effective_to >= today)


def _current_receipt() -> ColumnElement[bool]:
    return and_(
        NoticeReceipt.notice_id == Notice.id,
        NoticeReceipt.dealer_id == Dealer.id,
        NoticeReceipt.version_number == Notice.current_version,
    )


def _current_execution() -> ColumnElement[bool]:
    return and_(
        NoticeExecution.notice_id == Notice.id,
        NoticeExecution.store_id == Store.id,
        NoticeExecution.version_number == Notice.current_version,
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Progress:
    """How far one notice's current version has got with its audience."""

    audience: int = 0
    read: int = 0
    acknowledged: int = 0
    acknowledgements_overdue: int = 0
    stores: int = 0
    executed: int = 0
    not_possible: int = 0
    executions_overdue: int = 0

    @property
    def read_rate(self) -> float | None:
        return _rate(self.read, self.audience)

    @property
    def acknowledged_rate(self) -> float | None:
        return _rate(self.acknowledged, self.audience)

    @property
    def executed_rate(self) -> float | None:
        return _rate(self.executed, self.stores)

    @property
    def overdue(self) -> int:
        return self.acknowledgements_overdue + self.executions_overdue


def progress_by_notice(
    user: User, which: ColumnElement[bool], today: date | None = None
) -> dict[int, Progress]:
    """Progress of every notice matching `which`, counting only dealers `user` may see."""
    today = today or clock.today()
    not_acknowledged = NoticeReceipt.acknowledged_at.is_(None)
    ack_overdue = and_(not_acknowledged, Notice.acknowledge_due_on < today)
    dealer_rows = db.session.execute(
        select(
            Notice.id,
            func.count(Dealer.id),
            func.count(NoticeReceipt.read_at),
            func.count(NoticeReceipt.acknowledged_at),
            func.count(case((ack_overdue, 1))),
        )
        .select_from(Notice)
        .join(Dealer, reaches())
        .outerjoin(NoticeReceipt, _current_receipt())
        .where(which, dealer_scope(user, Dealer.id))
        .group_by(Notice.id)
    ).all()
    not_reported = NoticeExecution.id.is_(None)
    exec_overdue = and_(not_reported, Notice.execution_deadline < today)
    store_rows = db.session.execute(
        select(
            Notice.id,
            func.count(Store.id),
            func.count(case((NoticeExecution.status == ExecutionStatus.DONE, 1))),
            func.count(case((NoticeExecution.status == ExecutionStatus.NOT_POSSIBLE, 1))),
            func.count(case((exec_overdue, 1))),
        )
        .select_from(Notice)
        .join(Dealer, reaches())
        .join(Store, Store.dealer_id == Dealer.id)
        .outerjoin(NoticeExecution, _current_execution())
        .where(which, Notice.kind == NoticeKind.PROMOTION, is_targeted_store())
        .where(dealer_scope(user, Dealer.id))
        .group_by(Notice.id)
    ).all()
    stores = {row[0]: row[1:] for row in store_rows}
    result = {}
    for notice_id, audience, read, acknowledged, overdue in dealer_rows:
        total, executed, not_possible, late = stores.get(notice_id, (0, 0, 0, 0))
        result[notice_id] = Progress(
            audience, read, acknowledged, overdue, total, executed, not_possible, late
        )
    return result


def progress(notice: Notice, user: User, today: date | None = None) -> Progress:
    return progress_by_notice(user, Notice.id == notice.id, today).get(notice.id, Progress())


@dataclass(frozen=True)
class DealerLine:
    dealer: Dealer
    receipt: NoticeReceipt | None
    days_overdue: int  # 0 when acknowledged or not yet due

    @property
    def acknowledged(self) -> bool:
        return self.receipt is not None and self.receipt.acknowledged_at is not None


@dataclass(frozen=True)
class StoreLine:
    store: Store
    execution: NoticeExecution | None
    days_overdue: int  # 0 when reported or not yet due

    @property
    def executed(self) -> bool:
        return self.execution is not None and self.execution.status == ExecutionStatus.DONE


def dealer_lines(notice: Notice, user: User, today: date | None = None) -> list[DealerLine]:
    """Each dealer of the audience with its receipt of the current version."""
    today = today or clock.today()
    rows = db.session.execute(
        select(Dealer, NoticeReceipt)
        .select_from(Dealer)
        .join(Notice, reaches())
        .outerjoin(NoticeReceipt, _current_receipt())
        .where(Notice.id == notice.id, dealer_scope(user, Dealer.id))
        .options(
            joinedload(Dealer.region),
            selectinload(NoticeReceipt.read_by),
            selectinload(NoticeReceipt.acknowledged_by),
        )
        .order_by(Dealer.code)
    ).all()
    due = notice.acknowledge_due_on
    return [
        DealerLine(
            dealer,
            receipt,
            _days_over(due, today) if receipt is None or receipt.acknowledged_at is None else 0,
        )
        for dealer, receipt in rows
    ]


def store_lines(notice: Notice, user: User, today: date | None = None) -> list[StoreLine]:
    """Each store that must carry out the promotion, with its report for the current version."""
    if not notice.is_promotion:
        return []
    today = today or clock.today()
    rows = db.session.execute(
        select(Store, NoticeExecution)
        .select_from(Store)
        .join(Dealer, Store.dealer_id == Dealer.id)
        .join(Notice, and_(reaches(), is_targeted_store()))
        .outerjoin(NoticeExecution, _current_execution())
        .where(Notice.id == notice.id, dealer_scope(user, Dealer.id))
        .options(
            joinedload(Store.dealer),
            selectinload(NoticeExecution.photo),
            selectinload(NoticeExecution.reported_by),
        )
        .order_by(Store.code)
    ).all()
    deadline = notice.execution_deadline
    return [
        StoreLine(store, execution, _days_over(deadline, today) if execution is None else 0)
        for store, execution in rows
    ]


def _days_over(due: date | None, today: date) -> int:
    return max((today - due).days, 0) if due is not None else 0


def overdue_notices(user: User, today: date | None = None) -> list[tuple[Notice, Progress]]:
    """Published notices in effect with overdue acknowledgements or executions in `user`'s
    scope, most overdue first (the supervisor's home page)."""
    today = today or clock.today()
    which = and_(
        visibility_condition(user), Notice.status == NoticeStatus.PUBLISHED, in_effect(today)
    )
    by_notice = {k: v for k, v in progress_by_notice(user, which, today).items() if v.overdue}
    if not by_notice:
        return []
    notices = db.session.scalars(select(Notice).where(Notice.id.in_(by_notice))).all()
    pairs = [(n, by_notice[n.id]) for n in notices]
    return sorted(pairs, key=lambda pair: (-pair[1].overdue, pair[0].id))


# The dealer's side


INBOX_BOXES = ("to_acknowledge", "unread", "acknowledged", "past")


def inbox_condition(box: str, today: date | ColumnElement[date]) -> ColumnElement[bool]:
    """Which of a dealer's notices go in one box (Notice joined with the dealer's receipt)."""
    current = and_(Notice.status == NoticeStatus.PUBLISHED, in_effect(today))
    if box == "unread":
        return and_(current, NoticeReceipt.id.is_(None))
    if box == "acknowledged":
        return and_(current, NoticeReceipt.acknowledged_at.is_not(None))
    if box == "past":
        return not_(current)
    return and_(current, NoticeReceipt.acknowledged_at.is_(None))


def dealer_notices(user: User | ColumnElement[int], *columns):
    """A dealer user's notices joined with their dealer's receipt of the current version
    (selecting Notice and NoticeReceipt unless other columns are given); instead of the
    user, the dealer's id as an expression (a bound parameter)."""
    dealer_id = user.dealer_id if isinstance(user, User) else user
    return (
        select(*(columns or (Notice, NoticeReceipt)))
        .select_from(Notice)
        .join(Dealer, reaches())
        .outerjoin(NoticeReceipt, _current_receipt())
        .where(
            Dealer.id == dealer_id,
            Notice.status.in_((NoticeStatus.PUBLISHED, NoticeStatus.ARCHIVED)),
        )
    )


def inbox_counts(user: User, today: date | None = None) -> dict[str, int]:
    """How many notices are in each of the dealer's boxes."""
    if not user.is_dealer or user.dealer_id is None:
        return dict.fromkeys(INBOX_BOXES, 0)
    today = today or clock.today()
    columns = [func.count(case((inbox_condition(box, today), 1))) for box in INBOX_BOXES]
    counts = db.session.execute(dealer_notices(user, *columns)).one()
    return dict(zip(INBOX_BOXES, counts, strict=True))


def to_acknowledge_count(user: User, today: date | None = None) -> int:
    """The navigation badge: notices in effect the user's dealer has not acknowledged yet.

    A page that holds the dealer's current figures row (the dealer's home) passes the
    number on with `known_to_acknowledge`: the row counts the same notices, so the badge
    and the page agree and the count is not asked of the database twice."""
    if not user.is_dealer or user.dealer_id is None:
        return 0
    known = g.get("notices_to_acknowledge")
    if today is None and known is not None and known[0] == user.dealer_id:
        return int(known[1])
    params = {"dealer_id": user.dealer_id, "today": today or clock.today()}
    return db.session.scalar(_to_acknowledge(), params) or 0


def known_to_acknowledge(dealer_id: int, count: int) -> None:
    """This request already knows the dealer's count (from its current figures row)."""
    g.notices_to_acknowledge = (dealer_id, count)


@cache
def _to_acknowledge() -> Select[Any]:
    """The badge's count, built once: the dealer (`dealer_id`) and the day (`today`) bound."""
    today = bindparam("today", type_=Date)
    query = dealer_notices(bindparam("dealer_id"), func.count())
    return query.where(inbox_condition("to_acknowledge", today))


def dealer_store_lines(notice: Notice, user: User) -> list[StoreLine]:
    """The dealer user's own stores that must carry out a promotion, with their reports."""
    return store_lines(notice, user)


# Per dealer, for its figures row (portal.metrics.dealer_figures)


@dataclass
class NoticeCounts:
    """Published notices in effect that reach a dealer: how many, how many it acknowledged
    (current versions), promotion executions its stores still owe, and per notice what is
    overdue: {notice id: (acknowledgement overdue 0/1, store executions overdue)}."""

    notices: int = 0
    acknowledged: int = 0
    executions_pending: int = 0
    executions_overdue: int = 0
    overdue: dict[int, tuple[int, int]] | None = None
    changes_on: date | None = None


def dealer_notice_counts(dealer_ids: Sequence[int], *, today: date) -> dict[int, NoticeCounts]:
    """Two grouped queries: per (dealer, notice) the receipt, and per (dealer, notice) the
    targeted stores of promotions with their execution reports."""
    params = {IDS: list(dealer_ids), "today": today}
    pairs = db.session.execute(_notice_pairs(), params).all()
    result: dict[int, NoticeCounts] = {}
    for dealer_id, notice_id, acknowledged, ack_due, effective_to in pairs:
        counts = result.setdefault(dealer_id, NoticeCounts(overdue={}))
        counts.notices += 1
        counts.acknowledged += int(bool(acknowledged))
        if not acknowledged and ack_due is not None and ack_due < today:
            counts.overdue[notice_id] = (1, 0)
        counts.changes_on = earliest(
            counts.changes_on,
            after(effective_to),
            after(ack_due) if not acknowledged and ack_due and ack_due >= today else None,
        )
    for row in db.session.execute(_execution_rows(), params):
        dealer_id, notice_id, stores, done, impossible, late, deadline = row
        counts = result.setdefault(dealer_id, NoticeCounts(overdue={}))
        counts.executions_pending += int(stores) - int(done or 0) - int(impossible or 0)
        counts.executions_overdue += int(late or 0)
        if late:
            ack = counts.overdue.get(notice_id, (0, 0))[0]
            counts.overdue[notice_id] = (ack, int(late))
        waiting = int(stores) - int(done or 0) - int(impossible or 0)
        if deadline is not None and deadline >= today and waiting > 0:
            counts.changes_on = earliest(counts.changes_on, after(deadline))
    return result


@cache
def _notice_pairs() -> Select[Any]:
    """Per (dealer, notice) in effect on `today`: acknowledged, its due day, its end."""
    return (
        select(
            Dealer.id,
            Notice.id,
            NoticeReceipt.acknowledged_at.is_not(None),
            Notice.acknowledge_due_on,
            Notice.effective_to,
        )
        .select_from(Dealer)
        .join(Notice, reaches())
        .outerjoin(NoticeReceipt, _current_receipt())
        .where(
            among(Dealer.id),
            Notice.status == NoticeStatus.PUBLISHED,
            in_effect(bindparam("today")),
        )
    )


@cache
def _execution_rows() -> Select[Any]:
    today = bindparam("today")
    not_reported = NoticeExecution.id.is_(None)
    return (
        select(
            Store.dealer_id,
            Notice.id,
            func.count(Store.id),
            func.count(case((NoticeExecution.status == ExecutionStatus.DONE, 1))),
            func.count(case((NoticeExecution.status == ExecutionStatus.NOT_POSSIBLE, 1))),
            func.count(case((and_(not_reported, Notice.execution_deadline < today), 1))),
            Notice.execution_deadline,
        )
        .select_from(Notice)
        .join(Dealer, reaches())
        .join(Store, Store.dealer_id == Dealer.id)
        .outerjoin(NoticeExecution, _current_execution())
        .where(
            among(Dealer.id),
            Notice.status == NoticeStatus.PUBLISHED,
            Notice.kind == NoticeKind.PROMOTION,
            in_effect(today),
            is_targeted_store(),
        )
        .group_by(Store.dealer_id, Notice.id, Notice.execution_deadline)
    )
