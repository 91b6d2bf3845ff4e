"""Head office's targets: setting a region's annual target, splitting it into months,
allocating it to dealers, moving it between dealers, and the region's monthly forecast.

Services take plain values and records, flush and never commit (the view commits once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import activity, lifecycle, money, periods
from portal.database import insert_unique
from portal.extensions import db
from portal.metrics import targets as figures
from portal.metrics.targets import Amount
from portal.models import (
    ALLOCATION_LIFECYCLE,
    FORECAST_LIFECYCLE,
    AllocationAction,
    AllocationLine,
    AllocationMove,
    AllocationStatus,
    Dealer,
    DealerStatus,
    Forecast,
    ForecastAction,
    ForecastLine,
    ProductLine,
    Region,
    RegionTarget,
    RegionTargetMonth,
    RegionTargetRevision,
    SeasonalityProfile,
    Store,
    TargetAllocation,
    TargetSplit,
    User,
)
from portal.models.base import utcnow

Cells = Mapping[tuple[int, int, str], Amount]  # (dealer_id, product_line_id, period)


class TargetError(lifecycle.LifecycleError):
    """A change the target rules refuse."""


class TargetExists(lifecycle.RecordExists):
    """The region already has an allocation for the year, or a forecast for the month."""


ALLOCATIONS = lifecycle.Lifecycle(
    ALLOCATION_LIFECYCLE,
    error=TargetError,
    exists=TargetExists,
    about=lambda allocation: {"year": allocation.year},
    decided=lambda allocation: {"region": allocation.region.name, "year": allocation.year},
    summary=lambda allocation: {"region": allocation.region_id, "year": allocation.year},
    link=lambda allocation: f"/targets/allocations/{allocation.id}",
)
FORECASTS = lifecycle.Lifecycle(
    FORECAST_LIFECYCLE,
    error=TargetError,
    exists=TargetExists,
    about=lambda forecast: {"period": forecast.period},
    decided=lambda forecast: {"region": forecast.region.name, "period": forecast.period},
    summary=lambda forecast: {"region": forecast.region_id, "period": forecast.period},
    link=lambda forecast: f"/targets/forecasts/{forecast.id}",
)


def product_lines() -> list[ProductLine]:
    return list(
        db.session.scalars(
            select(ProductLine)
            .where(ProductLine.active.is_(True))
            .order_by(ProductLine.sort_order, ProductLine.code)
        )
    )


# Seasonality


def profile_of(region_id: int | None) -> SeasonalityProfile | None:
    column = SeasonalityProfile.region_id
    where = column.is_(None) if region_id is None else column == region_id
    return db.session.scalar(select(SeasonalityProfile).where(where))


def weights_for(region_id: int) -> list[int]:
    """The region's own profile, else the default profile, else the built-in one."""
    for profile in (profile_of(region_id), profile_of(None)):
        if profile is not None:
            return profile.month_weights
    return list(figures.DEFAULT_WEIGHTS)


def default_weights() -> list[int]:
    profile = profile_of(None)
    return profile.month_weights if profile else list(figures.DEFAULT_WEIGHTS)


def set_profile(*, region: Region | None, weights: Sequence[int], actor: User) -> None:
    """Save the default profile (`region` None) or a region's override."""
    if len(weights) != figures.MONTHS or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise TargetError(_l("Give twelve weights, none negative, at least one above 0."))
    text = ",".join(str(int(w)) for w in weights)
    profile = profile_of(region.id if region else None)
    if profile is None:
        profile = SeasonalityProfile(region_id=region.id if region else None, weights=text)
        db.session.add(profile)
    profile.weights = text
    db.session.flush()
    activity.record("seasonality_profile.set", profile, details={"weights": text}, actor=actor)


# Region targets


def find_target(
    region_id: int, year: int, product_line_id: int, *, for_update: bool = False
) -> RegionTarget | None:
    """The region's target for the year and line; `for_update` locks it until the commit."""
    query = select(RegionTarget).where(
        RegionTarget.region_id == region_id,
        RegionTarget.year == year,
        RegionTarget.product_line_id == product_line_id,
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def targets_of(region_id: int, year: int) -> list[RegionTarget]:
    return list(
        db.session.scalars(
            select(RegionTarget)
            .where(RegionTarget.region_id == region_id, RegionTarget.year == year)
            .options(selectinload(RegionTarget.product_line))
            .order_by(RegionTarget.product_line_id)
        )
    )


def set_target(
    *,
    region: Region,
    year: int,
    product_line: ProductLine,
    revenue_minor: int,
    units: int,
    months: Sequence[Amount] | None,
    reason: str,
    actor: User,
    today: date,
) -> RegionTarget:
    """Set (or change) a region's annual target for a product line. Without `months` the
    year is split by the region's seasonality profile; with them (by hand) they must add up
    to the annual figures. A change once the year has started needs a reason; every
    version is kept."""
    reason = (reason or "").strip()
    if months is None:
        split = TargetSplit.PROFILE
        months = figures.split_amount((revenue_minor, units), weights_for(region.id))
    else:
        split = TargetSplit.MANUAL
        if len(months) != figures.MONTHS:
            raise TargetError(_l("Give a figure for each of the twelve months."))
        total = (sum(m[0] for m in months), sum(m[1] for m in months))
        if total != (revenue_minor, units):
            raise TargetError(_l("The months must add up to the annual target."), "months")
    target = find_target(region.id, year, product_line.id, for_update=True)
    if target is not None and today >= date(year, 1, 1) and not reason:
        raise TargetError(_l("Say why the target changes after the year has started."), "reason")
    if target is None:

        def check_free() -> None:  # two admins setting the same new target at once
            if find_target(region.id, year, product_line.id) is not None:
                raise TargetError(
                    _l("Someone else set this target just now: check it and save again.")
                )

        target = RegionTarget(
            region_id=region.id,
            year=year,
            product_line_id=product_line.id,
            revenue_minor=revenue_minor,
            units=units,
            split=split,
            revision=0,
        )
        insert_unique(target, check_free)
    target.revenue_minor, target.units, target.split = revenue_minor, units, split
    target.revision += 1
    by_month = {month.month: month for month in target.months}
    for index, (revenue, count) in enumerate(months, start=1):
        month = by_month.get(index)
        if month is None:
            target.months.append(RegionTargetMonth(month=index, revenue_minor=revenue, units=count))
        else:
            month.revenue_minor, month.units = revenue, count
    target.updated_at = utcnow()
    target.revisions.append(
        RegionTargetRevision(
            revision=target.revision,
            revenue_minor=revenue_minor,
            units=units,
            months=",".join(f"{r}/{u}" for r, u in months),
            reason=reason,
            actor_id=actor.id,
        )
    )
    db.session.flush()
    details = {"year": year, "product_line": product_line.code, "revision": target.revision}
    if reason:
        details["reason"] = reason
    activity.record("region_target.set", target, details=details, actor=actor)
    return target


# Allocations


def region_dealers(region_id: int) -> list[Dealer]:
    """The dealers that take a share of the region's target: the active ones."""
    return list(
        db.session.scalars(
            select(Dealer)
            .where(Dealer.region_id == region_id, Dealer.status == DealerStatus.ACTIVE)
            .order_by(Dealer.code)
        )
    )


def store_counts(dealer_ids: Sequence[int]) -> dict[int, int]:
    if not dealer_ids:
        return {}
    rows = db.session.execute(
        select(Store.dealer_id, func.count())
        .where(Store.dealer_id.in_(list(dealer_ids)), Store.active.is_(True))
        .group_by(Store.dealer_id)
    )
    return dict(rows.all())


def suggestion_weights(
    region_id: int, year: int, dealer_ids: Sequence[int]
) -> dict[int, list[int]]:
    """product_line_id -> one weight per dealer (in `dealer_ids` order): last year's
    reported revenue for the line; a dealer without any (new, or silent) weighs its store
    count times the region's revenue per store; with no revenue at all, store counts."""
    stores = store_counts(dealer_ids)
    prior = f"{year - 1:04d}"
    _, actuals = figures.plans_and_actuals(f"{prior}-01", f"{prior}-12", list(dealer_ids))
    revenue: dict[tuple[int, int], int] = defaultdict(int)
    for (dealer, line, _), amount in actuals.items():
        revenue[(dealer, line)] += amount[0]
    result = {}
    for line in product_lines():
        known = {d: revenue[(d, line.id)] for d in dealer_ids if revenue[(d, line.id)] > 0}
        known_stores = sum(max(stores.get(d, 0), 1) for d in known)
        per_store = sum(known.values()) // known_stores if known_stores else 0
        result[line.id] = [
            known.get(d) or max(stores.get(d, 0), 1) * max(per_store, 1) for d in dealer_ids
        ]
    return result


def suggest_allocation(region: Region, year: int) -> dict[tuple[int, int, str], Amount]:
    """Each month of the region's target shared among its active dealers by
    `suggestion_weights` (exact: the cells add up to the target)."""
    dealers = [dealer.id for dealer in region_dealers(region.id)]
    if not dealers:
        return {}
    weights = suggestion_weights(region.id, year, dealers)
    cells: dict[tuple[int, int, str], Amount] = {}
    for (_, line, period), amount in figures.region_targets(year, [region.id]).items():
        shares = figures.split_amount(amount, weights.get(line, [1] * len(dealers)))
        for dealer, share in zip(dealers, shares, strict=True):
            cells[(dealer, line, period)] = share
    return cells


def find_allocation(region_id: int, year: int) -> TargetAllocation | None:
    return db.session.scalar(
        select(TargetAllocation)
        .where(TargetAllocation.region_id == region_id, TargetAllocation.year == year)
        .execution_options(populate_existing=True)
    )


def find_allocations(region_ids: list[int], year: int) -> dict[int, TargetAllocation | None]:
    """region_id -> its allocation of the year (None without one), in one query."""
    found = db.session.scalars(
        select(TargetAllocation)
        .where(TargetAllocation.region_id.in_(region_ids), TargetAllocation.year == year)
        .execution_options(populate_existing=True)
    )
    by_region = {allocation.region_id: allocation for allocation in found}
    return {region_id: by_region.get(region_id) for region_id in region_ids}


def start_allocation(*, region: Region, year: int, actor: User) -> TargetAllocation:
    """A draft allocation of the region's year, filled with the suggestion."""
    allocation = TargetAllocation(region_id=region.id, year=year, created_by_id=actor.id)
    allocation.region = region
    ALLOCATIONS.create(allocation, existing=lambda: find_allocation(region.id, year))
    _set_cells(allocation, suggest_allocation(region, year))
    ALLOCATIONS.move(allocation, AllocationAction.CREATE, actor=actor)
    return allocation


def cells_of(allocation: TargetAllocation) -> dict[tuple[int, int, str], Amount]:
    return {
        (line.dealer_id, line.product_line_id, line.period): (line.revenue_minor, line.units)
        for line in allocation.lines
    }


def _set_cells(allocation: TargetAllocation, cells: Cells) -> int:
    year = f"{allocation.year:04d}-"
    allowed = {dealer.id for dealer in region_dealers(allocation.region_id)}
    allowed |= {line.dealer_id for line in allocation.lines}
    for dealer, _, period in cells:
        if dealer not in allowed or not period.startswith(year):
            raise TargetError(_l("A cell of this allocation is not one of the region's dealers."))
    current = {
        (line.dealer_id, line.product_line_id, line.period): line for line in allocation.lines
    }
    changed = 0
    for key, (revenue, units) in cells.items():
        line = current.get(key)
        if line is None:
            dealer, product_line, period = key
            allocation.lines.append(
                AllocationLine(
                    dealer_id=dealer,
                    product_line_id=product_line,
                    period=period,
                    revenue_minor=revenue,
                    units=units,
                )
            )
            changed += 1
        elif (line.revenue_minor, line.units) != (revenue, units):
            line.revenue_minor, line.units = revenue, units
            changed += 1
    return changed


def save_allocation(
    allocation: TargetAllocation, *, cells: Cells, explanation: str, actor: User
) -> int:
    """Change the allocation's cells and explanation (while editable)."""
    if allocation.status not in ALLOCATION_LIFECYCLE.editable:
        raise TargetError(_l("This allocation is %(status)s.", status=allocation.status.label))
    explanation = (explanation or "").strip()
    changed = _set_cells(allocation, cells)
    if changed or explanation != allocation.explanation:
        allocation.explanation = explanation
        allocation.updated_at = utcnow()
        db.session.flush()
        activity.record(
            "target_allocation.update",
            allocation,
            details={"cells_changed": changed, "year": allocation.year},
            actor=actor,
        )
    return changed


def differences(allocation: TargetAllocation) -> dict[tuple[int, str], Amount]:
    """(product_line_id, period) -> allocated less the region's target, where not zero."""
    target = figures.region_targets(allocation.year, [allocation.region_id])
    sums: dict[tuple[int, str], Amount] = defaultdict(lambda: figures.ZERO)
    for (_, line, period), amount in target.items():
        sums[(line, period)] = (-amount[0], -amount[1])
    for line in allocation.lines:
        key = (line.product_line_id, line.period)
        sums[key] = figures.plus(sums[key], (line.revenue_minor, line.units))
    return {key: amount for key, amount in sums.items() if amount != figures.ZERO}


def submit_allocation(allocation: TargetAllocation, *, actor: User) -> None:
    """Send the allocation to head office; a difference from the target needs explaining."""
    ALLOCATIONS.check(allocation, AllocationAction.SUBMIT)
    if not allocation.lines:
        raise TargetError(_l("There is nothing to submit: the region has no target yet."))
    if differences(allocation) and not allocation.explanation.strip():
        raise TargetError(
            _l("The allocation does not add up to the region's target: explain the difference."),
            "explanation",
        )
    ALLOCATIONS.move(allocation, AllocationAction.SUBMIT, actor=actor)


def reopen_allocation(allocation: TargetAllocation, *, actor: User, reason: str) -> None:
    """Unlock an approved allocation: it goes back to the region as returned, with the reason."""
    ALLOCATIONS.move(allocation, AllocationAction.REOPEN, actor=actor, comment=reason)


def move_target(
    allocation: TargetAllocation,
    *,
    from_dealer: Dealer,
    to_dealer: Dealer,
    product_line_id: int,
    months: Sequence[str],
    revenue_minor: int | None,
    units: int | None,
    reason: str,
    actor: User,
) -> list[AllocationMove]:
    """Move target from one dealer to another in each month of `months` (a fixed amount
    each month, or everything the first dealer holds when the amounts are None). The region's
    total does not change; each month's move is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise TargetError(_l("Say why the target moves."), "reason")
    if from_dealer.id == to_dealer.id:
        raise TargetError(_l("Choose two different dealers."), "to_dealer_id")
    lines = {(line.dealer_id, line.product_line_id, line.period): line for line in allocation.lines}
    # A dealer that moved to another region during the year keeps its lines in this
    # allocation: its target for the months after the move goes to the dealers staying (the
    # new region allocates it its share of its own target).
    holds = any(dealer == from_dealer.id for dealer, _line, _period in lines)
    if to_dealer.region_id != allocation.region_id or not (
        from_dealer.region_id == allocation.region_id or holds
    ):
        raise TargetError(_l("Both dealers must be in the allocation's region."))
    if allocation.status != AllocationStatus.APPROVED:
        raise TargetError(_l("This allocation is %(status)s.", status=allocation.status.label))
    moves = []
    for period in months:
        source = lines.get((from_dealer.id, product_line_id, period))
        have = (source.revenue_minor, source.units) if source else figures.ZERO
        amount = (
            have[0] if revenue_minor is None else revenue_minor,
            have[1] if units is None else units,
        )
        if amount[0] > have[0] or amount[1] > have[1]:
            raise TargetError(
                _l(
                    "%(dealer)s holds less than that in %(period)s.",
                    dealer=from_dealer.code,
                    period=period,
                )
            )
        if amount == figures.ZERO:
            continue
        source.revenue_minor -= amount[0]
        source.units -= amount[1]
        sink = lines.get((to_dealer.id, product_line_id, period))
        if sink is None:
            sink = AllocationLine(
                dealer_id=to_dealer.id,
                product_line_id=product_line_id,
                period=period,
                revenue_minor=0,
                units=0,
            )
            allocation.lines.append(sink)
            lines[(to_dealer.id, product_line_id, period)] = sink
        sink.revenue_minor += amount[0]
        sink.units += amount[1]
        move = AllocationMove(
            allocation_id=allocation.id,
            from_dealer_id=from_dealer.id,
            to_dealer_id=to_dealer.id,
            product_line_id=product_line_id,
            period=period,
            revenue_minor=amount[0],
            units=amount[1],
            reason=reason,
            actor_id=actor.id,
        )
        db.session.add(move)
        moves.append(move)
    if not moves:
        raise TargetError(_l("There is no target to move in those months."))
    allocation.updated_at = utcnow()
    db.session.flush()
    activity.record(
        "target_allocation.move",
        allocation,
        details={
            "from": from_dealer.code,
            "to": to_dealer.code,
            "months": len(moves),
            "reason": reason,
        },
        actor=actor,
    )
    return moves


def moves_of(allocation: TargetAllocation) -> list[AllocationMove]:
    return list(
        db.session.scalars(
            select(AllocationMove)
            .where(AllocationMove.allocation_id == allocation.id)
            .order_by(AllocationMove.at.desc(), AllocationMove.id.desc())
            .limit(200)
        )
    )


# Forecasts


RECENT_MONTHS = 3
RATIO_MAX = 2  # the recent attainment a forecast suggestion follows: between 1/2 and 2 times


def suggest_forecast(region: Region, period: str) -> dict[tuple[int, str], Amount]:
    """(product_line_id, month) for `period` to December: the dealers' approved plans for the
    month (a dealer's approved allocation where it has no approved plan yet), times the
    region's recent attainment (actuals against plans over the last three months, kept
    between 50 % and 200 %; 100 % without), each cell at most MONEY_MAX (and COUNT_MAX)."""
    year = periods.split(period)[0]
    months = periods.span(period, f"{year:04d}-12")
    dealers = figures.region_dealers([region.id])
    recent_first = periods.shift(period, -RECENT_MONTHS)
    plans, actuals = figures.plans_and_actuals(recent_first, months[-1], dealers)
    allocated = figures.allocated(year, region_ids=[region.id], approved_only=True)
    ratio = _recent_ratio(plans, actuals, recent_first, periods.shift(period, -1))
    base: dict[tuple[int, str], Amount] = defaultdict(lambda: figures.ZERO)
    for (_, line, month), amount in plans.items():
        if month >= period:
            base[(line, month)] = figures.plus(base[(line, month)], amount)
    for key, amount in allocated.items():  # a dealer's allocation where it has no plan yet
        _, line, month = key
        if month >= period and key not in plans:
            base[(line, month)] = figures.plus(base[(line, month)], amount)
    numerator, denominator = ratio
    most = (
        current_app.config["MONEY_MAX"] * money.MINOR_PER_MAJOR,
        current_app.config["COUNT_MAX"],
    )
    return {
        key: (
            min(amount[0] * numerator // denominator, most[0]),
            min(amount[1] * numerator // denominator, most[1]),
        )
        for key, amount in base.items()
    } | {
        (line.id, month): figures.ZERO
        for line in product_lines()
        for month in months
        if (line.id, month) not in base
    }


def _recent_ratio(plans, actuals, first: str, last: str) -> tuple[int, int]:
    """Actual against plan revenue over first..last (only cells with a plan), as a fraction
    kept between 1/2 and 2: a tiny plan against large actuals (or the reverse) says little
    about the months ahead, and unclamped it would multiply the suggestion without bound."""
    planned = sum(a[0] for (_, _, m), a in plans.items() if first <= m <= last)
    done = sum(a[0] for key, a in actuals.items() if first <= key[2] <= last and key in plans)
    if planned <= 0 or done <= 0:
        return 1, 1
    if done > planned * RATIO_MAX:
        return RATIO_MAX, 1
    if done * RATIO_MAX < planned:
        return 1, RATIO_MAX
    return done, planned


def find_forecast(region_id: int, period: str) -> Forecast | None:
    return db.session.scalar(
        select(Forecast)
        .where(Forecast.region_id == region_id, Forecast.period == period)
        .execution_options(populate_existing=True)
    )


def start_forecast(*, region: Region, period: str, actor: User) -> Forecast:
    forecast = Forecast(region_id=region.id, period=period, created_by_id=actor.id)
    forecast.region = region
    FORECASTS.create(forecast, existing=lambda: find_forecast(region.id, period))
    for (line, month), (revenue, units) in sorted(suggest_forecast(region, period).items()):
        forecast.lines.append(
            ForecastLine(
                product_line_id=line,
                period=month,
                revenue_minor=revenue,
                units=units,
                suggested_revenue_minor=revenue,
                suggested_units=units,
            )
        )
    FORECASTS.move(forecast, ForecastAction.CREATE, actor=actor)
    return forecast


def save_forecast(
    forecast: Forecast, *, cells: Mapping[tuple[int, str], Amount], comment: str, actor: User
) -> int:
    if forecast.status not in FORECAST_LIFECYCLE.editable:
        raise TargetError(_l("This forecast is %(status)s.", status=forecast.status.label))
    lines = {(line.product_line_id, line.period): line for line in forecast.lines}
    if set(cells) - set(lines):
        raise TargetError(_l("A cell of this forecast is not one of its months."))
    changed = 0
    for key, (revenue, units) in cells.items():
        line = lines[key]
        if (line.revenue_minor, line.units) != (revenue, units):
            line.revenue_minor, line.units = revenue, units
            changed += 1
    comment = (comment or "").strip()
    if changed or comment != forecast.comment:
        forecast.comment = comment
        forecast.updated_at = utcnow()
        db.session.flush()
        activity.record(
            "forecast.update", forecast, details={"cells_changed": changed}, actor=actor
        )
    return changed


def overridden(forecast: Forecast) -> bool:
    return any(
        (line.revenue_minor, line.units) != (line.suggested_revenue_minor, line.suggested_units)
        for line in forecast.lines
    )


def submit_forecast(forecast: Forecast, *, actor: User) -> None:
    """Send the forecast to head office; figures other than the suggestion need a comment."""
    FORECASTS.check(forecast, ForecastAction.SUBMIT)
    if overridden(forecast) and not forecast.comment.strip():
        raise TargetError(
            _l("Your figures differ from the suggestion: say why in the comment."), "comment"
        )
    FORECASTS.move(forecast, ForecastAction.SUBMIT, actor=actor)


def request_revision(forecast: Forecast, *, actor: User, comment: str) -> None:
    FORECASTS.move(forecast, ForecastAction.REQUEST_REVISION, actor=actor, comment=comment)
