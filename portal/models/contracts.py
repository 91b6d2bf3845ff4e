"""Contracts and qualifications: each dealer's contracts (with their renewals and history)
and its qualification documents (licences, registrations, letters) under review.

A contract in force is `active`; at most one per dealer (a partial unique index). Renewing
it is a workflow on a new contract row that points at the one it renews (`renews_id`):
proposed terms → approved by an admin (or declined, saying why) → signed, when its signed
document is uploaded; the renewal then becomes the active contract and the old one is
`superseded`, kept in the history. The dealer's `contract_start`/`contract_end` are a copy
of its active contract's dates, kept by `portal.contracts.services`.

To record a signed contract from another area (a prospect signed), call
`portal.contracts.services.create_contract(dealer, number=..., kind=..., starts_on=...,
ends_on=..., terms=..., actor=...)`.

Document kinds are configured by admins, with the dealer kinds that must hold a valid one.
A document is submitted by the dealer (or staff) with its file, then accepted or rejected
(with a reason) by a supervisor; a valid document is accepted, issued and not expired.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.i18n import localized
from portal.models import lifecycle
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
    utcnow,
)
from portal.models.network import DealerKind

if TYPE_CHECKING:
    from portal.models.attachments import Attachment
    from portal.models.network import Dealer
    from portal.models.users import User


class ContractKind(LabelledEnum):
    FRANCHISE = "franchise"
    DEALERSHIP = "dealership"
    DISTRIBUTION = "distribution"


class ContractStatus(LabelledEnum):
    PROPOSED = "proposed"  # a renewal's terms, waiting for an admin
    APPROVED = "approved"  # a renewal approved, waiting for its signed document
    DECLINED = "declined"  # a renewal an admin declined (with the reason)
    ACTIVE = "active"  # signed and in force (it may have ended: see its end date)
    SUPERSEDED = "superseded"  # replaced by its signed renewal; kept in the history


class ContractAction(LabelledEnum):
    CREATE = "create"  # a signed contract recorded
    PROPOSE = "propose"  # a renewal proposed
    APPROVE = "approve"
    DECLINE = "decline"
    SIGN = "sign"  # the renewal's signed document uploaded: it is in force
    SUPERSEDE = "supersede"  # the contract its signed renewal replaced


OPEN_RENEWAL = frozenset({ContractStatus.PROPOSED, ContractStatus.APPROVED})

register_labels(
    ContractKind,
    {
        "franchise": _l("Franchise agreement"),
        "dealership": _l("Dealership agreement"),
        "distribution": _l("Distribution agreement"),
    },
)
register_labels(
    ContractStatus,
    {
        "proposed": _l("Renewal proposed"),
        "approved": _l("Renewal approved"),
        "declined": _l("Renewal declined"),
        "active": _l("In force"),
        "superseded": _l("Superseded"),
    },
)
register_labels(
    ContractAction,
    {
        "create": _l("Recorded"),
        "propose": _l("Renewal proposed"),
        "approve": _l("Approved"),
        "decline": _l("Declined"),
        "sign": _l("Signed"),
        "supersede": _l("Superseded by its renewal"),
    },
)


def _contract_steps() -> list[lifecycle.Step]:
    # Supervisors propose a renewal; an admin approves or declines it (saying why); the
    # signed document makes it the contract in force and supersedes the one it renews.
    s, a = ContractStatus, ContractAction
    return [
        lifecycle.Step(a.CREATE, (), s.ACTIVE, stamps=("signed_at",)),
        lifecycle.Step(a.PROPOSE, (), s.PROPOSED),
        lifecycle.Step(a.APPROVE, {s.PROPOSED}, s.APPROVED, lifecycle.Comment(), ("decided_at",)),
        lifecycle.Step(
            a.DECLINE,
            {s.PROPOSED},
            s.DECLINED,
            lifecycle.Comment(required=True, key="reason"),
            ("decided_at",),
        ),
        lifecycle.Step(
            a.SIGN,
            {s.APPROVED},
            s.ACTIVE,
            stamps=("signed_at",),
            notice=lifecycle.Notice("contract.signed", lifecycle.Recipients.DEALER),
        ),
        lifecycle.Step(a.SUPERSEDE, {s.ACTIVE}, s.SUPERSEDED),
    ]


CONTRACT_LIFECYCLE = lifecycle.Workflow.of(
    "contract", _contract_steps(), decisions=(ContractAction.APPROVE, ContractAction.DECLINE)
)


class Contract(TimestampMixin, VersionedMixin, db.Model):
    """One contract of a dealer: in force, superseded (history) or a renewal under way."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_contracts_dealer_status", "dealer_id", "status"),
        # At most one contract in force per dealer, and one renewal under way per contract.
        Index(
            "uq_contracts_active_dealer",
            "dealer_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_contracts_open_renewal",
            "renews_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'approved')"),
            postgresql_where=text("status IN ('proposed', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[ContractKind] = mapped_column(str_enum(ContractKind, "contract_kind"))
    status: Mapped[ContractStatus] = mapped_column(
        str_enum(ContractStatus, "contract_status"), default=ContractStatus.ACTIVE
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(Text, default="")  # renewal terms, as agreed
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    dealer: Mapped[Dealer] = relationship()
    renews: Mapped[Contract | None] = relationship(remote_side=[id])
    document: Mapped[Attachment | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    transitions: Mapped[list[ContractTransition]] = lifecycle.transition_log(
        "ContractTransition", "contract"
    )

    def __str__(self) -> str:
        return self.number


class ContractTransition(lifecycle.TransitionLog, db.Model):
    __tablename__ = "contract_transitions"
    workflow = CONTRACT_LIFECYCLE

    contract_id: Mapped[int] = lifecycle.log_owner("contracts")
    contract: Mapped[Contract] = relationship(back_populates="transitions")


class DocumentStatus(LabelledEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


register_labels(
    DocumentStatus,
    {
        "submitted": _l("Waiting for review"),
        "accepted": _l("Accepted"),
        "rejected": _l("Rejected"),
    },
)


class DocumentKind(TimestampMixin, VersionedMixin, db.Model):
    """A kind of qualification document (business licence, tax registration, …), and the
    dealer kinds that must hold a valid one."""

    __tablename__ = "document_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120), default="")
    expires: Mapped[bool] = mapped_column(default=True)  # documents of this kind need an expiry
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    requirements: Mapped[list[DocumentRequirement]] = relationship(
        back_populates="document_kind", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return localized(self.name, self.name_zh)

    @property
    def required_for(self) -> set[DealerKind]:
        return {requirement.dealer_kind for requirement in self.requirements}

    def __str__(self) -> str:
        return self.label


class DocumentRequirement(db.Model):
    """Dealers of `dealer_kind` must hold a valid document of `document_kind`."""

    __tablename__ = "document_requirements"

    document_kind_id: Mapped[int] = mapped_column(
        ForeignKey("document_kinds.id", ondelete="CASCADE"), primary_key=True
    )
    dealer_kind: Mapped[DealerKind] = mapped_column(
        str_enum(DealerKind, "document_requirement_dealer_kind"), primary_key=True
    )

    document_kind: Mapped[DocumentKind] = relationship(back_populates="requirements")


class QualificationDocument(TimestampMixin, VersionedMixin, db.Model):
    """One document a dealer submitted: a first one or a renewal; earlier ones stay."""

    __tablename__ = "qualification_documents"
    __table_args__ = (
        CheckConstraint(
            "expires_on IS NULL OR expires_on >= issued_on", name="expires_after_issue"
        ),
        Index("ix_qualification_documents_dealer_kind", "dealer_id", "kind_id", "status"),
        Index("ix_qualification_documents_status_expires", "status", "expires_on"),
        lifecycle.review_queue_index("qualification_documents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The upload form's one-time key: the same form sent twice submits one document.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    kind_id: Mapped[int] = mapped_column(ForeignKey("document_kinds.id"))
    number: Mapped[str] = mapped_column(String(60), default="")  # the licence's own number
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, "document_status"), default=DocumentStatus.SUBMITTED
    )
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    file_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    dealer: Mapped[Dealer] = relationship()
    kind: Mapped[DocumentKind] = relationship()
    file: Mapped[Attachment | None] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    def __str__(self) -> str:
        return f"{self.kind.label} {self.number}".strip()


class ExpiryReminder(db.Model):
    """A reminder stage told for a contract's or a document's end date: 90, 30 or 7 days
    ahead, or expired. Its unique key makes the reminder go once, whichever run claims it."""

    __tablename__ = "expiry_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
