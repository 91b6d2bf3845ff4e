"""Dealer files: every issued PDF dossier (archived with its hash) and region exports."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.jobs import Job, JobState

if TYPE_CHECKING:
    from portal.models.network import Dealer, Region
    from portal.models.users import User


class DealerFile(db.Model):
    """One issued dealer file, kept exactly as issued (bytes in storage, hash here)."""

    __tablename__ = "dealer_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(60), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A hash over what the file shows (see portal/dossiers/archive.py): equal means reusable.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    size: Mapped[int]
    pages: Mapped[int]
    locale: Mapped[str] = mapped_column(String(10), default="en")

    dealer: Mapped[Dealer] = relationship()
    issued_by: Mapped[User | None] = relationship()

    @property
    def filename(self) -> str:
        return f"{self.document_id}.pdf"

    def __str__(self) -> str:
        return self.document_id


# A region export's state is its job's (portal/models/jobs.py).
ExportStatus = JobState


class ExportJob(db.Model):
    """A region's dealer files as one ZIP; its state and progress live in its `Job`."""

    __tablename__ = "dossier_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    requested_by: Mapped[User] = relationship()
    job: Mapped[Job] = relationship(lazy="joined")

    @property
    def status(self) -> JobState:
        return self.job.state

    @property
    def done(self) -> int:
        return self.job.done

    @property
    def total(self) -> int:
        return self.job.total

    @property
    def finished(self) -> bool:
        return self.job.finished

    @property
    def percent(self) -> int:
        return self.job.percent

    def __str__(self) -> str:
        return f"export {self.id}"
