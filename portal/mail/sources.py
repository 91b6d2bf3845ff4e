"""What dealers owe, over the whole network in a few queries: open items with due dates,
for the reminder run (portal/mail/reminders.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select

from portal import periods
from portal.access.notices import is_targeted_store, reaches
from portal.extensions import db
from portal.models import (
    ActionStatus,
    CorrectiveAction,
    Dealer,
    DealerStatus,
    Notice,
    NoticeExecution,
    NoticeKind,
    NoticeReceipt,
    NoticeStatus,
    SalesPlan,
    Store,
    StoreReport,
    StoreStatus,
)

BEFORE, ON_THE_DAY, OVERDUE = "before", "on_the_day", "overdue"


@dataclass(frozen=True)
class Item:
    """One thing a dealer owes, with when it is due and where it is done."""

    kind: str  # the dealer's reminder: plan_due, report_due, action_due, notice_due, …
    key: str  # stable: "plan:12:2099-12"
    dealer_id: int
    due: date
    link: str
    params: dict[str, Any]
    stages: tuple[str, ...] = (BEFORE, ON_THE_DAY, OVERDUE)
    escalates: bool = True
    days_before: int | None = None  # None: MAIL_REMINDER_DAYS_BEFORE


def _horizon(today: date) -> date:
    return today + timedelta(days=int(current_app.config["MAIL_REMINDER_DAYS_BEFORE"]))


def _escalation_horizon(today: date) -> date:
    config = current_app.config
    days = int(config["MAIL_ESCALATE_SUPERVISOR_DAYS"]) + int(config["MAIL_ESCALATE_ADMIN_DAYS"])
    return today - timedelta(days=days + 2)


def plan_items(today: date) -> list[Item]:
    """Plans not submitted yet: this month's (still missing), next month's, and the one after
    (due early in next month when PLAN_DUE_DAY is small)."""
    due_day = int(current_app.config["PLAN_DUE_DAY"])
    current = periods.of(today)
    items = []
    for period in (current, periods.shift(current, 1), periods.shift(current, 2)):
        due = periods.plan_due_date(period, due_day)
        if due > _horizon(today) or due < _escalation_horizon(today):
            continue
        submitted = select(SalesPlan.dealer_id).where(
            SalesPlan.period == period, SalesPlan.first_submitted_at.is_not(None)
        )
        drafts = dict(
            db.session.execute(
                select(SalesPlan.dealer_id, SalesPlan.id).where(SalesPlan.period == period)
            ).all()
        )
        dealer_ids = db.session.scalars(
            select(Dealer.id).where(
                Dealer.active.is_(True),
                Dealer.status == DealerStatus.ACTIVE,
                Dealer.id.not_in(submitted),
            )
        )
        for dealer_id in dealer_ids:
            plan_id = drafts.get(dealer_id)
            link = f"/plans/{plan_id}" if plan_id else "/plans/"
            items.append(
                Item(
                    "plan_due",
                    f"plan:{dealer_id}:{period}",
                    dealer_id,
                    due,
                    link,
                    {"period": period, "staff_link": f"/dealers/{dealer_id}"},
                )
            )
    return items


def report_items(today: date) -> list[Item]:
    """Store reports of the last two months that are not submitted yet."""
    due_days = int(current_app.config["REPORT_DUE_DAYS"])
    current = periods.of(today)
    items = []
    for period in (periods.shift(current, -2), periods.shift(current, -1)):
        due = periods.report_due_date(period, due_days)
        if due > _horizon(today) or due < _escalation_horizon(today):
            continue
        reports = (
            select(StoreReport.id)
            .where(StoreReport.store_id == Store.id, StoreReport.period == period)
            .limit(1)
        )
        submitted = reports.where(StoreReport.first_submitted_at.is_not(None))
        rows = db.session.execute(
            select(Store.id, Store.code, Store.name, Store.dealer_id, reports.scalar_subquery())
            .join(Dealer, Dealer.id == Store.dealer_id)
            .where(
                Store.active.is_(True),
                Store.status == StoreStatus.OPEN,
                Dealer.active.is_(True),
                Dealer.status == DealerStatus.ACTIVE,
                ~exists(submitted),
            )
        ).all()
        for store_id, code, name, dealer_id, report_id in rows:
            items.append(
                Item(
                    "report_due",
                    f"report:{store_id}:{period}",
                    dealer_id,
                    due,
                    f"/reports/{report_id}" if report_id else "/reports/",
                    {
                        "period": period,
                        "store": f"{code} {name}",
                        "staff_link": f"/dealers/{dealer_id}",
                    },
                )
            )
    return items


def action_items(today: date) -> list[Item]:
    """Corrective actions the dealer still has to answer: due soon or overdue."""
    soon = int(current_app.config["MAIL_ACTION_DUE_SOON_DAYS"])
    rows = db.session.execute(
        select(
            CorrectiveAction.id,
            CorrectiveAction.dealer_id,
            CorrectiveAction.due_on,
            Store.code,
            Store.name,
        )
        .join(Store, Store.id == CorrectiveAction.store_id)
        .where(
            CorrectiveAction.status.in_([ActionStatus.OPEN, ActionStatus.REOPENED]),
            CorrectiveAction.due_on <= today + timedelta(days=soon),
            CorrectiveAction.due_on >= _escalation_horizon(today),
        )
    ).all()
    return [
        Item(
            "action_due",
            f"action:{row.id}:{row.due_on.isoformat()}",
            row.dealer_id,
            row.due_on,
            f"/actions/{row.id}",
            {"action": row.id, "store": f"{row.code} {row.name}"},
            stages=(BEFORE, OVERDUE),
            days_before=soon,
        )
        for row in rows
    ]


def notice_items(today: date) -> list[Item]:
    """Published notices a reached dealer has not acknowledged, due within the window."""
    acknowledged = exists().where(
        NoticeReceipt.notice_id == Notice.id,
        NoticeReceipt.dealer_id == Dealer.id,
        NoticeReceipt.version_number == Notice.current_version,
        NoticeReceipt.acknowledged_at.is_not(None),
    )
    rows = db.session.execute(
        select(Notice.id, Notice.title, Notice.acknowledge_due_on, Dealer.id.label("dealer_id"))
        .select_from(Notice)
        .join(Dealer, reaches())
        .where(
            Notice.status == NoticeStatus.PUBLISHED,
            or_(Notice.effective_to.is_(None), Notice.effective_to >= today),
            Notice.acknowledge_due_on.between(today, _horizon(today)),
            ~acknowledged,
        )
    ).all()
    return [
        Item(
            "notice_due",
            f"notice:{row.id}:{row.dealer_id}:{row.acknowledge_due_on.isoformat()}",
            row.dealer_id,
            row.acknowledge_due_on,
            f"/notices/{row.id}",
            {"title": row.title},
            stages=(BEFORE, ON_THE_DAY),
            escalates=False,
        )
        for row in rows
    ]


def execution_items(today: date) -> list[Item]:
    """Promotions whose execution a dealer's targeted stores have not reported yet."""
    reported = exists().where(
        NoticeExecution.notice_id == Notice.id,
        NoticeExecution.store_id == Store.id,
        NoticeExecution.version_number == Notice.current_version,
    )
    rows = db.session.execute(
        select(
            Notice.id,
            Notice.title,
            Notice.execution_deadline,
            Store.dealer_id,
            func.count(Store.id).label("stores"),
        )
        .select_from(Notice)
        .join(Dealer, reaches())
        .join(Store, and_(Store.dealer_id == Dealer.id, is_targeted_store()))
        .where(
            Notice.status == NoticeStatus.PUBLISHED,
            Notice.kind == NoticeKind.PROMOTION,
            Notice.execution_deadline.between(today, _horizon(today)),
            ~reported,
        )
        .group_by(Notice.id, Notice.title, Notice.execution_deadline, Store.dealer_id)
    ).all()
    return [
        Item(
            "execution_due",
            f"execution:{row.id}:{row.dealer_id}:{row.execution_deadline.isoformat()}",
            row.dealer_id,
            row.execution_deadline,
            f"/notices/{row.id}",
            {"title": row.title, "stores": row.stores},
            stages=(BEFORE, ON_THE_DAY),
            escalates=False,
        )
        for row in rows
    ]
