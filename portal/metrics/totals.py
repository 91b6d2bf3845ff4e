"""Totals that list pages show beside each row, one grouped query per page of rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SalesPlanLine, Store, StoreReportLine


def plan_totals(plan_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each plan's planned revenue (minor units) and units, summed over its lines."""
    return _line_sums(SalesPlanLine, SalesPlanLine.plan_id, plan_ids)


def report_totals(report_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each report's reported revenue (minor units) and units, summed over its lines."""
    return _line_sums(StoreReportLine, StoreReportLine.report_id, report_ids)


def _line_sums(line: Any, owner_id: Any, ids: list[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            owner_id,
            func.coalesce(func.sum(line.revenue_minor), 0),
            func.coalesce(func.sum(line.units), 0),
        )
        .where(owner_id.in_(ids))
        .group_by(owner_id)
    )
    return {owner: (int(revenue), int(units)) for owner, revenue, units in rows}


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
