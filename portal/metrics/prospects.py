"""Prospect figures: the pipeline (prospects per stage and region), the blank markets (cities
of a region with no active store, and the prospects working on each), and a signed dealer's
first-year targets from its proposal.

Each reads grouped rows in a fixed number of queries, whatever the size of the network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select

from portal.extensions import db
from portal.models import (
    OPEN_PROSPECT_STATUSES,
    Dealer,
    ProductLine,
    Prospect,
    ProspectStatus,
    ProspectTarget,
    Store,
    StoreStatus,
)

RegionScope = Callable[[ColumnElement[int]], ColumnElement[bool]]


def pipeline(scope: RegionScope) -> dict[int, dict[ProspectStatus, int]]:
    """region id -> {status: number of prospects}, for the regions in `scope` that have any."""
    rows = db.session.execute(
        select(Prospect.region_id, Prospect.status, func.count())
        .where(scope(Prospect.region_id))
        .group_by(Prospect.region_id, Prospect.status)
    )
    counts: dict[int, dict[ProspectStatus, int]] = defaultdict(dict)
    for region_id, status, count in rows:
        counts[region_id][ProspectStatus(status)] = int(count)
    return dict(counts)


def pipeline_totals(counts: dict[int, dict[ProspectStatus, int]]) -> dict[ProspectStatus, int]:
    """The stages summed over regions (every status present, 0 when none)."""
    totals = dict.fromkeys(ProspectStatus, 0)
    for by_status in counts.values():
        for status, count in by_status.items():
            totals[status] += count
    return totals


def open_count(scope: RegionScope) -> dict[ProspectStatus, int]:
    """Open prospects per stage in scope (the home card), in one query."""
    rows = db.session.execute(
        select(Prospect.status, func.count())
        .where(scope(Prospect.region_id), Prospect.status.in_(OPEN_PROSPECT_STATUSES))
        .group_by(Prospect.status)
    )
    return {ProspectStatus(status): int(count) for status, count in rows}


def city_key(city: str) -> str:
    """Cities compare ignoring case and surrounding spaces (北京 = 北京, Dalian = dalian)."""
    return " ".join(city.split()).casefold()


@dataclass
class Market:
    """A city of a region with no active store, and the open prospects working on it."""

    region_id: int
    city: str
    closed_stores: int = 0  # stores the region had there that no longer trade
    prospects: list[Prospect] = field(default_factory=list)


def _keys(*names: str) -> set[str]:
    return {city_key(name) for name in names if name and name.strip()}


def blank_markets(scope: RegionScope) -> list[Market]:
    """Per region in scope, the cities with no active store that open prospects name or
    where the region's stores have all closed; each with the prospects working on it.

    A store is active when it is open and in use and its dealer is active; a city matches
    by its name or its other name (city alias), ignoring case."""
    trading = Store.active & (Store.status == StoreStatus.OPEN) & Dealer.active
    stores = db.session.execute(
        select(Dealer.region_id, Store.city, Store.city_alias, trading, func.count())
        .join(Dealer, Dealer.id == Store.dealer_id)
        .where(scope(Dealer.region_id), Store.city != "")
        .group_by(Dealer.region_id, Store.city, Store.city_alias, trading)
    ).all()
    served: dict[int, set[str]] = defaultdict(set)
    closed: dict[tuple[int, str], tuple[str, int]] = {}
    for region_id, city, alias, trading, count in stores:
        if trading:
            served[region_id] |= _keys(city, alias)
        else:
            name, before = closed.get((region_id, city_key(city)), (city, 0))
            closed[(region_id, city_key(city))] = (name, before + int(count))
    prospects = db.session.scalars(
        select(Prospect)
        .where(
            scope(Prospect.region_id),
            Prospect.status.in_(OPEN_PROSPECT_STATUSES),
            Prospect.city != "",
        )
        .order_by(Prospect.region_id, Prospect.city, Prospect.name)
    ).all()
    markets: dict[tuple[int, str], Market] = {}
    for (region_id, key), (name, count) in closed.items():
        if key not in served[region_id]:
            markets[(region_id, key)] = Market(region_id, name, closed_stores=count)
    for prospect in prospects:
        names = _keys(prospect.city, prospect.city_alias)
        if names & served[prospect.region_id]:
            continue
        key = city_key(prospect.city)
        market = markets.setdefault(
            (prospect.region_id, key), Market(prospect.region_id, prospect.city.strip())
        )
        market.prospects.append(prospect)
    return sorted(markets.values(), key=lambda m: (m.region_id, city_key(m.city)))


@dataclass(frozen=True)
class FirstYearTarget:
    product_line: str
    revenue_minor: int
    units: int


def first_year_targets(dealer_id: int) -> tuple[Prospect | None, list[FirstYearTarget]]:
    """The prospect a dealer was signed from (None if it was not) and its proposal's
    first-year targets per product line, in product-line order."""
    prospect = db.session.scalar(select(Prospect).where(Prospect.dealer_id == dealer_id))
    if prospect is None:
        return None, []
    rows = db.session.execute(
        select(ProductLine, ProspectTarget.revenue_minor, ProspectTarget.units)
        .join(ProspectTarget, ProspectTarget.product_line_id == ProductLine.id)
        .where(ProspectTarget.prospect_id == prospect.id)
        .order_by(ProductLine.sort_order, ProductLine.id)
    ).all()
    return prospect, [FirstYearTarget(line.label, revenue, units) for line, revenue, units in rows]
