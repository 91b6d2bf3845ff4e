"""Prospects: would-be dealers of a region, taken from a first lead to a signed dealer.

A prospect moves lead → contacted → screening → site visit → proposal → approved → signed,
one step at a time, or is lost (with a reason) from any step before signing. Its screening
answers a published screening standard (`StandardPurpose.SCREENING`: versioned and scored
like audit standards); its proposal holds the planned stores, first-year targets per product
line and the contract terms, from which signing creates the dealer and its stores. The
prospect stays linked to the dealer it became, with its whole history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import lifecycle
from portal.models.audits import AnswerResult
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
)
from portal.models.lifecycle import Comment, Step
from portal.models.network import DealerKind, StoreFormat, StoreStatus

if TYPE_CHECKING:
    from portal.models.network import Dealer, ProductLine, Region, Store
    from portal.models.standards import StandardItem, StandardVersion
    from portal.models.users import User


class ProspectStatus(LabelledEnum):
    LEAD = "lead"
    CONTACTED = "contacted"
    SCREENING = "screening"
    SITE_VISIT = "site_visit"
    PROPOSAL = "proposal"
    APPROVED = "approved"
    SIGNED = "signed"
    LOST = "lost"


class ProspectAction(LabelledEnum):
    CREATE = "create"
    CONTACT = "contact"
    SCREEN = "screen"
    VISIT = "visit"
    PROPOSE = "propose"
    APPROVE = "approve"
    RETURN = "return"
    SIGN = "sign"
    LOSE = "lose"


# The pipeline in order (the stages a prospect goes through; lost is beside them).
PIPELINE = (
    ProspectStatus.LEAD,
    ProspectStatus.CONTACTED,
    ProspectStatus.SCREENING,
    ProspectStatus.SITE_VISIT,
    ProspectStatus.PROPOSAL,
    ProspectStatus.APPROVED,
    ProspectStatus.SIGNED,
)
OPEN_PROSPECT_STATUSES = frozenset(PIPELINE[:-1])
# The next step forward from each open stage (approval is head office's decision).
FORWARD = {
    ProspectStatus.LEAD: ProspectAction.CONTACT,
    ProspectStatus.CONTACTED: ProspectAction.SCREEN,
    ProspectStatus.SCREENING: ProspectAction.VISIT,
    ProspectStatus.SITE_VISIT: ProspectAction.PROPOSE,
    ProspectStatus.APPROVED: ProspectAction.SIGN,
}

PROSPECT_LIFECYCLE = lifecycle.Workflow.of(
    "prospect",
    [
        Step(ProspectAction.CREATE, (), ProspectStatus.LEAD, Comment()),
        Step(
            ProspectAction.CONTACT,
            (ProspectStatus.LEAD,),
            ProspectStatus.CONTACTED,
            Comment(),
            first_stamps=("contacted_at",),
        ),
        Step(
            ProspectAction.SCREEN,
            (ProspectStatus.CONTACTED,),
            ProspectStatus.SCREENING,
            Comment(),
            first_stamps=("screening_at",),
        ),
        Step(
            ProspectAction.VISIT,
            (ProspectStatus.SCREENING,),
            ProspectStatus.SITE_VISIT,
            Comment(required=True),
            stamps=("visited_at",),
        ),
        Step(
            ProspectAction.PROPOSE,
            (ProspectStatus.SITE_VISIT,),
            ProspectStatus.PROPOSAL,
            Comment(),
            stamps=("submitted_at",),
            first_stamps=("first_submitted_at",),
        ),
        Step(
            ProspectAction.APPROVE,
            (ProspectStatus.PROPOSAL,),
            ProspectStatus.APPROVED,
            Comment(),
            stamps=("decided_at",),
        ),
        Step(
            ProspectAction.RETURN,
            (ProspectStatus.PROPOSAL,),
            ProspectStatus.SITE_VISIT,
            Comment(required=True),
            stamps=("decided_at",),
        ),
        Step(
            ProspectAction.SIGN,
            (ProspectStatus.APPROVED,),
            ProspectStatus.SIGNED,
            Comment(),
            stamps=("signed_at",),
        ),
        Step(
            ProspectAction.LOSE,
            OPEN_PROSPECT_STATUSES,
            ProspectStatus.LOST,
            Comment(required=True, key="reason"),
            stamps=("lost_at",),
        ),
    ],
    editable={ProspectStatus.SITE_VISIT},  # the proposal is drafted after the site visit
    decisions=(ProspectAction.APPROVE, ProspectAction.RETURN),
)

register_labels(
    ProspectStatus,
    {
        ProspectStatus.LEAD: _l("Lead"),
        ProspectStatus.CONTACTED: _l("Contacted"),
        ProspectStatus.SCREENING: _l("Screening"),
        ProspectStatus.SITE_VISIT: _l("Site visit"),
        ProspectStatus.PROPOSAL: _l("Proposal"),
        ProspectStatus.APPROVED: lazy_pgettext("prospect status", "Approved"),
        ProspectStatus.SIGNED: _l("Signed"),
        ProspectStatus.LOST: _l("Lost"),
    },
)
register_labels(
    ProspectAction,
    {
        ProspectAction.CREATE: lazy_pgettext("prospect step", "Recorded as a lead"),
        ProspectAction.CONTACT: lazy_pgettext("prospect step", "Contacted"),
        ProspectAction.SCREEN: lazy_pgettext("prospect step", "Screening started"),
        ProspectAction.VISIT: lazy_pgettext("prospect step", "Site visited"),
        ProspectAction.PROPOSE: lazy_pgettext("prospect step", "Proposal sent for approval"),
        ProspectAction.APPROVE: lazy_pgettext("prospect step", "Proposal approved"),
        ProspectAction.RETURN: lazy_pgettext("prospect step", "Proposal returned"),
        ProspectAction.SIGN: lazy_pgettext("prospect step", "Signed as a dealer"),
        ProspectAction.LOSE: lazy_pgettext("prospect step", "Lost"),
    },
)


class Prospect(lifecycle.ReviewStamps, TimestampMixin, VersionedMixin, db.Model):
    """A would-be dealer in one region, owned by the region's supervisors."""

    __tablename__ = "prospects"
    __table_args__ = (
        # The pipeline counts and the blank markets read open prospects per region.
        Index("ix_prospects_region_status", "region_id", "status"),
        # Head office's queue: proposals waiting for approval, oldest first.
        Index(
            "ix_prospects_proposal",
            "submitted_at",
            sqlite_where=text("status = 'proposal'"),
            postgresql_where=text("status = 'proposal'"),
        ),
        # One open proposal per new dealer's code (two at once cannot both take it).
        Index(
            "uq_prospects_open_dealer_code",
            "dealer_code",
            unique=True,
            sqlite_where=text("dealer_code <> '' AND status NOT IN ('lost', 'signed')"),
            postgresql_where=text("dealer_code <> '' AND status NOT IN ('lost', 'signed')"),
        ),
        CheckConstraint(
            "contract_end IS NULL OR contract_start IS NULL OR contract_end > contract_start",
            name="contract_ends_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The new-prospect form's one-time key: the same form sent twice records one prospect.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DealerKind] = mapped_column(str_enum(DealerKind, "prospect_kind"))
    contact_person: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    city_alias: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(120), default="")  # how the lead came in
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProspectStatus] = mapped_column(
        str_enum(ProspectStatus, "prospect_status"), default=ProspectStatus.LEAD
    )
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screening_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    # Screening: the standard version answered and, once every criterion is answered, its
    # score (kept so lists show it without reading the answers).
    standard_version_id: Mapped[int | None] = mapped_column(ForeignKey("standard_versions.id"))
    screening_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    screening_grade: Mapped[str] = mapped_column(String(10), default="")
    screening_passed: Mapped[bool | None]
    # Proposal: the dealer to be, its contract terms (its stores and targets in their tables).
    dealer_code: Mapped[str] = mapped_column(String(20), default="")
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    contract_terms: Mapped[str] = mapped_column(Text, default="")
    proposal_note: Mapped[str] = mapped_column(Text, default="")
    # The dealer signing made (one prospect per dealer at most).
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region] = relationship()
    dealer: Mapped[Dealer | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    standard_version: Mapped[StandardVersion | None] = relationship()
    answers: Mapped[list[ProspectAnswer]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", order_by="ProspectAnswer.id"
    )
    stores: Mapped[list[ProspectStore]] = relationship(
        back_populates="prospect",
        cascade="all, delete-orphan",
        order_by="ProspectStore.position",
    )
    targets: Mapped[list[ProspectTarget]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", order_by="ProspectTarget.id"
    )
    transitions: Mapped[list[ProspectTransition]] = lifecycle.transition_log(
        "ProspectTransition", "prospect"
    )

    @property
    def reference(self) -> str:
        return f"P{self.id:05d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROSPECT_STATUSES

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class ProspectTransition(lifecycle.TransitionLog, db.Model):
    __tablename__ = "prospect_transitions"
    workflow = PROSPECT_LIFECYCLE

    prospect_id: Mapped[int] = lifecycle.log_owner("prospects")
    prospect: Mapped[Prospect] = relationship(back_populates="transitions")


class ProspectAnswer(db.Model):
    """The answer to one criterion of the screening standard; documents attach to it."""

    __tablename__ = "prospect_answers"
    __table_args__ = (UniqueConstraint("prospect_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("standard_items.id"), index=True)
    result: Mapped[AnswerResult | None] = mapped_column(
        str_enum(AnswerResult, "prospect_answer_result")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    prospect: Mapped[Prospect] = relationship(back_populates="answers")
    item: Mapped[StandardItem] = relationship()


class ProspectStore(db.Model):
    """A store the proposal plans; signing creates it (planned, or open if it trades)."""

    __tablename__ = "prospect_stores"
    __table_args__ = (CheckConstraint("status IN ('planned', 'open')", name="planned_or_open"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    format: Mapped[StoreFormat] = mapped_column(str_enum(StoreFormat, "prospect_store_format"))
    status: Mapped[StoreStatus] = mapped_column(
        str_enum(StoreStatus, "prospect_store_status"), default=StoreStatus.PLANNED
    )
    opens_on: Mapped[date | None]
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))

    prospect: Mapped[Prospect] = relationship(back_populates="stores")
    store: Mapped[Store | None] = relationship()


class ProspectTarget(db.Model):
    """The proposal's first-year target for one product line (kept with the dealer)."""

    __tablename__ = "prospect_targets"
    __table_args__ = (
        UniqueConstraint("prospect_id", "product_line_id"),
        CheckConstraint("revenue_minor >= 0 AND units >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)

    prospect: Mapped[Prospect] = relationship(back_populates="targets")
    product_line: Mapped[ProductLine] = relationship()
