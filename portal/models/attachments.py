"""Uploaded files (photos, PDFs). The bytes live in storage; this row says whose they are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Attachment(db.Model):
    """A validated upload. `owner_type`/`owner_id` name the record it belongs to; the
    access rule registered for that owner type decides who may download it."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None]
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
