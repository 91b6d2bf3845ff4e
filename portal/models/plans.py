"""Sales plans: a dealer's monthly targets per store and product line, and their lifecycle."""

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
    from portal.models.users import User


class PlanStatus(LabelledEnum):
    """Where a plan is in its lifecycle (`PLAN_LIFECYCLE`)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class PlanAction(LabelledEnum):
    """What a transition did (reopening moves an approved plan back to returned)."""

    CREATE = "create"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


# A dealer drafts and submits its plan; a supervisor approves it or returns it, saying what
# to change. An approved plan is locked until a supervisor reopens it, giving a reason: it
# goes back to the dealer as returned.
PLAN_LIFECYCLE = lifecycle.review_lifecycle(
    "plan",
    accept=PlanAction.APPROVE,
    accepted=PlanStatus.APPROVED,
    more=[
        lifecycle.Step(
            PlanAction.REOPEN,
            {PlanStatus.APPROVED},
            PlanStatus.RETURNED,
            lifecycle.Comment(required=True, key="reason"),
            notice=lifecycle.Notice("plan.reopened", lifecycle.Recipients.DEALER, quote=True),
        )
    ],
)
register_labels(PlanStatus, {PlanStatus.APPROVED: _l("Approved")})
register_labels(PlanAction, {PlanAction.APPROVE: _l("Approved"), PlanAction.REOPEN: _l("Reopened")})


class SalesPlan(lifecycle.ReviewStamps, TimestampMixin, VersionedMixin, db.Model):
    """One dealer's plan for one period (one per dealer and period)."""

    __tablename__ = "sales_plans"
    __table_args__ = (
        UniqueConstraint("dealer_id", "period", name="uq_sales_plans_dealer_id_period"),
        Index("ix_sales_plans_period_status", "period", "status"),
        lifecycle.review_queue_index("sales_plans"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    note: Mapped[str] = mapped_column(Text, default="")
    # Why the plan is below the dealer's allocated target (portal.targets), where it is.
    below_target_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    dealer: Mapped[Dealer] = relationship()
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list[SalesPlanLine]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="SalesPlanLine.id"
    )
    transitions: Mapped[list[PlanTransition]] = lifecycle.transition_log("PlanTransition", "plan")

    def __str__(self) -> str:
        return f"{self.period}"


class SalesPlanLine(db.Model):
    """Targets for one store and product line: revenue (minor units) and units."""

    __tablename__ = "sales_plan_lines"
    __table_args__ = (
        UniqueConstraint("plan_id", "store_id", "product_line_id", name="uq_sales_plan_lines_cell"),
        # Plan-vs-actual totals sum a plan's lines from this index alone.
        Index("ix_sales_plan_lines_plan_figures", "plan_id", "revenue_minor", "units"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sales_plans.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"), index=True)
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)

    plan: Mapped[SalesPlan] = relationship(back_populates="lines")
    store: Mapped[Store] = relationship()
    product_line: Mapped[ProductLine] = relationship()


class PlanTransition(lifecycle.TransitionLog, db.Model):
    """A step of a plan's lifecycle; the plan's history shows them."""

    __tablename__ = "plan_transitions"
    workflow = PLAN_LIFECYCLE

    plan_id: Mapped[int] = lifecycle.log_owner("sales_plans")
    plan: Mapped[SalesPlan] = relationship(back_populates="transitions")


class PlanActualTotal(db.Model):
    """Plan against actual summed per dealer and period (a rollup of the plan and report
    lines, kept exact in the writing transaction by portal.metrics.rollup).

    Same rules as `portal.metrics.plans.plan_vs_actual`: targets (`t_*`) from approved
    plans; actuals from submitted and reviewed reports, matched (`a_*`: the approved plan
    has a line for their store and product line) or without a target (`u_*`); `*_lines`
    count the lines summed. A key with no such line at all has no row.
    """

    __tablename__ = "plan_actual_totals"
    __table_args__ = (Index("ix_plan_actual_totals_period", "period"),)

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    t_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    a_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    t_units: Mapped[int] = mapped_column(BigInteger, default=0)
    a_units: Mapped[int] = mapped_column(BigInteger, default=0)
    t_lines: Mapped[int] = mapped_column(BigInteger, default=0)
    a_lines: Mapped[int] = mapped_column(BigInteger, default=0)
    u_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    u_units: Mapped[int] = mapped_column(BigInteger, default=0)
    u_lines: Mapped[int] = mapped_column(BigInteger, default=0)
