"""`seed-large` carries this year's targets, allocations and forecasts, and they reconcile."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import clock, periods
from portal.demo.large import seed_large
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import AllocationStatus, Forecast, Region, TargetAllocation
from portal.targets import services

pytestmark = pytest.mark.slow


def test_the_large_network_has_targets_allocations_and_forecasts(app):
    seed_large(40, audits=10)
    db.session.commit()
    today = clock.today()
    regions = list(db.session.scalars(select(Region.id)))
    allocations = list(db.session.scalars(select(TargetAllocation)))
    assert len(allocations) == len(regions) == 20
    assert sum(a.status == AllocationStatus.SUBMITTED for a in allocations) == 2
    explained = [a for a in allocations if services.differences(a)]
    assert explained
    assert all(a.explanation for a in explained)
    assert db.session.scalar(select(func.count(Forecast.id))) == 20 * today.month
    grid = figures.region_grid(regions, periods.of(today))
    year = figures.windows_of(periods.of(today))["year"]
    network = figures.window(grid, None, year)
    assert network.target[0] > 0
    by_region = [figures.window(grid, region, year) for region in regions]
    assert sum(w.target[0] for w in by_region) == network.target[0]
    assert sum(w.allocated[0] for w in by_region) == network.allocated[0]
    # Untouched regions' allocations add up to their target to the minor unit.
    untouched = [a for a in allocations if not a.explanation]
    assert all(services.differences(a) == {} for a in untouched)
