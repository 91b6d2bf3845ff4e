"""Collection follow-up: overdue invoices become tasks for the dealer's supervisors; each
contact is logged with the date the dealer promised to pay; a broken promise escalates to
the admins.

The periodic run (RUN_MINUTE past every hour, on the job queue) does both sweeps; each is
safe to run twice at once. A task is opened with an INSERT … ON CONFLICT DO NOTHING on its
invoice, and an escalation claims its task with a guarded UPDATE (status still promised,
the same promise date), so only the run that claimed it sends the mail.

"When collection fails, escalate" is the explicit step `escalate_broken`: a promise whose
day has passed with the invoice still open is broken.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import Flask
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal import activity, clock, notifications
from portal.extensions import db
from portal.jobs import queue_of
from portal.mail import outbox
from portal.models import (
    CollectionContact,
    CollectionTask,
    ContactKind,
    Invoice,
    Role,
    TaskStatus,
    User,
)
from portal.receivables.services import ReceivablesError

logger = logging.getLogger(__name__)
CHUNK = 500
RUN_MINUTE = "23"
MAIL_KIND = "collection_escalation"

notifications.register_kind(
    "collection.opened",
    _l("Invoice %(number)s of %(dealer)s is overdue: a collection task is waiting."),
)
notifications.register_kind(
    "collection.broken",
    _l("%(dealer)s did not pay invoice %(number)s by %(promise)s as promised."),
)


def link_of(task: CollectionTask) -> str:
    return f"/receivables/collections/{task.id}"


def _insert():
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


def open_tasks(as_of: date | None = None, *, notify: bool = True) -> int:
    """A task for every open invoice past its due date that has none; returns how many were
    opened. Flushes; the caller commits."""
    as_of = as_of or clock.today()
    opened = 0
    after_id = 0
    now = clock.now()
    while True:
        query = (
            select(Invoice.id, Invoice.dealer_id)
            .where(
                Invoice.settled.is_(False),
                Invoice.due_on < as_of,
                Invoice.id > after_id,
                ~exists().where(CollectionTask.invoice_id == Invoice.id),
            )
            .order_by(Invoice.id)
            .limit(CHUNK)
        )
        batch = db.session.execute(query).all()
        if not batch:
            return opened
        for invoice_id, dealer_id in batch:
            statement = (
                _insert()(CollectionTask)
                .values(
                    invoice_id=invoice_id,
                    dealer_id=dealer_id,
                    status=TaskStatus.OPEN,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
                .on_conflict_do_nothing(index_elements=["invoice_id"])
                .returning(CollectionTask.id)
            )
            task_id = db.session.execute(statement).scalar()
            if task_id is None:
                continue
            opened += 1
            if notify:
                task = db.session.get(CollectionTask, task_id)
                notifications.notify_supervisors_of(
                    dealer_id,
                    "collection.opened",
                    link=link_of(task),
                    number=task.invoice.number,
                    dealer=f"{task.dealer.code} {task.dealer.name}",
                )
        after_id = batch[-1][0]
        db.session.flush()


def log_contact(
    task: CollectionTask,
    *,
    kind: ContactKind,
    contacted_on: date,
    promise_on: date | None,
    note: str,
    actor: User,
) -> CollectionContact:
    """One call, visit or letter; a promise to pay makes the task wait for that day."""
    today = clock.today()
    if task.status == TaskStatus.CLOSED:
        raise ReceivablesError(_l("The invoice is paid: nothing to collect."))
    if contacted_on > today:
        raise ReceivablesError(_l("The contact cannot be in the future."), "contacted_on")
    if promise_on is not None and promise_on < contacted_on:
        raise ReceivablesError(_l("The promised day is before the contact."), "promise_on")
    contact = CollectionContact(
        task_id=task.id,
        kind=kind,
        contacted_on=contacted_on,
        promise_on=promise_on,
        note=note,
        by_id=actor.id,
    )
    db.session.add(contact)
    if promise_on is not None:
        task.status = TaskStatus.PROMISED
        task.promise_on = promise_on
    task.updated_at = clock.now()  # a new version, so that a stale form elsewhere notices
    db.session.flush()
    activity.record(
        "collection.contact",
        task.dealer,
        details={
            "invoice": task.invoice.number,
            "contact": kind.value,
            "promise_on": promise_on.isoformat() if promise_on else None,
        },
        actor=actor,
    )
    return contact


def escalate_broken(as_of: date | None = None) -> int:
    """Escalate every task whose promised day has passed with the invoice still open: the
    admins are told in the portal and by mail, once per promise. Returns how many."""
    as_of = as_of or clock.today()
    query = (
        select(CollectionTask.id, CollectionTask.promise_on)
        .join(Invoice, Invoice.id == CollectionTask.invoice_id)
        .where(
            CollectionTask.status == TaskStatus.PROMISED,
            CollectionTask.promise_on < as_of,
            Invoice.settled.is_(False),
        )
        .order_by(CollectionTask.id)
    )
    escalated = 0
    for task_id, promise_on in db.session.execute(query).all():
        if _claim(task_id, promise_on):
            _send(db.session.get(CollectionTask, task_id))
            escalated += 1
    return escalated


def _claim(task_id: int, promise_on: date) -> bool:
    table = CollectionTask.__table__
    result = db.session.execute(
        update(table)
        .where(
            table.c.id == task_id,
            table.c.status == TaskStatus.PROMISED.value,
            table.c.promise_on == promise_on,
        )
        .values(
            status=TaskStatus.ESCALATED.value,
            escalated_at=clock.now(),
            updated_at=clock.now(),
            version=table.c.version + 1,
        )
    )
    return result.rowcount == 1


def admins() -> list[User]:
    query = select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    return list(db.session.scalars(query.where(notifications.people()).order_by(User.id)))


def _send(task: CollectionTask) -> None:
    db.session.refresh(task)
    invoice = task.invoice
    params = {
        "number": invoice.number,
        "dealer": f"{task.dealer.code} {task.dealer.name}",
        "promise": task.promise_on.isoformat() if task.promise_on else "",
        "due": invoice.due_on.isoformat(),
        "open": invoice.open_minor,
    }
    link = link_of(task)
    users = admins()
    notifications.notify_users(users, "collection.broken", link=link, **params)
    for user in users:
        key = f"collection:{task.id}:{params['promise']}:{user.id}"
        outbox.add(
            user, MAIL_KIND, key=key, link=link, params={**params, "dealer_id": task.dealer_id}
        )
    activity.record(
        "collection.escalate",
        task.dealer,
        details={"invoice": invoice.number, "promise_on": params["promise"]},
    )
    logger.info("collection task %s: broken promise escalated to %d", task.id, len(users))


def run(app: Flask) -> tuple[int, int]:
    """The periodic job: open tasks, escalate broken promises, commit (which queues the
    mails)."""
    with app.app_context():
        try:
            result = open_tasks(), escalate_broken()
            db.session.commit()
            return result
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    """Schedule the run every hour on the app's queue (any worker may take it)."""
    huey = queue_of(app).huey
    huey.periodic_task(crontab(minute=RUN_MINUTE), name="receivables.collections")(lambda: run(app))
