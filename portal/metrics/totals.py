"""Totals that list pages show beside each row, one grouped query per page of rows."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SalesPlanLine, Store, StoreReportLine


def plan_totals(plan_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each plan's planned revenue (minor units) and units, summed over its lines."""
    if not plan_ids:
        return {}
    rows = db.session.execute(
        select(
            SalesPlanLine.plan_id,
            func.coalesce(func.sum(SalesPlanLine.revenue_minor), 0),
            func.coalesce(func.sum(SalesPlanLine.units), 0),
        )
        .where(SalesPlanLine.plan_id.in_(plan_ids))
        .group_by(SalesPlanLine.plan_id)
    )
    return {plan_id: (int(revenue), int(units)) for plan_id, revenue, units in rows}


def report_totals(report_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each report's reported revenue (minor units) and units, summed over its lines."""
    if not report_ids:
        return {}
    rows = db.session.execute(
        select(
            StoreReportLine.report_id,
            func.sum(StoreReportLine.revenue_minor),
            func.sum(StoreReportLine.units),
        )
        .where(StoreReportLine.report_id.in_(report_ids))
        .group_by(StoreReportLine.report_id)
    )
    return {report_id: (int(revenue), int(units)) for report_id, revenue, units in rows}


def active_store_counts(dealer_ids: list[int]) -> dict[int, int]:
    """How many active stores each dealer has (dealers without any are left out)."""
    if not dealer_ids:
        return {}
    rows = db.session.execute(
        select(Store.dealer_id, func.count())
        .where(Store.dealer_id.in_(dealer_ids), Store.active.is_(True))
        .group_by(Store.dealer_id)
    )
    return dict(rows.all())
