"""Changes sent by a phone's offline queue: each carries a key, and a key is applied once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class OfflineChange(db.Model):
    """The first answer to one queued change (an answer, a photo, a completion): the same key
    sent again gets this answer again and changes nothing. One per user and key."""

    __tablename__ = "offline_changes"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_offline_changes_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(default=0)  # 0 while the first request runs
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
