"""The append-only activity log (check S18)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

OUTCOMES = {
    "success": _l("Success"),
    "failure": _l("Failure"),
    "throttled": _l("Throttled"),
    "denied": _l("Denied"),
}


class ActivityEntry(db.Model):
    __tablename__ = "activity_entries"
    __table_args__ = (
        Index("ix_activity_entries_object", "object_type", "object_id"),
        Index("ix_activity_entries_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No foreign key: the log outlives what it describes and is never rewritten.
    actor_id: Mapped[int | None]
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    object_label: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    request_id: Mapped[str] = mapped_column(String(40), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def outcome_label(self) -> str:
        """The outcome in the reader's language."""
        found = OUTCOMES.get(self.outcome)
        return str(found) if found is not None else self.outcome
