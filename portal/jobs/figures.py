"""The dealer figures' refresh on the queue (`portal.metrics.upkeep` states the rule).

`figures.refresh` recomputes every row that is not current: it runs every
FIGURES_REFRESH_MINUTES on the workers (time-driven changes: a plan falling due, an action
becoming overdue, a new month), when a worker starts (rows left behind while none ran), and
right after a commit that marked many dealers' rows stale (a notice to a whole region).
Any number of workers may run it at once: each dealer is recomputed under its lock, and a
row another worker brought up to date meanwhile is skipped.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from huey import crontab
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs.queue import Queue
from portal.metrics import touched, upkeep

logger = logging.getLogger(__name__)
REFRESH = "figures.refresh"
PRIORITY = 50  # ahead of renders and exports: a figure waiting behind them would be stale


def init_app(app: Flask, queue: Queue) -> None:
    """Register the refresh task, its schedule and its start-up run on the app's queue."""
    huey = queue.huey
    minutes = max(1, int(app.config["FIGURES_REFRESH_MINUTES"]))
    app.extensions[REFRESH] = huey.task(name=REFRESH, priority=PRIORITY)(lambda: run(app))
    huey.periodic_task(crontab(minute=f"*/{minutes}"), name="figures.tick", priority=PRIORITY)(
        lambda: run(app)
    )
    huey.on_startup(name="figures.startup")(lambda: run(app))


def run(app: Flask) -> int:
    """Recompute the rows that are not current; returns how many were written."""
    with app.app_context():
        try:
            return upkeep.refresh_stale()
        finally:
            db.session.remove()


def wake_after_commit(session: Session) -> None:
    """After a commit that marked rows stale: ask a worker to refresh them now."""
    if not session.info.pop(touched.WAKE, False) or not has_app_context():
        return
    task = current_app.extensions.get(REFRESH)
    if task is None:
        return
    try:
        task()
    except Exception:  # the periodic run takes them within FIGURES_REFRESH_MINUTES anyway
        logger.exception("could not wake the figures refresh")
