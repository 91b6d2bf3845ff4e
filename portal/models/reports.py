"""Store reports: a store's actuals for one period, its situation and its lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
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
    from portal.models.network import Dealer, ProductLine, Store
    from portal.models.users import User


class ReportStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    RETURNED = "returned"


class ReportAction(LabelledEnum):
    CREATE = "create"
    SUBMIT = "submit"
    REVIEW = "review"
    RETURN = "return"


class CompetitorActivityKind(LabelledEnum):
    PRICING = "pricing"
    PROMOTION = "promotion"
    NEW_STORE = "new_store"
    PRODUCT_LAUNCH = "product_launch"
    STAFFING = "staffing"
    OTHER = "other"


register_labels(
    ReportStatus,
    {
        ReportStatus.DRAFT: _l("Draft"),
        ReportStatus.SUBMITTED: _l("Submitted"),
        ReportStatus.REVIEWED: _l("Reviewed"),
        ReportStatus.RETURNED: _l("Returned"),
    },
)
register_labels(
    ReportAction,
    {
        ReportAction.CREATE: _l("Created"),
        ReportAction.SUBMIT: _l("Submitted"),
        ReportAction.REVIEW: _l("Reviewed"),
        ReportAction.RETURN: _l("Returned"),
    },
)
register_labels(
    CompetitorActivityKind,
    {
        CompetitorActivityKind.PRICING: _l("Pricing"),
        CompetitorActivityKind.PROMOTION: _l("Promotion"),
        CompetitorActivityKind.NEW_STORE: _l("New store"),
        CompetitorActivityKind.PRODUCT_LAUNCH: _l("Product launch"),
        CompetitorActivityKind.STAFFING: _l("Staffing"),
        CompetitorActivityKind.OTHER: _l("Other"),
    },
)


class StoreReport(TimestampMixin, VersionedMixin, db.Model):
    """One store's report for one period (one per store and period).

    `dealer_id` is the store's dealer when the report was made, so a report stays with
    the business that made it if the store later changes hands.
    """

    __tablename__ = "store_reports"
    __table_args__ = (
        UniqueConstraint("store_id", "period", name="uq_store_reports_store_id_period"),
        Index("ix_store_reports_period_status", "period", "status"),
        # The review queue: submitted reports, oldest submission first (partial: see plans).
        Index(
            "ix_store_reports_submitted",
            "submitted_at",
            sqlite_where=text("status = 'submitted'"),
            postgresql_where=text("status = 'submitted'"),
        ),
        # A dealer's reports over a span of months (plan against actual).
        Index("ix_store_reports_dealer_period_status", "dealer_id", "period", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.DRAFT
    )
    footfall: Mapped[int | None] = mapped_column(BigInteger)
    closing_stock_minor: Mapped[int | None] = mapped_column(BigInteger)
    staff_count: Mapped[int | None]
    issues: Mapped[str] = mapped_column(Text, default="")
    customer_feedback: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship()
    dealer: Mapped[Dealer] = relationship()
    lines: Mapped[list[StoreReportLine]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="StoreReportLine.id"
    )
    competitor_activities: Mapped[list[CompetitorActivity]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="CompetitorActivity.position",
    )
    transitions: Mapped[list[ReportTransition]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="(ReportTransition.at, ReportTransition.id)",
    )

    def __str__(self) -> str:
        return f"{self.period}"


class StoreReportLine(db.Model):
    """Actuals for one product line: revenue (minor units) and units sold."""

    __tablename__ = "store_report_lines"
    __table_args__ = (
        UniqueConstraint("report_id", "product_line_id", name="uq_store_report_lines_cell"),
        # Plan-vs-actual totals sum a report's lines from this index alone.
        Index("ix_store_report_lines_report_figures", "report_id", "revenue_minor", "units"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("store_reports.id", ondelete="CASCADE"))
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"), index=True)
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)

    report: Mapped[StoreReport] = relationship(back_populates="lines")
    product_line: Mapped[ProductLine] = relationship()


class CompetitorActivity(db.Model):
    """A structured observation about a competitor near the store."""

    __tablename__ = "competitor_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("store_reports.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    competitor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[CompetitorActivityKind] = mapped_column(
        str_enum(CompetitorActivityKind, "competitor_activity_kind")
    )
    observation: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[StoreReport] = relationship(back_populates="competitor_activities")


class ReportTransition(db.Model):
    __tablename__ = "report_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("store_reports.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[ReportAction] = mapped_column(str_enum(ReportAction, "report_action"))
    from_status: Mapped[ReportStatus | None] = mapped_column(
        str_enum(ReportStatus, "report_transition_from")
    )
    to_status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "report_transition_to"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[StoreReport] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()
