"""Receivables and credit: each dealer's invoices and the payments against them, its credit
limit, payment terms and any credit hold, and the supervisors' collection follow-up.

Amounts are integer minor units (portal/money.py). An invoice's `paid_minor` is the sum of
its payments, kept on the row so that aging reads one table; `settled` marks an invoice paid
in full, so that the open ones are found with an index. Aging itself is computed, never
stored (`portal.metrics.receivables`).

A collection task follows one overdue invoice: the supervisor logs each contact (a call, a
visit, a letter) with the date the dealer promised to pay; a promise that passes with the
invoice still open is broken, and the task is escalated to the admins once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.network import Dealer
    from portal.models.users import User

DEFAULT_CURRENCY = "CNY"
DEFAULT_TERMS_DAYS = 30


class DealerCredit(TimestampMixin, VersionedMixin, db.Model):
    """A dealer's credit limit, payment terms and credit hold (one row per dealer, made when
    first set; a dealer without one has no limit recorded)."""

    __tablename__ = "dealer_credits"
    __table_args__ = (
        CheckConstraint("limit_minor >= 0", name="limit_not_negative"),
        CheckConstraint("terms_days BETWEEN 0 AND 365", name="terms_0_to_365"),
    )

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    limit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY)
    terms_days: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_TERMS_DAYS)
    on_hold: Mapped[bool] = mapped_column(default=False)
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    hold_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    dealer: Mapped[Dealer] = relationship()
    hold_by: Mapped[User | None] = relationship()


class Invoice(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("dealer_id", "number", name="uq_invoices_dealer_number"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("paid_minor >= 0 AND paid_minor <= amount_minor", name="paid_in_range"),
        CheckConstraint("due_on >= issued_on", name="due_after_issue"),
        # The open invoices of a dealer by due date: aging, statements, collections.
        Index("ix_invoices_open", "settled", "dealer_id", "due_on"),
        Index("ix_invoices_dealer_issued", "dealer_id", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    settled: Mapped[bool] = mapped_column(default=False)

    dealer: Mapped[Dealer] = relationship()
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.paid_on", cascade="all, delete-orphan"
    )

    @property
    def open_minor(self) -> int:
        return self.amount_minor - self.paid_minor


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_payments_dealer_paid", "dealer_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"))
    paid_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class TaskStatus(LabelledEnum):
    OPEN = "open"  # overdue, nobody has reached the dealer yet
    PROMISED = "promised"  # the dealer promised to pay by a date
    ESCALATED = "escalated"  # a promise was broken: the admins were told
    CLOSED = "closed"  # the invoice was paid


class ContactKind(LabelledEnum):
    CALL = "call"
    VISIT = "visit"
    LETTER = "letter"


register_labels(
    TaskStatus,
    {
        "open": _l("To contact"),
        "promised": _l("Promised"),
        "escalated": _l("Escalated"),
        "closed": _l("Paid"),
    },
)
register_labels(ContactKind, {"call": _l("Call"), "visit": _l("Visit"), "letter": _l("Letter")})


class CollectionTask(TimestampMixin, VersionedMixin, db.Model):
    """The follow-up of one overdue invoice."""

    __tablename__ = "collection_tasks"
    __table_args__ = (
        Index("ix_collection_tasks_status_dealer", "status", "dealer_id"),
        Index("ix_collection_tasks_promise", "status", "promise_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), unique=True
    )
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"))
    status: Mapped[TaskStatus] = mapped_column(
        str_enum(TaskStatus, "collection_task_status"), default=TaskStatus.OPEN
    )
    promise_on: Mapped[date | None] = mapped_column(Date)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoice: Mapped[Invoice] = relationship()
    dealer: Mapped[Dealer] = relationship()
    contacts: Mapped[list[CollectionContact]] = relationship(
        back_populates="task", order_by="CollectionContact.id", cascade="all, delete-orphan"
    )


class CollectionContact(db.Model):
    """One call, visit or letter, and what the dealer promised."""

    __tablename__ = "collection_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("collection_tasks.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "collection_contact_kind"))
    contacted_on: Mapped[date] = mapped_column(Date)
    promise_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[CollectionTask] = relationship(back_populates="contacts")
    by: Mapped[User | None] = relationship()
