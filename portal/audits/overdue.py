"""Corrective actions becoming overdue: an hourly job logs `action.overdue`, once per action
and due date, which is what webhooks subscribed to `action.overdue` receive.

An action is overdue once its due date has passed and it is not verified (`is_overdue`);
nothing happens to the action at that moment, so no page writes anything then. The run
finds the actions overdue but not yet noted for their current due date, notes that date on
them and logs one entry each. Noting is one UPDATE … WHERE the date differs … RETURNING:
two runs at once (two workers, a retried job) cannot both note the same action, since the
second UPDATE waits for the first's row lock (PostgreSQL) or write lock (SQLite) and then
finds the date already set. A reopened action gets a new due date, so it is reported
again if that date passes too.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import Flask
from huey import crontab
from sqlalchemy import or_, select, update

from portal import activity, clock
from portal.extensions import db
from portal.jobs import queue_of
from portal.models import ActionStatus, CorrectiveAction

logger = logging.getLogger(__name__)
ACTION = "action.overdue"
CHUNK = 500
RUN_MINUTE = "5"  # past every hour: an action is reported within the hour its date passes


def note_overdue(today: date | None = None) -> int:
    """Log `action.overdue` for each action newly overdue (flushes; the caller commits)."""
    today = today or clock.today()
    table = CorrectiveAction.__table__
    noted = db.session.execute(
        update(table)
        .where(
            table.c.status != ActionStatus.VERIFIED,
            table.c.due_on < today,
            or_(table.c.overdue_noted_on.is_(None), table.c.overdue_noted_on != table.c.due_on),
        )
        # A bookkeeping mark: the action itself did not change (no new version or time).
        .values(overdue_noted_on=table.c.due_on, updated_at=table.c.updated_at)
        .returning(table.c.id)
    )
    ids = sorted(row.id for row in noted)
    for start in range(0, len(ids), CHUNK):
        actions = db.session.scalars(
            select(CorrectiveAction)
            .where(CorrectiveAction.id.in_(ids[start : start + CHUNK]))
            .order_by(CorrectiveAction.id)
            .execution_options(populate_existing=True)
        )
        for action in actions:
            details = {
                "dealer_id": action.dealer_id,
                "store_id": action.store_id,
                "due_on": action.due_on,
                "critical": action.critical,
            }
            activity.record(ACTION, action, details=details)
    db.session.flush()
    return len(ids)


def run(app: Flask) -> int:
    """The periodic job: note, commit (the commit queues the webhook deliveries)."""
    with app.app_context():
        try:
            count = note_overdue()
            db.session.commit()
            return count
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    """Schedule the run every hour on the app's queue (any worker may take it)."""
    huey = queue_of(app).huey
    huey.periodic_task(crontab(minute=RUN_MINUTE), name="actions.overdue")(lambda: run(app))
