"""The large network's targets: this year's region targets, allocations and forecasts.

Written in bulk beside the rest of `seed-large` (portal/demo/large.py), as the services would
have left them on the morning of `today`: each region's annual target per product line
(its active stores times a standard store's year, by the line's share, plus growth) split
by the default seasonality profile; an allocation per region shared by active store count
(every seventh region lowers its first dealer by a tenth and explains it; the last two
regions wait for approval, the rest are approved), and a submitted forecast per region at
the start of every month so far, within a few percent of the allocation.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from portal.demo.plans import LINE_MIX, SEASON, STANDARD_STORE_REVENUE
from portal.extensions import db
from portal.metrics.targets import split_by_weights, year_periods
from portal.models import SeasonalityProfile

GROWTH = 1.08
Write = Callable[[str, Sequence[str], list[Sequence[Any]]], None]
NextId = Callable[[str], int]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def seed_targets(write: Write, next_id: NextId, ids: Any, rng: random.Random, today: date) -> None:
    year = today.year
    weights = [round(weight * 100) for weight in SEASON]
    first = min(date(year, 1, 2), today)  # on the first when that is today
    start, approved_at = _at(first, 6), _at(min(date(year, 1, 8), today), 7)
    # One default profile per database: a forced second network keeps the one there is.
    has_default = db.session.scalar(
        select(SeasonalityProfile.id).where(SeasonalityProfile.region_id.is_(None)).limit(1)
    )
    if has_default is None:
        write(
            "seasonality_profiles",
            ("id", "region_id", "weights", "created_at", "updated_at", "version"),
            [(next_id("seasonality_profiles"), None, ",".join(map(str, weights)), start, start, 1)],
        )
    shares = [LINE_MIX[code][0] for code in LINE_MIX][: len(ids.lines)]
    holders = _holders(ids)
    target_id, revision_id = next_id("region_targets"), next_id("region_target_revisions")
    allocation_id, line_id = next_id("target_allocations"), next_id("allocation_lines")
    step_id = next_id("allocation_transitions")
    targets, months_rows, revisions, allocations, lines, steps = [], [], [], [], [], []
    for index, region in enumerate(ids.regions):
        dealers = holders.get(region, [])
        stores = sum(count for _, count in dealers) or 1
        lowered = index % 7 == 0 and len(dealers) > 1
        submitted = index >= len(ids.regions) - 2
        actor = ids.supervisors[region][0]
        for line, share in zip(ids.lines, shares, strict=False):
            revenue = int(stores * STANDARD_STORE_REVENUE * 100 * 12 * share * GROWTH)
            units = revenue // (_unit_price(line, ids) * 100)
            months = list(zip(split_by_weights(revenue, weights),
                              split_by_weights(units, weights), strict=True))  # fmt: skip
            targets.append((target_id, region, year, line, revenue, units, "profile", 1,
                            start, start, 1))  # fmt: skip
            months_rows += [(target_id, n + 1, r, u) for n, (r, u) in enumerate(months)]
            saved = ",".join(f"{r}/{u}" for r, u in months)
            revisions.append(
                (revision_id, target_id, 1, revenue, units, saved, "", ids.admin, start)
            )
            target_id, revision_id = target_id + 1, revision_id + 1
            for period, (month_revenue, month_units) in zip(
                year_periods(year), months, strict=True
            ):
                counts = [count for _, count in dealers] or [1]
                for (dealer, _), r, u in zip(
                    dealers,
                    split_by_weights(month_revenue, counts),
                    split_by_weights(month_units, counts),
                    strict=False,
                ):
                    if lowered and dealer == dealers[0][0]:
                        r, u = r * 9 // 10, u * 9 // 10
                    lines.append((line_id, allocation_id, dealer, line, period, r, u))
                    line_id += 1
        explanation = "First dealer refits two stores: a tenth less for them." if lowered else ""
        status = "submitted" if submitted else "approved"
        decided = None if submitted else approved_at
        allocations.append((allocation_id, region, year, status, explanation, actor,
                            start, start, decided, start,
                            approved_at, 1))  # fmt: skip
        history = [("create", None, "draft", actor), ("submit", "draft", "submitted", actor)]
        if not submitted:
            history.append(("approve", "submitted", "approved", ids.admin))
        for action, before, after, who in history:
            steps.append((step_id, allocation_id, action, before, after, who, start, ""))
            step_id += 1
        allocation_id += 1
    write("region_targets", ("id", "region_id", "year", "product_line_id", "revenue_minor",
                             "units", "split", "revision", "created_at", "updated_at",
                             "version"), targets)  # fmt: skip
    write("region_target_months", ("target_id", "month", "revenue_minor", "units"), months_rows)
    write("region_target_revisions", ("id", "target_id", "revision", "revenue_minor", "units",
                                      "months", "reason", "actor_id", "at"), revisions)  # fmt: skip
    write("target_allocations", ("id", "region_id", "year", "status", "explanation",
                                 "created_by_id", "first_submitted_at", "submitted_at",
                                 "decided_at", "created_at", "updated_at", "version"),
          allocations)  # fmt: skip
    write("allocation_lines", ("id", "allocation_id", "dealer_id", "product_line_id", "period",
                               "revenue_minor", "units"), lines)  # fmt: skip
    write("allocation_transitions", ("id", "allocation_id", "action", "from_status", "to_status",
                                     "actor_id", "at", "comment"), steps)  # fmt: skip
    _forecasts(write, next_id, ids, rng, today, targets, months_rows)


def _unit_price(line: int, ids: Any) -> int:
    """A unit's price in major units for the line (the demo's mix), by the line's position."""
    prices = [price for _share, price in LINE_MIX.values()]
    return prices[ids.lines.index(line) % len(prices)]


def _holders(ids: Any) -> dict[int, list[tuple[int, int]]]:
    """region -> [(dealer, active store count)] of the dealers that take a share (active)."""
    result: dict[int, list[tuple[int, int]]] = {}
    for dealer, region, status, _kind in ids.dealers:
        if status != "active":
            continue
        stores = sum(1 for _store, _format, active in ids.stores[dealer] if active)
        result.setdefault(region, []).append((dealer, max(stores, 1)))
    return result


def _forecasts(write, next_id, ids, rng, today, targets, months_rows) -> None:
    year = today.year
    target_of = {t[0]: (t[1], t[3]) for t in targets}  # target id -> (region, line)
    monthly: dict[tuple[int, int, int], tuple[int, int]] = {}
    for target, month, revenue, units in months_rows:
        region, line = target_of[target]
        monthly[(region, line, month)] = (revenue, units)
    forecast_id, line_id, step_id = (
        next_id("forecasts"),
        next_id("forecast_lines"),
        next_id("forecast_transitions"),
    )
    forecasts, lines, steps = [], [], []
    for region in ids.regions:
        actor = ids.supervisors[region][0]
        for made in range(1, today.month + 1):
            at = _at(date(year, made, 1), 7)
            if at.date() > today:
                break
            forecasts.append((forecast_id, region, f"{year:04d}-{made:02d}", "submitted", "",
                              at, actor, at, at, 2))  # fmt: skip
            for line in ids.lines:
                for month in range(made, 13):
                    revenue, units = monthly.get((region, line, month), (0, 0))
                    factor = rng.randint(92, 105)
                    lines.append((line_id, forecast_id, line, f"{year:04d}-{month:02d}",
                                  revenue * factor // 100, units * factor // 100,
                                  revenue * factor // 100, units * factor // 100))  # fmt: skip
                    line_id += 1
            for action, before, after in (("create", None, "draft"),
                                          ("submit", "draft", "submitted")):  # fmt: skip
                steps.append((step_id, forecast_id, action, before, after, actor, at, ""))
                step_id += 1
            forecast_id += 1
    columns = ("id", "region_id", "period", "status", "comment", "submitted_at",
               "created_by_id", "created_at", "updated_at", "version")  # fmt: skip
    write("forecasts", columns, forecasts)
    columns = ("id", "forecast_id", "product_line_id", "period", "revenue_minor", "units",
               "suggested_revenue_minor", "suggested_units")  # fmt: skip
    write("forecast_lines", columns, lines)
    write("forecast_transitions", ("id", "forecast_id", "action", "from_status", "to_status",
                                   "actor_id", "at", "comment"), steps)  # fmt: skip
