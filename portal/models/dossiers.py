"""Dealer files: every issued PDF dossier (archived with its hash) and region export jobs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import LabelledEnum, UTCDateTime, register_labels, str_enum, utcnow

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


class ExportStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


register_labels(
    ExportStatus,
    {
        ExportStatus.QUEUED: _l("Queued"),
        ExportStatus.RUNNING: _l("Running"),
        ExportStatus.DONE: _l("Done"),
        ExportStatus.FAILED: _l("Failed"),
    },
)


class ExportJob(db.Model):
    """A region's dealer files as one ZIP, built in the background; progress lives here."""

    __tablename__ = "dossier_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, "dossier_export_status"), default=ExportStatus.QUEUED
    )
    locale: Mapped[str] = mapped_column(String(10), default="en")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last sign of life of the worker (start, each file done): a job that stops moving for
    # longer than DOSSIER_EXPORT_STALLED_MINUTES was lost with its server process.
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    requested_by: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else (100 if self.finished else 0)

    def __str__(self) -> str:
        return f"export {self.id}"
