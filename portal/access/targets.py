"""Who sees and changes head office's targets, their allocations and the regions' forecasts.

- Region targets and seasonality profiles: admins set them; supervisors see their regions'.
- Allocations: the region's supervisors draft, edit and submit them and move target between
  dealers once approved; admins see all, approve or return them, and may move target too.
  A dealer user sees only its own dealer's allocated target (never the region's or others').
- Forecasts: the region's supervisors make and submit them; admins see all and may ask for
  a revision. Dealers see none.
Anything out of scope answers 404.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from portal.access.scope import fetch, region_ids_of
from portal.access.standing import is_read_only
from portal.models import (
    ALLOCATION_LIFECYCLE,
    FORECAST_LIFECYCLE,
    AllocationStatus,
    Forecast,
    ForecastStatus,
    Region,
    TargetAllocation,
    User,
)


def can_set_targets(user: User) -> bool:
    """Set region targets and seasonality profiles (head office)."""
    return user.is_admin


def can_view_region_targets(user: User, region_id: int) -> bool:
    if user.is_admin:
        return True
    return user.is_supervisor and region_id in region_ids_of(user)


def target_regions(user: User) -> Select[tuple[Region]]:
    """The regions whose targets, allocations and forecasts `user` sees (none for dealers)."""
    query = select(Region).where(Region.active.is_(True)).order_by(Region.name)
    if user.is_admin:
        return query
    if user.is_supervisor:
        return query.where(Region.id.in_(region_ids_of(user)))
    return query.where(Region.id.is_(None))


def get_target_region_or_404(user: User, region_id: int) -> Region:
    region = fetch(Region, region_id, False)
    if region is None or not can_view_region_targets(user, region.id):
        abort(404)
    return region


def _supervises(user: User, region_id: int) -> bool:
    return user.is_supervisor and region_id in region_ids_of(user) and not is_read_only(user)


def can_edit_allocation(user: User, allocation: TargetAllocation) -> bool:
    """Draft and change the allocation, and submit it: the region's supervisors."""
    return _supervises(user, allocation.region_id) and (
        allocation.status in ALLOCATION_LIFECYCLE.editable
    )


def can_start_allocation(user: User, region_id: int) -> bool:
    return _supervises(user, region_id)


def can_review_allocation(user: User, allocation: TargetAllocation) -> bool:
    """Approve or return a submitted allocation: head office."""
    return user.is_admin and allocation.status == AllocationStatus.SUBMITTED


def can_reopen_allocation(user: User, allocation: TargetAllocation) -> bool:
    return user.is_admin and allocation.status == AllocationStatus.APPROVED


def can_move_target(user: User, allocation: TargetAllocation) -> bool:
    """Re-allocate between dealers during the year (approved allocations only)."""
    if allocation.status != AllocationStatus.APPROVED:
        return False
    return user.is_admin or _supervises(user, allocation.region_id)


def get_allocation_or_404(
    user: User, allocation_id: int, *, for_update: bool = False
) -> TargetAllocation:
    allocation = fetch(TargetAllocation, allocation_id, for_update)
    if allocation is None or not can_view_region_targets(user, allocation.region_id):
        abort(404)
    return allocation


def can_see_own_allocation(user: User, dealer_id: int) -> bool:
    """A dealer's allocated target: its own users, and staff who see the dealer's region."""
    return user.is_dealer and user.dealer_id == dealer_id


def can_edit_forecast(user: User, forecast: Forecast) -> bool:
    return _supervises(user, forecast.region_id) and forecast.status in FORECAST_LIFECYCLE.editable


def can_start_forecast(user: User, region_id: int) -> bool:
    return _supervises(user, region_id)


def can_request_forecast_revision(user: User, forecast: Forecast) -> bool:
    return user.is_admin and forecast.status == ForecastStatus.SUBMITTED


def get_forecast_or_404(user: User, forecast_id: int, *, for_update: bool = False) -> Forecast:
    forecast = fetch(Forecast, forecast_id, for_update)
    if forecast is None or not can_view_region_targets(user, forecast.region_id):
        abort(404)
    return forecast
