"""Mail on the job queue: a `mail.deliver` task woken after every commit that added mail, a
tick every minute for retries and digests, and the reminder run every hour of the day from
MAIL_REMINDER_HOUR (UTC). Any number of workers may run them at once: rows are claimed
atomically and every reminder has a unique key.

The outgoing-mail rows are these tasks' visible records (state, tries, error, next try), so
the tasks keep no `jobs` rows of their own.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import crontab
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs.queue import queue_of
from portal.mail import delivery, outbox

logger = logging.getLogger(__name__)
DELIVER = "mail.deliver"


def init_app(app: Flask) -> None:
    """Register the mail tasks on the app's queue and the hooks that wake them."""
    from portal.mail import builders, events, reminders  # noqa: F401  (kinds' context)

    huey = queue_of(app).huey
    deliver = huey.task(name=DELIVER)(lambda: run_delivery(app))
    huey.periodic_task(crontab(minute="*"), name="mail.tick")(lambda: run_delivery(app))
    hours = f"{int(app.config['MAIL_REMINDER_HOUR'])}-23"
    minute = str(int(app.config["MAIL_REMINDER_MINUTE"]))
    huey.periodic_task(crontab(hour=hours, minute=minute), name="mail.reminders")(
        lambda: run_reminders(app)
    )
    app.extensions["mail.deliver"] = deliver
    # The same run on demand (`flask --app app mail-reminders --queue`, the live drill).
    app.extensions["mail.remind"] = huey.task(name="mail.remind")(lambda: run_reminders(app))
    reminders.init_app(app)
    # The session hooks (events.mail_notifications, wake_after_commit, forget_wake) are
    # registered with every other listener by portal/events.py.


def wake(app: Flask | None = None, *, delay: float | None = None) -> None:
    """Ask a worker to deliver now (or after `delay` seconds)."""
    task = (app or current_app).extensions["mail.deliver"]
    if delay:
        task.schedule(delay=delay)
    else:
        task()


def wake_after_commit(session: Session) -> None:
    """After a commit that added mail: ask a worker to deliver it now."""
    if not session.info.pop(outbox.WAKE, False) or not has_app_context():
        return
    if "mail.deliver" not in current_app.extensions:
        return
    try:
        wake()
    except Exception:  # the tick delivers within a minute anyway
        logger.exception("could not wake a mail worker")


def forget_wake(session: Session) -> None:
    session.info.pop(outbox.WAKE, None)


def run_delivery(app: Flask) -> delivery.Tally:
    with app.app_context():
        try:
            if not outbox.enabled():
                return delivery.Tally()
            delivery.prepare()
            tally = delivery.deliver_due()
            if tally.retry_in:  # come back when the first retry is due
                wake(app, delay=min(tally.retry_in))
            return tally
        finally:
            db.session.remove()


def run_reminders(app: Flask) -> Any:
    from portal.mail import reminders

    with app.app_context():
        try:
            if not outbox.enabled():
                return None
            result = reminders.run()
            db.session.commit()
            return result
        finally:
            db.session.remove()
