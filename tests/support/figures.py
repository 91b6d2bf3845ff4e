"""The maintained figures tables, as stored and as a full recomputation makes them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.metrics import upkeep
from portal.models import DealerFigures

Snapshot = dict[str, list[tuple[Any, ...]]]
# `as_of` is the day a row was computed: a row still current on a later day holds the same
# figures with an earlier date.
SKIPPED = {"dealer_figures": ("as_of",)}


def snapshot(dealer_ids: set[int] | None = None) -> Snapshot:
    """Every row of the figures tables (only these dealers' rows, when given), in key order."""
    found: Snapshot = {}
    for name in upkeep.TABLES:
        table = db.metadata.tables[name]
        columns = [c for c in table.columns if c.name not in SKIPPED.get(name, ())]
        query = select(*columns).order_by(*table.primary_key.columns)
        if dealer_ids is not None and "dealer_id" in table.c:
            query = query.where(table.c.dealer_id.in_(sorted(dealer_ids)))
        found[name] = [tuple(map(_plain, row)) for row in db.session.execute(query)]
    return found


def _plain(value: Any) -> Any:
    """Rows as hashable tuples: a JSON column's value as sorted text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def recomputed(dealer_ids: set[int] | None = None, today: date | None = None) -> Snapshot:
    """What `rebuild-figures` would store now (computed in a savepoint, then undone)."""
    savepoint = db.session.begin_nested()
    try:
        upkeep.rebuild_all(today)
        return snapshot(dealer_ids)
    finally:
        savepoint.rollback()


def current_dealers(today: date | None = None) -> set[int]:
    """Dealers whose row holds today's figures (the others wait for the refresh task)."""
    today = today or clock.today()
    return set(
        db.session.scalars(select(DealerFigures.dealer_id).where(upkeep.current_condition(today)))
    )


def differences(stored: Snapshot, expected: Snapshot) -> dict[str, tuple[list, list]]:
    """Per table: (rows only stored, rows only expected); empty when they agree."""
    found = {}
    for name in expected:
        extra = sorted(set(stored[name]) - set(expected[name]), key=repr)
        missing = sorted(set(expected[name]) - set(stored[name]), key=repr)
        if extra or missing:
            found[name] = (extra, missing)
    return found
