"""The reminder run: what is due soon, due today or overdue, mailed before it is late; what
stays overdue, escalated to the region's supervisors and then to the admins.

Each source lists open items with their due date over the whole network in a few queries.
Each item has stages, and each stage is one mail per recipient whose key holds the item,
the stage's day and the recipient: the run may go every hour and on every worker, and no one
gets the same reminder twice.

- before: MAIL_REMINDER_DAYS_BEFORE days ahead (corrective actions:
  MAIL_ACTION_DUE_SOON_DAYS), sent on any day from then until the due date;
- on the day: the due date itself (plans, reports, notices, promotion executions);
- overdue: the first run after the due date (plans, reports, corrective actions);
- escalation: still overdue MAIL_ESCALATE_SUPERVISOR_DAYS after the overdue reminder, to the
  supervisors of the dealer's region; MAIL_ESCALATE_ADMIN_DAYS later still, to the admins;
- contracts and qualification documents expiring are told by portal/contracts/reminders.py.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.mail import outbox
from portal.mail.sources import (
    BEFORE,
    ON_THE_DAY,
    OVERDUE,
    Item,
    action_items,
    execution_items,
    notice_items,
    plan_items,
    report_items,
)
from portal.models import Dealer, DealerStatus, Role, User, supervisor_regions


@dataclass
class Result:
    items: int = 0
    reminders: int = 0
    escalations: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def mails(self) -> int:
        return self.reminders + self.escalations


def init_app(app: Flask) -> None:
    """The run is scheduled by portal/mail/queue.py; nothing to register here."""


def run(today: date | None = None) -> Result:
    """Queue today's reminders and escalations (keys make it idempotent). The caller commits;
    the commit wakes a worker to route and send them."""
    started = time.perf_counter()
    today = today or clock.today()
    config = current_app.config
    items = [
        *plan_items(today),
        *report_items(today),
        *action_items(today),
        *notice_items(today),
        *execution_items(today),
    ]
    dealers = _dealers({item.dealer_id for item in items})
    items = [item for item in items if item.dealer_id in dealers]
    result = Result(items=len(items))
    rows: list[dict[str, Any]] = []
    users = _dealer_users(dealers)
    supervisors = _supervisors({d["region_id"] for d in dealers.values()})
    admins = _admins()
    before_default = int(config["MAIL_REMINDER_DAYS_BEFORE"])
    to_supervisor = int(config["MAIL_ESCALATE_SUPERVISOR_DAYS"])
    to_admin = to_supervisor + int(config["MAIL_ESCALATE_ADMIN_DAYS"])
    for item in items:
        dealer = dealers[item.dealer_id]
        own = {k: v for k, v in item.params.items() if k != "staff_link"}
        params = {**own, "dealer_id": item.dealer_id, "dealer": dealer["label"]}
        params["due"] = item.due.isoformat()
        stage = _stage(item, today, before_default)
        if stage is not None:
            name, day = stage
            for user_id in users.get(item.dealer_id, ()):
                rows.append(
                    _row(item.kind, f"{item.key}:{name}:{day}", user_id, item.link, params, name)
                )
                result.reminders += 1
                result.by_kind[item.kind] = result.by_kind.get(item.kind, 0) + 1
        if not item.escalates or today <= item.due:
            continue
        overdue_days = (today - item.due).days - 1  # days since the overdue reminder
        escalated = {**params, "item_kind": item.kind, "days_overdue": (today - item.due).days}
        staff: list[tuple[str, int]] = []
        if overdue_days >= to_supervisor:
            staff += [("supervisor", uid) for uid in supervisors.get(dealer["region_id"], ())]
        if overdue_days >= to_admin:
            staff += [("admin", uid) for uid in admins]
        for level, user_id in staff:
            link = item.params.get("staff_link") or item.link
            rows.append(_row("escalation", f"{item.key}:{level}", user_id, link, escalated, level))
            result.escalations += 1
    outbox.add_many(rows)
    result.seconds = time.perf_counter() - started
    return result


def _row(
    kind: str, key: str, user_id: int, link: str, params: dict[str, Any], stage: str
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "kind": kind,
        "key": f"{kind}:{key}:u{user_id}"[:200],
        "link": link,
        "params": {**params, "stage": stage},
    }


def _stage(item: Item, today: date, before_default: int) -> tuple[str, date] | None:
    """The stage an item is in today, with the day that names it (its key)."""
    before = item.days_before if item.days_before is not None else before_default
    if today > item.due:
        return (OVERDUE, item.due + timedelta(days=1)) if OVERDUE in item.stages else None
    if today == item.due and ON_THE_DAY in item.stages:
        return ON_THE_DAY, item.due
    start = item.due - timedelta(days=before)
    if (
        start <= today
        and BEFORE in item.stages
        and (today < item.due or ON_THE_DAY not in item.stages)
    ):
        return BEFORE, start
    return None


# Recipients


def _dealers(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Trading dealers (users of suspended dealers may change nothing: no reminders)."""
    found: dict[int, dict[str, Any]] = {}
    ids = list(ids)
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            select(Dealer.id, Dealer.code, Dealer.name, Dealer.region_id).where(
                Dealer.id.in_(ids[start : start + 1000]),
                Dealer.active.is_(True),
                Dealer.status == DealerStatus.ACTIVE,
            )
        )
        found |= {
            row.id: {"label": f"{row.code} {row.name}", "region_id": row.region_id} for row in rows
        }
    return found


def _dealer_users(dealers: dict[int, Any]) -> dict[int, list[int]]:
    users: dict[int, list[int]] = defaultdict(list)
    ids = list(dealers)
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            select(User.dealer_id, User.id).where(
                User.dealer_id.in_(ids[start : start + 1000]),
                User.active.is_(True),
                User.role == Role.DEALER,
            )
        )
        for row in rows:
            users[row.dealer_id].append(row.id)
    return users


def _supervisors(region_ids: set[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(supervisor_regions.c.region_id, User.id)
        .join(User, User.id == supervisor_regions.c.user_id)
        .where(
            supervisor_regions.c.region_id.in_(list(region_ids)),
            User.active.is_(True),
            User.role == Role.SUPERVISOR,
        )
    )
    for row in rows:
        found[row.region_id].append(row.id)
    return found


def _admins() -> list[int]:
    return list(
        db.session.scalars(select(User.id).where(User.active.is_(True), User.role == Role.ADMIN))
    )
