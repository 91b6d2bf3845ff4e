"""Escalating late complaints: a periodic run on the queue sends each escalation once.

For every running target (`portal.complaints.deadlines`): at 75 % the handler is reminded
(forwarding: the dealer's users; resolution: the region's after-sales contact and the
dealer's users), at 100 % the region's supervisors are told, at 200 % the admins. Each is an
in-app notification and a mail, sent once per complaint, target, level and cycle: the
`complaint_alerts` row is inserted first (ON CONFLICT DO NOTHING … RETURNING), and only the
run that inserted it sends, in the same transaction. Two workers, a retried job or a run
that overlaps the next cannot send it twice.

Each complaint keeps its next escalation instant (`next_alert_at`, indexed), so a run reads
only the complaints with something due: an escalation is sent within COMPLAINT_ALERT_MINUTES
of its instant.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock, notifications
from portal.complaints import deadlines
from portal.complaints.deadlines import Calendars, Point
from portal.extensions import db
from portal.jobs import queue_of
from portal.mail import outbox
from portal.models import (
    AlertLevel,
    Complaint,
    ComplaintAlert,
    Role,
    Target,
    User,
    supervisor_regions,
)

logger = logging.getLogger(__name__)
CHUNK = 200
MAIL_KINDS = {  # the handler's reminder may be chosen off; staff escalations never
    AlertLevel.REMIND: "complaint_alert",
    AlertLevel.SUPERVISOR: "complaint_escalation",
    AlertLevel.ADMIN: "complaint_escalation",
}

NOTICE_KINDS = {
    (Target.FORWARD, AlertLevel.REMIND): "complaint.forward_soon",
    (Target.FORWARD, AlertLevel.SUPERVISOR): "complaint.forward_late",
    (Target.FORWARD, AlertLevel.ADMIN): "complaint.forward_very_late",
    (Target.RESOLVE, AlertLevel.REMIND): "complaint.resolve_soon",
    (Target.RESOLVE, AlertLevel.SUPERVISOR): "complaint.resolve_late",
    (Target.RESOLVE, AlertLevel.ADMIN): "complaint.resolve_very_late",
}
MESSAGES = {
    "complaint.forward_soon": _l(
        "Complaint %(reference)s at %(store)s must reach after-sales by %(due)s."
    ),
    "complaint.forward_late": _l(
        "Complaint %(reference)s at %(store)s (%(dealer)s) was not forwarded to after-sales "
        "by %(due)s."
    ),
    "complaint.forward_very_late": _l(
        "Complaint %(reference)s at %(store)s (%(dealer)s) is still not forwarded: it was "
        "due by %(due)s."
    ),
    "complaint.resolve_soon": _l(
        "Complaint %(reference)s at %(store)s is to be resolved by %(due)s."
    ),
    "complaint.resolve_late": _l(
        "Complaint %(reference)s at %(store)s (%(dealer)s) was not resolved by %(due)s."
    ),
    "complaint.resolve_very_late": _l(
        "Complaint %(reference)s at %(store)s (%(dealer)s) is still not resolved: it was due "
        "by %(due)s."
    ),
}
for _kind, _message in MESSAGES.items():
    notifications.register_kind(_kind, _message)


def sent_alerts(complaint: Complaint) -> set[tuple[Target, AlertLevel]]:
    rows = db.session.execute(
        select(ComplaintAlert.target, ComplaintAlert.level).where(
            ComplaintAlert.complaint_id == complaint.id,
            ComplaintAlert.cycle == complaint.cycle,
        )
    )
    return {(row.target, row.level) for row in rows}


def next_unsent(complaint: Complaint, calendars: Calendars) -> datetime | None:
    sent = sent_alerts(complaint) if complaint.id is not None else set()
    return deadlines.next_alert(complaint, calendars.of(complaint), sent=sent)


def run_due(now: datetime | None = None) -> int:
    """Send the escalations due by `now`; returns how many were sent. Flushes, and commits
    nothing: the caller commits (which queues their mails)."""
    now = now or clock.now()
    calendars = Calendars()
    sent = 0
    after_id = 0
    while True:
        query = (
            select(Complaint)
            .where(Complaint.next_alert_at <= now, Complaint.id > after_id)
            .order_by(Complaint.id)
            .limit(CHUNK)
        )
        batch = list(db.session.scalars(query))
        if not batch:
            return sent
        for complaint in batch:
            sent += _escalate(complaint, calendars, now)
        after_id = batch[-1].id
        db.session.flush()


def _escalate(complaint: Complaint, calendars: Calendars, now: datetime) -> int:
    calendar = calendars.of(complaint)
    count = 0
    for point in deadlines.points(complaint, calendar):
        if point.at > now:
            break
        if _claim(complaint, point):
            _send(complaint, point)
            count += 1
    following = deadlines.next_alert(complaint, calendar, sent=sent_alerts(complaint))
    # A bookkeeping mark: the complaint itself did not change (no new version or time).
    table = Complaint.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == complaint.id)
        .values(next_alert_at=following, updated_at=table.c.updated_at)
    )
    return count


def _claim(complaint: Complaint, point: Point) -> bool:
    """Insert the escalation's row; False when it was already sent (by any run)."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    row = {
        "complaint_id": complaint.id,
        "target": point.target,
        "level": point.level,
        "cycle": complaint.cycle,
        "due_at": point.at,
        "sent_at": clock.now(),
    }
    statement = (
        insert(ComplaintAlert)
        .values(row)
        .on_conflict_do_nothing(index_elements=["complaint_id", "target", "level", "cycle"])
        .returning(ComplaintAlert.id)
    )
    return db.session.execute(statement).scalar() is not None


def recipients(complaint: Complaint, point: Point) -> list[User]:
    """Who hears of one escalation."""
    if point.level == AlertLevel.ADMIN:
        query = select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    elif point.level == AlertLevel.SUPERVISOR:
        query = (
            select(User)
            .join(supervisor_regions, supervisor_regions.c.user_id == User.id)
            .where(
                supervisor_regions.c.region_id == complaint.region_id,
                User.role == Role.SUPERVISOR,
                User.active.is_(True),
            )
        )
    else:
        query = select(User).where(
            User.dealer_id == complaint.dealer_id,
            User.role == Role.DEALER,
            User.active.is_(True),
        )
    users = list(db.session.scalars(query.where(notifications.people()).order_by(User.id)))
    handler = complaint.region.after_sales_user
    if (
        point.level == AlertLevel.REMIND
        and point.target == Target.RESOLVE
        and handler is not None
        and handler.active
        and handler not in users
    ):
        users.append(handler)
    return users


def _send(complaint: Complaint, point: Point) -> None:
    kind = NOTICE_KINDS[(point.target, point.level)]
    due = complaint.forward_due_at if point.target == Target.FORWARD else complaint.resolve_due_at
    params = {
        "reference": complaint.reference,
        "store": complaint.store.name,
        "dealer": f"{complaint.dealer.code} {complaint.dealer.name}",
        "due": _local(complaint, due),
    }
    link = f"/complaints/{complaint.id}"
    users = recipients(complaint, point)
    notifications.notify_users(users, kind, link=link, **params)
    mail_params = {**params, "notice": kind, "dealer_id": complaint.dealer_id}
    for user in users:
        key = f"complaint:{complaint.id}:{point.target}:{point.level}:{complaint.cycle}:{user.id}"
        outbox.add(user, MAIL_KINDS[point.level], key=key, link=link, params=mail_params)
    logger.info(
        "complaint %s: %s %s escalation sent to %d",
        complaint.id,
        point.target,
        point.level,
        len(users),
    )


def _local(complaint: Complaint, instant: datetime) -> str:
    """The instant in the region's time, as a string a notice can carry."""
    zone = deadlines.zone_of(complaint.region.timezone)
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def run(app: Flask) -> int:
    """The periodic job: send, commit (the commit wakes a worker to mail them)."""
    with app.app_context():
        try:
            count = run_due()
            db.session.commit()
            return count
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    """Schedule the run every COMPLAINT_ALERT_MINUTES on the app's queue."""
    minutes = max(1, int(app.config.get("COMPLAINT_ALERT_MINUTES", 5)))
    huey = queue_of(app).huey
    huey.periodic_task(crontab(minute=f"*/{minutes}"), name="complaints.escalate")(lambda: run(app))
