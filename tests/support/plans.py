"""Factories for sales plans and store reports, and a two-dealer, two-region world."""

from __future__ import annotations

from dataclasses import dataclass

from portal import clock, periods
from portal.extensions import db
from portal.models import (
    Dealer,
    PlanStatus,
    ProductLine,
    Region,
    ReportStatus,
    Role,
    SalesPlan,
    SalesPlanLine,
    Store,
    StoreReport,
    StoreReportLine,
    User,
)
from portal.models.base import utcnow
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)


def this_month(offset: int = 0) -> str:
    return periods.shift(periods.of(clock.today()), offset)


@dataclass
class World:
    """Dealer X in region A, dealer Y in region B, each with two stores; their people."""

    region_a: Region
    region_b: Region
    dealer_x: Dealer
    dealer_y: Dealer
    stores_x: list[Store]
    stores_y: list[Store]
    lines: list[ProductLine]
    user_x: User
    user_y: User
    supervisor_a: User
    supervisor_b: User
    admin: User


def make_world() -> World:
    region_a, region_b = make_region(name="Region A"), make_region(name="Region B")
    dealer_x = make_dealer(region_a, name="Dealer X")
    dealer_y = make_dealer(region_b, name="Dealer Y")
    world = World(
        region_a=region_a,
        region_b=region_b,
        dealer_x=dealer_x,
        dealer_y=dealer_y,
        stores_x=[make_store(dealer_x), make_store(dealer_x)],
        stores_y=[make_store(dealer_y), make_store(dealer_y)],
        lines=[make_product_line(code="FTW"), make_product_line(code="APP")],
        user_x=make_user(Role.DEALER, dealer=dealer_x),
        user_y=make_user(Role.DEALER, dealer=dealer_y),
        supervisor_a=make_user(Role.SUPERVISOR, regions=[region_a]),
        supervisor_b=make_user(Role.SUPERVISOR, regions=[region_b]),
        admin=make_user(Role.ADMIN),
    )
    db.session.commit()
    return world


def make_plan(
    dealer: Dealer,
    period: str,
    cells: dict[tuple[Store, ProductLine], tuple[int, int]] | None = None,
    *,
    status: PlanStatus = PlanStatus.DRAFT,
    note: str = "",
    submitted_at=None,
) -> SalesPlan:
    """A plan with lines {(store, line): (revenue in minor units, units)}."""
    plan = SalesPlan(dealer=dealer, period=period, status=status, note=note)
    if status != PlanStatus.DRAFT:
        plan.first_submitted_at = plan.submitted_at = submitted_at or utcnow()
    for (store, line), (revenue, units) in (cells or {}).items():
        plan.lines.append(
            SalesPlanLine(store=store, product_line=line, revenue_minor=revenue, units=units)
        )
    db.session.add(plan)
    db.session.flush()
    return plan


def make_report(
    store: Store,
    period: str,
    actuals: dict[ProductLine, tuple[int, int]] | None = None,
    *,
    status: ReportStatus = ReportStatus.DRAFT,
    submitted_at=None,
    **fields,
) -> StoreReport:
    report = StoreReport(store=store, dealer=store.dealer, period=period, status=status, **fields)
    if status != ReportStatus.DRAFT:
        report.first_submitted_at = report.submitted_at = submitted_at or utcnow()
    for line, (revenue, units) in (actuals or {}).items():
        report.lines.append(StoreReportLine(product_line=line, revenue_minor=revenue, units=units))
    db.session.add(report)
    db.session.flush()
    return report


def grid_form(cells: dict[tuple[Store, ProductLine], tuple[str, str]], **extra) -> dict:
    """Form data for the plan grid: {(store, line): (revenue text, units text)}."""
    data = dict(extra)
    for (store, line), (revenue, units) in cells.items():
        data[f"revenue-{store.id}-{line.id}"] = revenue
        data[f"units-{store.id}-{line.id}"] = units
    return data


def plan_grid_url(dealer_id: int) -> str:
    """Where the dealer's plan grid opens for editing: a draft or returned plan, else a new
    plan for the first month after this one that has none."""
    from sqlalchemy import select

    plans = db.session.scalars(
        select(SalesPlan).where(SalesPlan.dealer_id == dealer_id).order_by(SalesPlan.period.desc())
    ).all()
    for plan in plans:
        if plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
            return f"/plans/{plan.id}/edit"
    planned = {plan.period for plan in plans}
    period = periods.shift(periods.of(clock.today()), 1)
    while period in planned:
        period = periods.shift(period, 1)
    return f"/plans/new?period={period}"
