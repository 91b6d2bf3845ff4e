"""Figures kept per dealer (and per store and region) so home pages read rows, not the network.

Each table is derived data: `portal.metrics.upkeep` keeps it equal to what the metrics
compute from the base tables (the rule is written there), and `flask --app app
rebuild-figures` recomputes all of it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.network import Dealer

# The plan-against-actual sums kept for a window (as in plan_actual_totals).
FIGURE_SUMS = (
    "t_revenue",
    "a_revenue",
    "t_units",
    "a_units",
    "t_lines",
    "a_lines",
    "u_revenue",
    "u_units",
    "u_lines",
)
# The scorecard components the health score is made of (portal.metrics.dealers.KEYS).
COMPONENTS = (
    "attainment",
    "timeliness",
    "audit_score",
    "actions_on_time",
    "acknowledgement",
    "execution",
)


# The partial index's condition, as each database's queries write `WHERE flagged`.
FLAGGED_ON_POSTGRESQL, FLAGGED_ON_SQLITE = "receivables_flagged", "receivables_flagged = 1"


def _count() -> Mapped[int]:
    return mapped_column(default=0)


def _big() -> Mapped[int]:
    return mapped_column(BigInteger, default=0)


def _tenths() -> Mapped[Decimal | None]:
    return mapped_column(Numeric(5, 1))


class DealerFigures(db.Model):
    """One dealer's figures as of `as_of`, valid until the day before `stale_on` unless its
    data changes first (then the writing transaction recomputes the row)."""

    __tablename__ = "dealer_figures"
    __table_args__ = (
        Index("ix_dealer_figures_stale_on", "stale_on"),
        Index("ix_dealer_figures_health_score", "health_score"),
        # The home pages' receivables card: the few flagged dealers, the most late first.
        Index(
            "ix_dealer_figures_receivables_flagged",
            "receivables_late",
            postgresql_where=text(FLAGGED_ON_POSTGRESQL),
            sqlite_where=text(FLAGGED_ON_SQLITE),
        ),
    )

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date]  # the day the figures were computed for
    stale_on: Mapped[date]  # the first day a time-driven change may alter them
    settings: Mapped[str] = mapped_column(String(16))  # the configuration they were made with
    stores: Mapped[int] = _count()  # active stores

    # Plan against actual: last month and the year to date (sums in minor units)
    month_t_revenue: Mapped[int] = _big()
    month_a_revenue: Mapped[int] = _big()
    month_t_units: Mapped[int] = _big()
    month_a_units: Mapped[int] = _big()
    month_t_lines: Mapped[int] = _big()
    month_a_lines: Mapped[int] = _big()
    month_u_revenue: Mapped[int] = _big()
    month_u_units: Mapped[int] = _big()
    month_u_lines: Mapped[int] = _big()
    month_attainment_bp: Mapped[int | None] = mapped_column(BigInteger)
    ytd_t_revenue: Mapped[int] = _big()
    ytd_a_revenue: Mapped[int] = _big()
    ytd_t_units: Mapped[int] = _big()
    ytd_a_units: Mapped[int] = _big()
    ytd_t_lines: Mapped[int] = _big()
    ytd_a_lines: Mapped[int] = _big()
    ytd_u_revenue: Mapped[int] = _big()
    ytd_u_units: Mapped[int] = _big()
    ytd_u_lines: Mapped[int] = _big()
    ytd_attainment_bp: Mapped[int | None] = mapped_column(BigInteger)

    # Next month's plan and last month's store reports
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("sales_plans.id", ondelete="SET NULL"))
    plan_status: Mapped[str | None] = mapped_column(String(20))
    plan_timeliness: Mapped[str] = mapped_column(String(10))
    reports_expected: Mapped[int] = _count()
    reports_on_time: Mapped[int] = _count()
    reports_late: Mapped[int] = _count()
    reports_missing: Mapped[int] = _count()
    reports_open: Mapped[int] = _count()
    plans_returned: Mapped[int] = _count()
    reports_returned: Mapped[int] = _count()
    plans_waiting: Mapped[int] = _count()  # submitted, for a supervisor to decide
    reports_waiting: Mapped[int] = _count()

    # Audits and corrective actions
    audits_recent: Mapped[int] = _count()  # completed within the last year
    audit_score_sum: Mapped[Decimal] = mapped_column(Numeric(12, 1), default=Decimal(0))
    audit_average: Mapped[Decimal | None] = _tenths()
    last_audit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audits_overdue: Mapped[int] = _count()
    audits_due: Mapped[int] = _count()
    audits_due_announced: Mapped[int] = _count()  # what the dealer sees coming
    actions_open: Mapped[int] = _count()  # not verified yet
    actions_overdue: Mapped[int] = _count()
    actions_responded: Mapped[int] = _count()
    actions_to_answer: Mapped[int] = _count()
    actions_to_answer_overdue: Mapped[int] = _count()

    # Notices in effect
    notices: Mapped[int] = _count()
    notices_acknowledged: Mapped[int] = _count()
    acknowledgement_rate: Mapped[Decimal | None] = _tenths()
    executions_pending: Mapped[int] = _count()
    executions_overdue: Mapped[int] = _count()

    # Health: the score, its components (0-100) and the numbers behind their sentences
    health_score: Mapped[Decimal | None] = _tenths()
    audit_trend: Mapped[Decimal | None] = _tenths()
    c_attainment: Mapped[Decimal | None] = _tenths()
    c_timeliness: Mapped[Decimal | None] = _tenths()
    c_audit_score: Mapped[Decimal | None] = _tenths()
    c_actions_on_time: Mapped[Decimal | None] = _tenths()
    c_acknowledgement: Mapped[Decimal | None] = _tenths()
    c_execution: Mapped[Decimal | None] = _tenths()
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Receivables: flagged (over the credit limit, or more than RECEIVABLES_LATE_SHARE of
    # what is open overdue beyond 60 days) and the amount overdue beyond 60 days, as
    # `facts["receivables"]` holds them: the home pages' list without reading invoices
    receivables_flagged: Mapped[bool] = mapped_column(default=False)
    receivables_late: Mapped[int] = _big()

    dealer: Mapped[Dealer] = relationship()


class DealerOverdueNotice(db.Model):
    """A notice in effect on which the dealer is overdue (as of its figures' day): its
    acknowledgement, and how many of its stores have not reported the promotion."""

    __tablename__ = "dealer_overdue_notices"
    __table_args__ = (Index("ix_dealer_overdue_notices_notice_id", "notice_id"),)

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    acknowledgement_overdue: Mapped[int] = _count()  # 0 or 1
    executions_overdue: Mapped[int] = _count()


class StoreFigures(db.Model):
    """A store's latest completed audit (no row: never audited)."""

    __tablename__ = "store_figures"
    __table_args__ = (Index("ix_store_figures_last_audited_at", "last_audited_at"),)

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    last_audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    last_audited_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegionAuditMonth(db.Model):
    """Completed audits of a region's dealers in one month: how many, and their scores' sum."""

    __tablename__ = "region_audit_months"
    __table_args__ = (Index("ix_region_audit_months_period", "period"),)

    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    audits: Mapped[int] = _count()
    score_sum: Mapped[Decimal] = mapped_column(Numeric(12, 1), default=Decimal(0))
