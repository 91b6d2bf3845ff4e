"""Store reports: a store's actuals for one period, its situation and its lifecycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import lifecycle
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    register_labels,
    str_enum,
)

if TYPE_CHECKING:
    from portal.models.network import Dealer, ProductLine, Store


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


# A dealer writes and submits a store's report; a supervisor marks it reviewed, or returns
# it saying what to change. A reviewed report is final.
REPORT_LIFECYCLE = lifecycle.review_lifecycle(
    "report", accept=ReportAction.REVIEW, accepted=ReportStatus.REVIEWED
)
register_labels(ReportStatus, {ReportStatus.REVIEWED: _l("Reviewed")})
register_labels(ReportAction, {ReportAction.REVIEW: _l("Reviewed")})
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


class StoreReport(lifecycle.ReviewStamps, TimestampMixin, VersionedMixin, db.Model):
    """One store's report for one period (one per store and period).

    `dealer_id` is the store's dealer when the report was made, so a report stays with
    the business that made it if the store later changes hands.
    """

    __tablename__ = "store_reports"
    __table_args__ = (
        UniqueConstraint("store_id", "period", name="uq_store_reports_store_id_period"),
        Index("ix_store_reports_period_status", "period", "status"),
        lifecycle.review_queue_index("store_reports"),
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
    transitions: Mapped[list[ReportTransition]] = lifecycle.transition_log(
        "ReportTransition", "report"
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


class ReportTransition(lifecycle.TransitionLog, db.Model):
    __tablename__ = "report_transitions"
    workflow = REPORT_LIFECYCLE

    report_id: Mapped[int] = lifecycle.log_owner("store_reports")
    report: Mapped[StoreReport] = relationship(back_populates="transitions")
