"""Sales plan changes. Each function checks the rules, flushes, logs, notifies, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from portal import activity, lifecycle, periods
from portal.extensions import db
from portal.metrics import targets as target_metrics
from portal.models import (
    PLAN_LIFECYCLE,
    Dealer,
    PlanAction,
    ProductLine,
    SalesPlan,
    SalesPlanLine,
    Store,
    StoreStatus,
    User,
)
from portal.models.base import utcnow
from portal.plans.grid import Values

EDITABLE = PLAN_LIFECYCLE.editable


class PlanError(lifecycle.LifecycleError):
    """A change the plan rules refuse; `field` names the form field to show it on."""


class PlanExists(lifecycle.RecordExists):
    """The dealer already has a plan for this period (a resent or concurrent create)."""

    @property
    def plan(self) -> SalesPlan:
        return self.record


def _summary(plan: SalesPlan) -> dict[str, Any]:
    return {
        "period": plan.period,
        "dealer_id": plan.dealer_id,
        "lines": len(plan.lines),
        **lifecycle.line_totals(plan.lines),
    }


LIFECYCLE = lifecycle.Lifecycle(
    PLAN_LIFECYCLE,
    error=PlanError,
    exists=PlanExists,
    about=lambda plan: {"period": plan.period},
    decided=lambda plan: {"dealer": plan.dealer.code, "period": plan.period},
    summary=_summary,
    link=lambda plan: f"/plans/{plan.id}",
)


# What the grid shows


def grid_stores(dealer: Dealer, plan: SalesPlan | None = None) -> list[Store]:
    """The dealer's stores that take targets, plus any already in the plan."""
    in_plan = {line.store_id for line in plan.lines} if plan is not None else set()
    stores = db.session.scalars(
        select(Store).where(Store.dealer_id == dealer.id).order_by(Store.code)
    ).all()
    return [
        store
        for store in stores
        if (store.active and store.status != StoreStatus.CLOSED) or store.id in in_plan
    ]


def grid_lines(plan: SalesPlan | None = None) -> list[ProductLine]:
    """Active product lines, plus any already in the plan."""
    in_plan = {line.product_line_id for line in plan.lines} if plan is not None else set()
    lines = db.session.scalars(
        select(ProductLine).order_by(ProductLine.sort_order, ProductLine.code)
    ).all()
    return [line for line in lines if line.active or line.id in in_plan]


def values_of(plan: SalesPlan | None) -> Values:
    if plan is None:
        return {}
    return {
        (line.store_id, line.product_line_id): (line.revenue_minor, line.units)
        for line in plan.lines
    }


def previous_plan(dealer_id: int, period: str) -> SalesPlan | None:
    """The dealer's latest plan before `period` (whatever its status)."""
    return db.session.scalar(
        select(SalesPlan)
        .where(SalesPlan.dealer_id == dealer_id, SalesPlan.period < period)
        .order_by(SalesPlan.period.desc())
        .limit(1)
    )


def previous_plans(plans: Sequence[SalesPlan]) -> dict[int, SalesPlan | None]:
    """For each plan, its dealer's latest earlier plan (two queries for any number)."""
    if not plans:
        return {}
    earlier = aliased(SalesPlan)
    latest = dict(
        db.session.execute(
            select(SalesPlan.id, func.max(earlier.period))
            .join(
                earlier,
                (earlier.dealer_id == SalesPlan.dealer_id) & (earlier.period < SalesPlan.period),
            )
            .where(SalesPlan.id.in_([plan.id for plan in plans]))
            .group_by(SalesPlan.id)
        ).all()
    )
    wanted = {(plan.dealer_id, latest[plan.id]) for plan in plans if plan.id in latest}
    found = {}
    if wanted:
        rows = db.session.scalars(
            select(SalesPlan).where(tuple_(SalesPlan.dealer_id, SalesPlan.period).in_(list(wanted)))
        )
        found = {(row.dealer_id, row.period): row for row in rows}
    return {plan.id: found.get((plan.dealer_id, latest.get(plan.id))) for plan in plans}


def period_window(today: date, config: Any) -> tuple[str, str]:
    return periods.window(today, config["PERIOD_MONTHS_BACK"], config["PERIOD_MONTHS_AHEAD"])


# Changes


def create_plan(
    *,
    dealer: Dealer,
    period: str,
    values: Values,
    note: str,
    actor: User,
    window: tuple[str, str],
    below_target_reason: str = "",
) -> SalesPlan:
    """A new draft plan with its lines; PlanExists if the dealer has one for this period."""
    plan = SalesPlan(
        dealer_id=dealer.id,
        period=period,
        note=note,
        below_target_reason=below_target_reason,
        created_by_id=actor.id,
    )
    plan.dealer = dealer
    LIFECYCLE.create(plan, existing=lambda: find_plan(dealer.id, period), window=window)
    _set_lines(plan, values)
    LIFECYCLE.move(plan, PlanAction.CREATE, actor=actor)
    db.session.flush()
    return plan


def find_plan(dealer_id: int, period: str) -> SalesPlan | None:
    return db.session.scalar(
        select(SalesPlan)
        .where(SalesPlan.dealer_id == dealer_id, SalesPlan.period == period)
        .execution_options(populate_existing=True)
    )


def plans_by_period(dealer_id: int, months: list[str]) -> dict[str, SalesPlan]:
    """The dealer's plans for these months, by month (one query)."""
    rows = db.session.scalars(
        select(SalesPlan).where(SalesPlan.dealer_id == dealer_id, SalesPlan.period.in_(months))
    )
    return {plan.period: plan for plan in rows}


def update_plan(
    plan: SalesPlan,
    *,
    values: Values,
    note: str,
    actor: User,
    below_target_reason: str | None = None,
) -> int:
    """Replace the plan's figures and note (and the reason it is below its allocated target,
    when given); returns the number of changed cells."""
    if plan.status not in EDITABLE:
        raise PlanError(
            _l("This plan is %(status)s and cannot be changed.", status=plan.status.label)
        )
    changed = _set_lines(plan, values)
    note_changed = plan.note != note
    plan.note = note
    if below_target_reason is not None and below_target_reason != plan.below_target_reason:
        plan.below_target_reason = below_target_reason
        note_changed = True
    if changed or note_changed:
        plan.updated_at = utcnow()  # lines live in another table: bump the plan's version
        db.session.flush()
        activity.record(
            "sales_plan.update",
            plan,
            details={"cells_changed": changed, "note_changed": note_changed, **_summary(plan)},
            actor=actor,
        )
    return changed


def same_content(plan: SalesPlan, values: Values, note: str) -> bool:
    """True when posting these figures and note would change nothing (a resent form)."""
    return values_of(plan) == values and plan.note == note


def _set_lines(plan: SalesPlan, values: Values) -> int:
    stores = {store.id for store in grid_stores(plan.dealer, plan)}
    foreign = [store_id for store_id, _line in values if store_id not in stores]
    if foreign:
        raise PlanError(_l("A store in this plan is not one of the dealer's stores."))
    current = {(line.store_id, line.product_line_id): line for line in plan.lines}
    changed = 0
    for key, line in current.items():
        if key not in values:
            plan.lines.remove(line)
            changed += 1
    for (store_id, line_id), (revenue, units) in values.items():
        line = current.get((store_id, line_id))
        if line is None:
            plan.lines.append(
                SalesPlanLine(
                    store_id=store_id, product_line_id=line_id, revenue_minor=revenue, units=units
                )
            )
            changed += 1
        elif (line.revenue_minor, line.units) != (revenue, units):
            line.revenue_minor, line.units = revenue, units
            changed += 1
    return changed


def submit_plan(plan: SalesPlan, *, actor: User, now: datetime | None = None) -> None:
    LIFECYCLE.check(plan, PlanAction.SUBMIT)
    if not any(line.revenue_minor or line.units for line in plan.lines):
        raise PlanError(_l("Enter at least one target before submitting."))
    if below_target(plan) and not plan.below_target_reason.strip():
        raise PlanError(
            _l("Your plan is below your allocated target: say why before submitting."),
            "below_target_reason",
        )
    LIFECYCLE.move(plan, PlanAction.SUBMIT, actor=actor, at=now)


def approve_plan(plan: SalesPlan, *, actor: User, comment: str = "") -> None:
    LIFECYCLE.move(plan, PlanAction.APPROVE, actor=actor, comment=comment)


def return_plan(plan: SalesPlan, *, actor: User, comment: str) -> None:
    LIFECYCLE.move(plan, PlanAction.RETURN, actor=actor, comment=comment)


def reopen_plan(plan: SalesPlan, *, actor: User, reason: str) -> None:
    """Unlock an approved plan: it goes back to the dealer as returned, with the reason."""
    LIFECYCLE.move(plan, PlanAction.REOPEN, actor=actor, comment=reason)


def below_target(plan: SalesPlan) -> list[int]:
    """The product lines where the plan is below the dealer's approved allocated target."""
    planned: dict[int, int] = {}
    for line in plan.lines:
        planned[line.product_line_id] = planned.get(line.product_line_id, 0) + line.revenue_minor
    return target_metrics.below_allocation(plan.dealer_id, plan.period, planned)


def comparison_rows(
    stores: Sequence[Store], *plans: SalesPlan | None
) -> list[tuple[Store, list[tuple[int, int] | None]]]:
    """Per store, each plan's (revenue, units) total: the plan beside earlier ones."""
    totals = []
    for plan in plans:
        by_store: dict[int, tuple[int, int]] = {}
        for line in plan.lines if plan is not None else []:
            revenue, units = by_store.get(line.store_id, (0, 0))
            by_store[line.store_id] = (revenue + line.revenue_minor, units + line.units)
        totals.append(by_store if plan is not None else None)
    return [
        (store, [None if t is None else t.get(store.id, (0, 0)) for t in totals])
        for store in stores
    ]
