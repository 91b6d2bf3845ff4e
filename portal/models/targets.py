"""Head office's targets: a region's annual target per product line split into months, its
allocation to the region's dealers, moves between dealers during the year, and the
region's monthly forecast of where the quarter and the year will land.

Amounts are integer minor units like every figure; months are periods (`YYYY-MM`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
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

if TYPE_CHECKING:
    from portal.models.network import Dealer, ProductLine, Region
    from portal.models.users import User

MONTHS = 12


class TargetSplit(LabelledEnum):
    """How a region's annual target was split into months."""

    PROFILE = "profile"  # by the region's seasonality profile (or the default one)
    MANUAL = "manual"  # typed month by month


register_labels(
    TargetSplit,
    {TargetSplit.PROFILE: _l("By seasonality profile"), TargetSplit.MANUAL: _l("By hand")},
)


class SeasonalityProfile(TimestampMixin, VersionedMixin, db.Model):
    """Twelve monthly weights: the default profile (no region) or one region's override."""

    __tablename__ = "seasonality_profiles"
    __table_args__ = (
        UniqueConstraint("region_id", name="uq_seasonality_profiles_region_id"),
        # UNIQUE(region_id) lets any number of NULLs through: one default profile at most.
        Index(
            "uq_seasonality_profiles_default",
            text("(region_id IS NULL)"),
            unique=True,
            sqlite_where=text("region_id IS NULL"),
            postgresql_where=text("region_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    # Twelve whole weights, January first, comma-separated ("7,6,8,…"); at least one above 0.
    weights: Mapped[str] = mapped_column(String(120))

    region: Mapped[Region | None] = relationship()

    @property
    def month_weights(self) -> list[int]:
        return [int(value) for value in self.weights.split(",")]


class RegionTarget(TimestampMixin, VersionedMixin, db.Model):
    """Head office's annual target for one region, year and product line."""

    __tablename__ = "region_targets"
    __table_args__ = (
        UniqueConstraint(
            "region_id", "year", "product_line_id", name="uq_region_targets_region_year_line"
        ),
        Index("ix_region_targets_year", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    split: Mapped[TargetSplit] = mapped_column(
        str_enum(TargetSplit, "target_split"), default=TargetSplit.PROFILE
    )
    revision: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()
    product_line: Mapped[ProductLine] = relationship()
    months: Mapped[list[RegionTargetMonth]] = relationship(
        back_populates="target", cascade="all, delete-orphan", order_by="RegionTargetMonth.month"
    )
    revisions: Mapped[list[RegionTargetRevision]] = relationship(
        back_populates="target",
        cascade="all, delete-orphan",
        order_by="RegionTargetRevision.revision",
    )

    def __str__(self) -> str:
        return f"{self.year} {self.product_line_id}"


class RegionTargetMonth(db.Model):
    """One month of a region's target (month 1-12 of the target's year)."""

    __tablename__ = "region_target_months"

    target_id: Mapped[int] = mapped_column(
        ForeignKey("region_targets.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)

    target: Mapped[RegionTarget] = relationship(back_populates="months")


class RegionTargetRevision(db.Model):
    """A region target as it was saved: every version kept, with who, when and why."""

    __tablename__ = "region_target_revisions"
    __table_args__ = (
        UniqueConstraint("target_id", "revision", name="uq_region_target_revisions_revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("region_targets.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    revenue_minor: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger)
    # The twelve months as saved: "revenue/units" pairs, comma-separated, January first.
    months: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[RegionTarget] = relationship(back_populates="revisions")
    actor: Mapped[User | None] = relationship()


class AllocationStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class AllocationAction(LabelledEnum):
    CREATE = "create"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


def _allocation_steps() -> list[lifecycle.Step]:
    # The supervisor drafts and submits; head office (an admin) approves or returns it. No
    # in-app notices: those name a dealer, and an allocation is a whole region's.
    s, a = AllocationStatus, AllocationAction
    editable = {s.DRAFT, s.RETURNED}
    return [
        lifecycle.Step(a.CREATE, (), s.DRAFT),
        lifecycle.Step(
            a.SUBMIT,
            editable,
            s.SUBMITTED,
            stamps=("submitted_at",),
            first_stamps=("first_submitted_at",),
        ),
        lifecycle.Step(a.APPROVE, {s.SUBMITTED}, s.APPROVED, lifecycle.Comment(), ("decided_at",)),
        lifecycle.Step(
            a.RETURN, {s.SUBMITTED}, s.RETURNED, lifecycle.Comment(required=True), ("decided_at",)
        ),
        lifecycle.Step(
            a.REOPEN, {s.APPROVED}, s.RETURNED, lifecycle.Comment(required=True, key="reason")
        ),
    ]


ALLOCATION_LIFECYCLE = lifecycle.Workflow.of(
    "allocation",
    _allocation_steps(),
    editable={AllocationStatus.DRAFT, AllocationStatus.RETURNED},
    decisions=(AllocationAction.APPROVE, AllocationAction.RETURN),
)
register_labels(
    AllocationStatus,
    {
        AllocationStatus.DRAFT: _l("Draft"),
        AllocationStatus.SUBMITTED: _l("Submitted"),
        AllocationStatus.APPROVED: _l("Approved"),
        AllocationStatus.RETURNED: _l("Returned"),
    },
)
register_labels(
    AllocationAction,
    {
        AllocationAction.CREATE: _l("Created"),
        AllocationAction.SUBMIT: _l("Submitted"),
        AllocationAction.APPROVE: _l("Approved"),
        AllocationAction.RETURN: _l("Returned"),
        AllocationAction.REOPEN: _l("Reopened"),
    },
)


class TargetAllocation(lifecycle.ReviewStamps, TimestampMixin, VersionedMixin, db.Model):
    """A region's target for one year broken down to its dealers (one per region and year)."""

    __tablename__ = "target_allocations"
    __table_args__ = (
        UniqueConstraint("region_id", "year", name="uq_target_allocations_region_year"),
        lifecycle.review_queue_index("target_allocations"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[AllocationStatus] = mapped_column(
        str_enum(AllocationStatus, "allocation_status"), default=AllocationStatus.DRAFT
    )
    # Why the allocation does not add up to the region's target (required when it does not).
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region] = relationship()
    lines: Mapped[list[AllocationLine]] = relationship(
        back_populates="allocation", cascade="all, delete-orphan", order_by="AllocationLine.id"
    )
    transitions: Mapped[list[AllocationTransition]] = lifecycle.transition_log(
        "AllocationTransition", "allocation"
    )

    def __str__(self) -> str:
        return f"{self.year}"


class AllocationLine(db.Model):
    """One dealer's target for one product line and month."""

    __tablename__ = "allocation_lines"
    __table_args__ = (
        UniqueConstraint(
            "allocation_id",
            "dealer_id",
            "product_line_id",
            "period",
            name="uq_allocation_lines_cell",
        ),
        # The plan grid and the dealer's home page read a dealer's months from this index.
        Index("ix_allocation_lines_dealer_period", "dealer_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("target_allocations.id", ondelete="CASCADE")
    )
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    period: Mapped[str] = mapped_column(String(7))
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)

    allocation: Mapped[TargetAllocation] = relationship(back_populates="lines")
    dealer: Mapped[Dealer] = relationship()


class AllocationTransition(lifecycle.TransitionLog, db.Model):
    __tablename__ = "allocation_transitions"
    workflow = ALLOCATION_LIFECYCLE

    allocation_id: Mapped[int] = lifecycle.log_owner("target_allocations")
    allocation: Mapped[TargetAllocation] = relationship(back_populates="transitions")


class AllocationMove(db.Model):
    """Target moved from one dealer to another for one product line and month, after the
    allocation was approved (the region's total stays the same)."""

    __tablename__ = "allocation_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("target_allocations.id", ondelete="CASCADE"), index=True
    )
    from_dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    to_dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    period: Mapped[str] = mapped_column(String(7))
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_dealer: Mapped[Dealer] = relationship(foreign_keys=[from_dealer_id])
    to_dealer: Mapped[Dealer] = relationship(foreign_keys=[to_dealer_id])
    actor: Mapped[User | None] = relationship()


class ForecastStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVISION = "revision"  # head office asked for a revision


class ForecastAction(LabelledEnum):
    CREATE = "create"
    SUBMIT = "submit"
    REQUEST_REVISION = "request_revision"


FORECAST_LIFECYCLE = lifecycle.Workflow.of(
    "forecast",
    [
        lifecycle.Step(ForecastAction.CREATE, (), ForecastStatus.DRAFT),
        lifecycle.Step(
            ForecastAction.SUBMIT,
            {ForecastStatus.DRAFT, ForecastStatus.REVISION},
            ForecastStatus.SUBMITTED,
            stamps=("submitted_at",),
        ),
        lifecycle.Step(
            ForecastAction.REQUEST_REVISION,
            {ForecastStatus.SUBMITTED},
            ForecastStatus.REVISION,
            lifecycle.Comment(required=True),
        ),
    ],
    editable={ForecastStatus.DRAFT, ForecastStatus.REVISION},
)
register_labels(
    ForecastStatus,
    {
        ForecastStatus.DRAFT: _l("Draft"),
        ForecastStatus.SUBMITTED: _l("Submitted"),
        ForecastStatus.REVISION: _l("Revision asked"),
    },
)
register_labels(
    ForecastAction,
    {
        ForecastAction.CREATE: _l("Created"),
        ForecastAction.SUBMIT: _l("Submitted"),
        ForecastAction.REQUEST_REVISION: _l("Revision asked"),
    },
)


class Forecast(TimestampMixin, VersionedMixin, db.Model):
    """A region's forecast made in one month (`period`) for that month to December."""

    __tablename__ = "forecasts"
    __table_args__ = (UniqueConstraint("region_id", "period", name="uq_forecasts_region_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[ForecastStatus] = mapped_column(
        str_enum(ForecastStatus, "forecast_status"), default=ForecastStatus.DRAFT
    )
    # Why the supervisor's figures differ from the suggestion (required when they do).
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region] = relationship()
    lines: Mapped[list[ForecastLine]] = relationship(
        back_populates="forecast", cascade="all, delete-orphan", order_by="ForecastLine.id"
    )
    transitions: Mapped[list[ForecastTransition]] = lifecycle.transition_log(
        "ForecastTransition", "forecast"
    )

    def __str__(self) -> str:
        return self.period


class ForecastLine(db.Model):
    """The forecast for one product line and month, beside the suggestion it started from."""

    __tablename__ = "forecast_lines"
    __table_args__ = (
        UniqueConstraint("forecast_id", "product_line_id", "period", name="uq_forecast_lines_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id", ondelete="CASCADE"))
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    period: Mapped[str] = mapped_column(String(7))
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    suggested_revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    suggested_units: Mapped[int] = mapped_column(BigInteger, default=0)

    forecast: Mapped[Forecast] = relationship(back_populates="lines")


class ForecastTransition(lifecycle.TransitionLog, db.Model):
    __tablename__ = "forecast_transitions"
    workflow = FORECAST_LIFECYCLE

    forecast_id: Mapped[int] = lifecycle.log_owner("forecasts")
    forecast: Mapped[Forecast] = relationship(back_populates="transitions")
