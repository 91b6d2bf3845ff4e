"""Reminders of contracts and qualification documents expiring: 90, 30 and 7 days ahead,
and once expired, to the dealer's users and its region's supervisors, in the portal and by
mail.

The periodic run (RUN_MINUTE past every hour, on the job queue) lists what ends within
CONTRACT_WARNING_DAYS or ended in the last EXPIRED_DAYS, in two queries over the network:
contracts from the dealers' `contract_end` (a copy of the contract in force) and documents
from the end of each dealer's accepted cover per kind. Each stage of an end date is
claimed with an INSERT … ON CONFLICT DO NOTHING on its key (`expiry_reminders`), so only
the run that claimed it tells anyone: twice at once, or every hour, it goes once. A run
that missed days tells the tightest stage reached, not the ones before it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app, g
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock, i18n, notifications
from portal.extensions import db
from portal.jobs import queue_of
from portal.mail import outbox
from portal.metrics import contracts as metrics
from portal.metrics.home import HOME_STATUSES, as_date
from portal.models import (
    Dealer,
    DocumentKind,
    ExpiryReminder,
    Role,
    User,
    supervisor_regions,
)

logger = logging.getLogger(__name__)
RUN_MINUTE = "41"
EXPIRED_DAYS = 30  # an end date further back than this is not told (old records)
CONTRACT_MAIL = "contract_ending"
DOCUMENT_MAIL = "document_expiring"

notifications.register_kind("contract.expiring", _l("The contract of %(dealer)s ends on %(due)s."))
notifications.register_kind("contract.expired", _l("The contract of %(dealer)s ended on %(due)s."))
notifications.register_kind(
    "document.expiring", _l("%(document)s of %(dealer)s expires on %(due)s.")
)
notifications.register_kind(
    "document.expired", _l("%(document)s of %(dealer)s expired on %(due)s.")
)


@dataclass(frozen=True)
class Item:
    """An end date to tell of: a dealer's contract (kind None) or one kind of its documents."""

    dealer_id: int
    dealer: str
    region_id: int
    due: date
    kind_id: int | None = None
    kind: str = ""  # the document kind's English name
    kind_zh: str = ""  # and its Chinese one ("" when it has none)

    def key(self, stage: str) -> str:
        subject = "contract" if self.kind_id is None else f"document:{self.kind_id}"
        return f"{subject}:{self.dealer_id}:{self.due.isoformat()}:{stage}"


def link_of(dealer_id: int) -> str:
    return f"/contracts/dealers/{dealer_id}"


def _window(today: date) -> tuple[date, date]:
    return today - timedelta(days=EXPIRED_DAYS), today + timedelta(
        days=int(current_app.config["CONTRACT_WARNING_DAYS"])
    )


def contract_items(today: date) -> list[Item]:
    first, last = _window(today)
    rows = db.session.execute(
        select(Dealer.id, Dealer.code, Dealer.name, Dealer.region_id, Dealer.contract_end)
        .where(
            Dealer.active.is_(True),
            Dealer.status.in_(HOME_STATUSES),
            Dealer.contract_end.between(first, last),
        )
        .order_by(Dealer.id)
    ).all()
    return [Item(r.id, f"{r.code} {r.name}", r.region_id, r.contract_end) for r in rows]


def document_items(today: date) -> list[Item]:
    first, last = _window(today)
    cover = metrics.accepted_covers(today, (last - today).days).subquery()
    rows = db.session.execute(
        select(
            Dealer.id,
            Dealer.code,
            Dealer.name,
            Dealer.region_id,
            cover.c.ends,
            DocumentKind.id.label("kind_id"),
            DocumentKind.name.label("kind_name"),
            DocumentKind.name_zh,
        )
        .join(Dealer, Dealer.id == cover.c.dealer_id)
        .join(DocumentKind, DocumentKind.id == cover.c.kind_id)
        .where(
            Dealer.active.is_(True),
            Dealer.status.in_(HOME_STATUSES),
            DocumentKind.active.is_(True),
            cover.c.ends >= first,
        )
        .order_by(Dealer.id, DocumentKind.id)
    ).all()
    return [
        Item(
            r.id,
            f"{r.code} {r.name}",
            r.region_id,
            as_date(r.ends),
            r.kind_id,
            r.kind_name,
            r.name_zh or "",
        )
        for r in rows
    ]


def _insert() -> Any:
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


def _claim(item: Item, stage: str) -> bool:
    statement = (
        _insert()(ExpiryReminder)
        .values(
            key=item.key(stage),
            dealer_id=item.dealer_id,
            stage=stage,
            due_on=item.due,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(ExpiryReminder.id)
    )
    return db.session.execute(statement).scalar() is not None


def recipients(item: Item) -> list[User]:
    """The dealer's active users and its region's active supervisors (people, not tokens)."""
    supervisors = select(supervisor_regions.c.user_id).where(
        supervisor_regions.c.region_id == item.region_id
    )
    query = select(User).where(
        User.active.is_(True),
        notifications.people(),
        or_(
            (User.role == Role.DEALER) & (User.dealer_id == item.dealer_id),
            (User.role == Role.SUPERVISOR) & User.id.in_(supervisors.scalar_subquery()),
        ),
    )
    return list(db.session.scalars(query.order_by(User.id)))


def _in_language_of(user: User, item: Item) -> dict[str, Any]:
    """The date and the document kind's name as `user` reads them (the notification keeps
    them as written, and the mail is composed in the same language)."""
    g.setdefault("contract_reminders", True)  # an empty `g` would make force_locale a no-op
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        words: dict[str, Any] = {"due": format_date(item.due, "medium")}
        if item.kind_id is not None:
            words["document"] = i18n.localized(item.kind, item.kind_zh)
    return words


def _tell(item: Item, stage: str, today: date) -> int:
    expired = stage == metrics.EXPIRED
    subject = "contract" if item.kind_id is None else "document"
    kind = f"{subject}.{'expired' if expired else 'expiring'}"
    params: dict[str, Any] = {
        "dealer": item.dealer,
        "days_left": (item.due - today).days,
        "stage": stage,
    }
    users = recipients(item)
    link = link_of(item.dealer_id)
    mail = CONTRACT_MAIL if item.kind_id is None else DOCUMENT_MAIL
    for user in users:
        own = {**params, **_in_language_of(user, item)}
        notifications.notify_users([user], kind, link=link, **own)
        outbox.add(
            user,
            mail,
            key=f"{item.key(stage)}:u{user.id}",
            link=link,
            params={**own, "dealer_id": item.dealer_id, "to_dealer": user.role == Role.DEALER},
        )
    return len(users)


def remind(today: date | None = None) -> int:
    """Tell every stage reached today and not told yet; returns how many were told. Flushes;
    the caller commits."""
    today = today or clock.today()
    told = 0
    for item in [*contract_items(today), *document_items(today)]:
        stage = metrics.stage(item.due, today=today)
        if stage is None or not _claim(item, stage):
            continue
        _tell(item, stage, today)
        told += 1
    db.session.flush()
    if told:
        logger.info("contracts and documents: %d expiry reminders", told)
    return told


def run(app: Flask) -> int:
    """The periodic job: tell the stages reached, commit (which queues the mails)."""
    with app.app_context():
        try:
            told = remind()
            db.session.commit()
            return told
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    """Schedule the run every hour on the app's queue (any worker may take it)."""
    huey = queue_of(app).huey
    huey.periodic_task(crontab(minute=RUN_MINUTE), name="contracts.reminders")(lambda: run(app))
