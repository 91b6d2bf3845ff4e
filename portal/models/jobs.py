"""Background jobs: one row per job the queue runs, read by the page that started it.

The queue (Huey, portal/jobs/) carries only a job's id; everything a page shows — state,
progress, error — and everything needed to run the job again after a crash lives here.
`RenderSlot` rows are the global cap on concurrent renders (portal/jobs/slots.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import LabelledEnum, UTCDateTime, register_labels, str_enum, utcnow

if TYPE_CHECKING:
    from portal.models.users import User


class JobState(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


register_labels(
    JobState,
    {
        JobState.QUEUED: _l("Queued"),
        JobState.RUNNING: _l("Running"),
        JobState.DONE: _l("Done"),
        JobState.FAILED: _l("Failed"),
    },
)

UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


class Job(db.Model):
    """One unit of background work: what it is, how far it got, who asked for it."""

    __tablename__ = "jobs"
    __table_args__ = (
        # At most one unfinished job per key: a duplicate request joins the running job.
        Index(
            "uq_jobs_unfinished_key",
            "key",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[JobState] = mapped_column(
        str_enum(JobState, "job_state"), default=JobState.QUEUED, index=True
    )
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    request_id: Mapped[str] = mapped_column(String(40), default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last sign of life of whoever runs it: a running job that stops beating for longer
    # than JOB_STALE_SECONDS lost its worker and is queued again (portal/jobs/sweep.py).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    started_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        if self.total:
            return min(100, 100 * self.done // self.total)
        return 100 if self.state == JobState.DONE else 0

    def __str__(self) -> str:
        return f"job {self.id} ({self.kind})"


class RenderSlot(db.Model):
    """One of RENDER_SLOTS permits to render; held by one worker until `held_until`."""

    __tablename__ = "render_slots"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(80))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
