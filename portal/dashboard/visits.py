"""Dealers needing a visit: health scores from the dealers' scorecards, lowest first."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import and_, func, select

from portal import periods
from portal.extensions import db
from portal.metrics import health as health_metrics
from portal.metrics.home import DealerLine, Periods
from portal.models import Audit, AuditStatus, Store


def healths_for(lines: Sequence[DealerLine], when: Periods) -> dict[int, health_metrics.Health]:
    """Every dealer's health (scorecards in a fixed number of queries, then pure Python)."""
    if not lines:
        return {}
    from portal.metrics import dealers as dealer_metrics

    config = current_app.config
    first, last = dealer_metrics.period_window(
        periods.last_day(when.month), int(config["HEALTH_MONTHS"])
    )
    cards = dealer_metrics.scorecards([line.id for line in lines], first=first, last=last)
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
