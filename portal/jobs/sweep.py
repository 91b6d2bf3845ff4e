"""Jobs whose worker died are queued again: run at consumer start-up and every minute.

A running job that has not beaten for JOB_STALE_SECONDS lost its worker (a kill, a
restart, a crash); a queued job that long in waiting may never have reached the queue
(the web process stopped between its commit and the enqueue). Both are put on the queue
again; the atomic claim (portal/jobs/records.py) makes a second copy harmless.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs import records
from portal.models import Job, JobState
from portal.models.base import utcnow
from portal.models.jobs import UNFINISHED

logger = logging.getLogger(__name__)


def stale_jobs() -> list[Job]:
    return list(
        db.session.scalars(
            select(Job)
            .where(
                Job.state.in_(UNFINISHED),
                func.coalesce(Job.heartbeat_at, Job.created_at) < records.stale_before(),
            )
            .order_by(Job.id)
        )
    )


def run(app: Flask) -> int:
    """Queue stale jobs again; returns how many."""
    from portal.jobs.queue import enqueue, queue_of

    with app.app_context():
        try:
            kinds = queue_of(app).wrappers
            again = [job for job in stale_jobs() if job.kind in kinds]
            for job in again:
                if job.state == JobState.QUEUED:
                    job.heartbeat_at = utcnow()  # re-enqueued once per stale period
            db.session.commit()
            for job in again:
                logger.warning("job %s (%s) was stale: queued again", job.id, job.kind)
                enqueue(job.kind, job.id)
            return len(again)
        finally:
            db.session.remove()
