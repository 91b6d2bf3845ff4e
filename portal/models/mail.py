"""Outgoing mail, each user's mail choices and password-reset links.

An `OutgoingMail` row is one mail to one user (or, for the few kinds that may go outside
the portal, to one mailbox address: `user_id` empty, `to_address` set), from the moment
something decides it should go until it went (or failed for good): the queue's workers
claim and send rows, the admins' outbox page lists them, and in demo mode without an SMTP
server the row keeps the mail itself for admins to read. A unique `key` per (kind, item,
user, day) makes every reminder idempotent, however many workers run the schedule.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import LabelledEnum, UTCDateTime, register_labels, str_enum, utcnow

if TYPE_CHECKING:
    from portal.models.notifications import Notification
    from portal.models.users import User


class MailState(LabelledEnum):
    NEW = "new"  # decided, not yet routed by the recipient's choices
    HELD = "held"  # waits for the recipient's digest (or this run's bundle)
    BUNDLED = "bundled"  # went out inside a digest (`digest_id`)
    PENDING = "pending"  # to be sent at `next_try_at`
    SENDING = "sending"  # claimed by a worker until `lease_until`
    SENT = "sent"
    FAILED = "failed"  # gave up (attempts used, or the server refused it for good)
    CANCELLED = "cancelled"  # not sent: turned off, or the recipient may no longer see it


register_labels(
    MailState,
    {
        MailState.NEW: lazy_pgettext("mail state", "New"),
        MailState.HELD: lazy_pgettext("mail state", "Waiting for the digest"),
        MailState.BUNDLED: lazy_pgettext("mail state", "Sent in a digest"),
        MailState.PENDING: lazy_pgettext("mail state", "Waiting to be sent"),
        MailState.SENDING: lazy_pgettext("mail state", "Sending"),
        MailState.SENT: lazy_pgettext("mail state", "Sent"),
        MailState.FAILED: lazy_pgettext("mail state", "Failed"),
        MailState.CANCELLED: lazy_pgettext("mail state", "Not sent"),
    },
)


class MailMode(LabelledEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"


register_labels(
    MailMode,
    {
        MailMode.IMMEDIATE: _l("Right away"),
        MailMode.DIGEST: _l("In a daily digest"),
        MailMode.OFF: lazy_pgettext("mail choice", "Off"),
    },
)


class OutgoingMail(db.Model):
    """One mail to one user: why it goes, where it stands, and (outbox only) what it says.

    A mail to a mailbox that is no user's (a region's after-sales address) has no `user_id`
    and its address in `to_address` from the start: no choices apply, it goes right away."""

    __tablename__ = "outgoing_mails"
    __table_args__ = (
        Index("ix_outgoing_mails_state_next_try_at", "state", "next_try_at"),
        Index("ix_outgoing_mails_user_id_state", "user_id", "state"),
        CheckConstraint("user_id IS NOT NULL OR to_address <> ''", name="user_or_address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40), index=True)  # its template, mail/<kind>.html
    topic: Mapped[str] = mapped_column(String(20))  # what the recipient's choice is about
    # One mail per key: (kind, item, recipient, day) for reminders; None for event mails,
    # which are one per in-app notification (`notification_id`).
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), unique=True
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")  # the page, a path
    state: Mapped[MailState] = mapped_column(str_enum(MailState, "mail_state"))
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # held until
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_mails.id", ondelete="SET NULL"), index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(String(32), index=True)
    error: Mapped[str] = mapped_column(String(500), default="")
    to_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str | None] = mapped_column(Text)  # kept only by the demo outbox
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    notification: Mapped[Notification | None] = relationship()

    def __str__(self) -> str:
        return f"mail {self.id} ({self.kind})"


class MailPreference(db.Model):
    """How one user wants the mail of one topic: right away, in a digest, or not at all."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[MailMode] = mapped_column(str_enum(MailMode, "mail_mode"))


class PasswordReset(db.Model):
    """A "forgot password" link: only the SHA-256 of its token is kept (S23). It works once,
    until `expires_at`, while the password is the one it was issued for, and only while it
    is the user's newest link."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_stamp: Mapped[str] = mapped_column(String(64))  # of the hash it was issued for
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()
