"""Job rows: create (one unfinished job per key), claim atomically, beat, finish, fail.

`create`, `heartbeat`, `finish` and `fail` flush and leave the commit to the caller;
`claim` is a single conditional UPDATE that commits, so two workers never both run a job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.logs import current_request_id
from portal.models import Job, JobState, User
from portal.models.base import utcnow
from portal.models.jobs import UNFINISHED

ERROR_MAX = 500


def create(
    kind: str,
    *,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
    started_by: User | None = None,
    total: int = 0,
) -> tuple[Job, bool]:
    """A new queued job, or the unfinished job with the same key: (job, created). Flushes."""
    if key is not None:
        existing = unfinished(key)
        if existing is not None:
            return existing, False
    job = Job(
        kind=kind,
        key=key,
        payload=dict(payload or {}),
        total=total,
        started_by_id=started_by.id if started_by is not None else None,
        request_id=current_request_id()[:40],
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:  # another request created it a moment ago
        existing = unfinished(key) if key is not None else None
        if existing is None:
            raise
        return existing, False
    return job, True


def unfinished(key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.key == key, Job.state.in_(UNFINISHED)))


def stale_before() -> Any:
    return utcnow() - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def claim(job_id: int) -> Job | None:
    """Mark a queued job (or a running one whose worker stopped beating) as running by us.

    None when it is finished or another live worker runs it. Commits.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                Job.state == JobState.QUEUED,
                (Job.state == JobState.RUNNING)
                & or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before()),
            ),
        )
        .values(state=JobState.RUNNING, attempts=Job.attempts + 1, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    job = db.session.get(Job, job_id)
    if job is not None and job.started_at is None:
        job.started_at = now
    return job


def release(job_id: int) -> None:
    """Give a running job back to the queue (it waits for a render slot). Flushes."""
    job = db.session.get(Job, job_id)
    if job is not None and job.state == JobState.RUNNING:
        job.state, job.heartbeat_at = JobState.QUEUED, utcnow()
        db.session.flush()


def heartbeat(job: Job, *, done: int | None = None, total: int | None = None) -> None:
    """Progress, and a sign of life for the sweep. Flushes."""
    if done is not None:
        job.done = done
    if total is not None:
        job.total = total
    job.heartbeat_at = utcnow()
    db.session.flush()


def finish(job: Job, result: dict[str, Any] | None = None) -> None:
    job.state, job.finished_at = JobState.DONE, utcnow()
    job.result = result
    job.error = ""
    db.session.flush()


def fail(job: Job, error: BaseException | str, *, final: bool = True) -> None:
    """Record an error: failed for good, or queued again for a retry. Flushes.

    The text names the error's type only: messages may carry data the reader must not see.
    """
    text = error if isinstance(error, str) else type(error).__name__
    job.error = text[:ERROR_MAX]
    if final:
        job.state, job.finished_at = JobState.FAILED, utcnow()
    else:
        job.state = JobState.QUEUED
    db.session.flush()
