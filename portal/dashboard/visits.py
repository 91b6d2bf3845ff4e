"""Dealers needing a visit: which of each ranked dealer's stores to audit first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.metrics import dealer_figures
from portal.metrics.home import Periods
from portal.models import Store, StoreFigures


def health_window(when: Periods) -> tuple[date, date]:
    """The months the health score covers (portal.metrics.dealer_figures.health_window)."""
    return dealer_figures.health_window(when)


def stores_to_visit(dealer_ids: Sequence[int]) -> dict[int, int]:
    """For each dealer, the active store audited least recently (never audited first)."""
    if not dealer_ids:
        return {}
    rows = db.session.execute(
        select(Store.id, Store.dealer_id, Store.code, StoreFigures.last_audited_at)
        .outerjoin(StoreFigures, StoreFigures.store_id == Store.id)
        .where(Store.dealer_id.in_(list(dealer_ids)), Store.active.is_(True))
    ).all()
    chosen: dict[int, tuple] = {}
    for store_id, dealer_id, code, last in rows:
        key = (last is not None, last.isoformat() if last else "", code)
        if dealer_id not in chosen or key < chosen[dealer_id][0]:
            chosen[dealer_id] = (key, store_id)
    return {dealer_id: store_id for dealer_id, (_key, store_id) in chosen.items()}
