"""The JSON API: bearer tokens, remembered idempotent answers, webhooks and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import (
    LabelledEnum,
    UTCDateTime,
    register_labels,
    str_enum,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.jobs import Job
    from portal.models.users import User


class TokenKind(LabelledEnum):
    PERSONAL = "personal"  # made by a user on their account page, acting as them
    SERVICE = "service"  # made by an admin for an integration, acting as a service account


class DeliveryState(LabelledEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every try failed; no more tries


register_labels(
    TokenKind,
    {TokenKind.PERSONAL: _l("Personal"), TokenKind.SERVICE: _l("Service")},
)
register_labels(
    DeliveryState,
    {
        DeliveryState.PENDING: lazy_pgettext("webhook delivery", "Pending"),
        DeliveryState.DELIVERED: lazy_pgettext("webhook delivery", "Delivered"),
        DeliveryState.FAILED: lazy_pgettext("webhook delivery", "Failed"),
    },
)


class ApiToken(db.Model):
    """A bearer token acting as one user. Only the SHA-256 of the secret is stored; `hint`
    keeps its first characters so its owner can tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, "api_token_kind"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    read_only: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(db.Model):
    """The answer to a write sent with an `Idempotency-Key`: the same key and body get the same
    answer again without a second change. One per user and key."""

    __tablename__ = "api_idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_api_idempotency_records_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(default=0)  # 0 while the first request runs
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Webhook(db.Model):
    """An https endpoint an admin registered for some events; deliveries are signed with
    HMAC-SHA256 under `secret` (shown to the admin once when made)."""

    __tablename__ = "api_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookDelivery(db.Model):
    """One event for one webhook: its body, fixed when the event happened, and how sending it
    went. The event id is unique per webhook, so an event is queued once."""

    __tablename__ = "api_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_api_webhook_deliveries_event"),
        Index("ix_api_webhook_deliveries_state", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("api_webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[DeliveryState] = mapped_column(
        str_enum(DeliveryState, "api_delivery_state"), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
    job: Mapped[Job | None] = relationship()
