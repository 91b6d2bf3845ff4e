"""Dealers needing a visit: health scores from the dealers' scorecards, lowest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, select

from portal import periods
from portal.extensions import db
from portal.metrics import dealers as dealer_metrics
from portal.metrics import health as health_metrics
from portal.metrics.home import DealerLine, Periods
from portal.models import Audit, AuditStatus, Store


def healths_for(
    lines: Sequence[DealerLine], when: Periods, dealer_ids: Select[Any]
) -> dict[int, health_metrics.Health]:
    """Every dealer's health: scorecards of `dealer_ids` (a sub-select, so a fixed number of
    queries however many dealers), then pure Python."""
    if not lines:
        return {}
    config = current_app.config
    first, last = health_window(when)
    cards = dealer_metrics.scorecards(dealer_ids, first=first, last=last, today=when.today)
    weights = config["HEALTH_WEIGHTS"]
    penalties = config["HEALTH_PENALTIES"]
    result = {}
    for line in lines:
        card = cards.get(line.id)
        if card is None:
            continue
        result[line.id] = health_metrics.health(
            card,
            weights=weights,
            penalties=penalties,
            overdue_actions=line.overdue_actions,
            last_audit=line.audits.last_completed,
            today=when.today,
        )
    return result


def health_window(when: Periods) -> tuple[date, date]:
    """The scorecard window: the last HEALTH_MONTHS complete months (to last month's end, so
    a month whose actuals are not due yet does not count as unmet targets)."""
    months = int(current_app.config["HEALTH_MONTHS"])
    return dealer_metrics.period_window(periods.last_day(when.month), months)


def needing_visit(
    healths: dict[int, health_metrics.Health], limit: int | None = None
) -> list[health_metrics.Health]:
    size = limit if limit is not None else int(current_app.config["HOME_VISIT_LIST_SIZE"])
    return health_metrics.rank(healths.values(), limit=size)


def stores_to_visit(dealer_ids: Sequence[int]) -> dict[int, int]:
    """For each dealer, the active store audited least recently (never audited first)."""
    if not dealer_ids:
        return {}
    rows = db.session.execute(
        select(Store.id, Store.dealer_id, Store.code, func.max(Audit.completed_at))
        .outerjoin(Audit, and_(Audit.store_id == Store.id, Audit.status == AuditStatus.COMPLETED))
        .where(Store.dealer_id.in_(list(dealer_ids)), Store.active.is_(True))
        .group_by(Store.id, Store.dealer_id, Store.code)
    ).all()
    chosen: dict[int, tuple] = {}
    for store_id, dealer_id, code, last in rows:
        key = (last is not None, str(last or ""), code)
        if dealer_id not in chosen or key < chosen[dealer_id][0]:
            chosen[dealer_id] = (key, store_id)
    return {dealer_id: store_id for dealer_id, (_key, store_id) in chosen.items()}
