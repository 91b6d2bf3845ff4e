"""Demo targets: this year's region targets, their allocations and the monthly forecasts.

Everything goes through the real services, each step at its own moment (`clock.frozen`):
head office sets each region's annual target per product line in January of this year from
last year's actuals plus growth; the supervisors accept the suggested allocation (North
lowers two dealers and explains why, so they sit below the region's target), head office
approves North and East and South waits for approval; East moves part of a dealer's target
to another during the year; North and East submit a forecast at the start of every month
so far, some of them overriding the suggestion. Randomness is seeded.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time

from portal import clock, periods
from portal.demo.network import DemoNetwork
from portal.demo.plans import SEASON
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import AllocationAction, DealerStatus, Role, User
from portal.targets import services

GROWTH = 1.08  # this year's target against last year's actuals
FALLBACK_PER_DEALER = 3_000_000_00  # minor units a year, for a region without actuals yet


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def seed_targets(demo: DemoNetwork, today: date | None = None) -> None:
    today = today or clock.today()
    year = today.year
    rng = random.Random(20261207)  # noqa: S311  (repeatable demo data)
    admin = next(u for u in demo.users.values() if u.role == Role.ADMIN)
    supervisors = {
        region.id: user
        for user in demo.users.values()
        if user.role == Role.SUPERVISOR
        for region in user.regions
    }
    lines = [line for line in demo.product_lines if line.active]

    # The year's first steps, on their days in January (on the first when that is today).
    def early(day: int, hour: int = 9) -> datetime:
        return _at(min(date(year, 1, day), today), hour)

    start = early(2, 8)
    with clock.frozen(start):
        services.set_profile(
            region=None, weights=[round(weight * 100) for weight in SEASON], actor=admin
        )
        for region in demo.regions.values():
            _targets(region, year, lines, admin, today)
    allocations = {}
    for index, region in enumerate(demo.regions.values()):
        supervisor = supervisors.get(region.id, admin)
        with clock.frozen(early(5, 10 + index)):
            lower = region.code == "NORTH"
            allocations[region.code] = _allocate(region, year, supervisor, lower=lower)
    with clock.frozen(early(8, 14)):
        for code, allocation in allocations.items():
            if code != "SOUTH":
                services.ALLOCATIONS.move(
                    allocation, AllocationAction.APPROVE, actor=admin, comment="Agreed."
                )
    if today >= date(year, 6, 3) and "EAST" in allocations:
        with clock.frozen(_at(date(year, 6, 3))):
            _move(allocations["EAST"], demo, year, supervisors.get(allocations["EAST"].region_id))
    for code in ("NORTH", "EAST"):
        region = demo.regions.get(code)
        if region is None:
            continue
        for month in range(1, today.month + 1):
            day = date(year, month, 1)
            if day > today:
                break
            with clock.frozen(_at(day, 15)):
                _forecast(region, f"{year:04d}-{month:02d}", supervisors.get(region.id), rng)
    db.session.flush()


def _targets(region, year: int, lines, admin: User, today: date) -> None:
    # The demo's history is the twelve months up to today: its actuals stand for last year's.
    dealers = [d.id for d in services.region_dealers(region.id)]
    current = periods.of(today)
    _, actuals = figures.plans_and_actuals(periods.shift(current, -12), current, dealers)
    by_line: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (_, line, _month), (revenue, units) in actuals.items():
        by_line[line][0] += revenue
        by_line[line][1] += units
    for line in lines:
        revenue, units = by_line.get(line.id, (0, 0))
        if revenue <= 0:
            revenue, units = FALLBACK_PER_DEALER * max(len(dealers), 1) // 10, 1000
        services.set_target(
            region=region,
            year=year,
            product_line=line,
            revenue_minor=int(revenue * GROWTH) // 100_00 * 100_00,
            units=int(units * GROWTH),
            months=None,
            reason="",
            actor=admin,
            today=date(year - 1, 12, 31),
        )


def _allocate(region, year: int, supervisor: User, *, lower: bool):
    allocation = services.start_allocation(region=region, year=year, actor=supervisor)
    explanation = ""
    if lower:
        cells = services.cells_of(allocation)
        lowered = sorted({dealer for dealer, _, _ in cells})[:2]
        for key, (revenue, units) in cells.items():
            if key[0] in lowered:
                cells[key] = (revenue * 9 // 10, units * 9 // 10)
        explanation = "Two dealers refit stores this spring; we carry 10 % less for them."
        services.save_allocation(allocation, cells=cells, explanation=explanation, actor=supervisor)
    services.submit_allocation(allocation, actor=supervisor)
    return allocation


def _move(allocation, demo: DemoNetwork, year: int, actor: User | None) -> None:
    dealers = sorted(
        (d for d in demo.dealers.values() if d.region_id == allocation.region_id),
        key=lambda d: d.code,
    )
    holders = sorted({line.dealer_id for line in allocation.lines})
    giver = next((d for d in dealers if d.status == DealerStatus.SUSPENDED), None)
    giver = giver or next(d for d in dealers if d.id in holders)
    taker = next(d for d in dealers if d.id in holders and d.id != giver.id)
    line = allocation.lines[0].product_line_id
    services.move_target(
        allocation,
        from_dealer=giver,
        to_dealer=taker,
        product_line_id=line,
        months=[f"{year:04d}-{m:02d}" for m in range(7, 13)],
        revenue_minor=None,
        units=None,
        reason=f"{giver.code} paused its second store; {taker.code} takes its customers.",
        actor=actor or allocation.region.supervisors[0],
    )


def _forecast(region, period: str, supervisor: User | None, rng: random.Random) -> None:
    if supervisor is None:
        return
    forecast = services.start_forecast(region=region, period=period, actor=supervisor)
    if rng.random() < 0.4:
        cells = {
            (line.product_line_id, line.period): (
                line.revenue_minor * rng.choice((95, 97, 103, 105)) // 100,
                line.units,
            )
            for line in forecast.lines
        }
        services.save_forecast(
            forecast,
            cells=cells,
            comment="Adjusted for the promotions calendar.",
            actor=supervisor,
        )
    services.submit_forecast(forecast, actor=supervisor)
