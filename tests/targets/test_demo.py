"""The demo network carries a year of targets, allocations (some dealers below the region's
target, one waiting for approval, one move) and monthly forecasts that reconcile."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal import periods
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import AllocationMove, AllocationStatus, Forecast, TargetAllocation
from portal.targets import services
from tests.support import clock


def test_the_demo_has_a_year_of_targets_allocations_and_forecasts(demo):
    today = clock.test_today()
    statuses = {a.region.code: a.status for a in db.session.scalars(select(TargetAllocation))}
    assert statuses == {
        "NORTH": AllocationStatus.APPROVED,
        "EAST": AllocationStatus.APPROVED,
        "SOUTH": AllocationStatus.SUBMITTED,
    }
    north = next(
        a for a in db.session.scalars(select(TargetAllocation)) if a.region.code == "NORTH"
    )
    assert services.differences(north)  # two dealers below, explained
    assert north.explanation
    east = next(a for a in db.session.scalars(select(TargetAllocation)) if a.region.code == "EAST")
    assert services.differences(east) == {}  # moves keep the total
    if today >= date(today.year, 6, 3):
        assert db.session.scalar(select(func.count(AllocationMove.id))) > 0
    forecasts = db.session.scalar(select(func.count(Forecast.id)))
    assert forecasts == 2 * today.month
    region_ids = list({a.region_id for a in db.session.scalars(select(TargetAllocation))})
    grid = figures.region_grid(region_ids, periods.of(today))
    year = figures.windows_of(periods.of(today))["year"]
    network = figures.window(grid, None, year)
    assert network.target[0] > 0
    assert network.forecast[0] > 0


def test_the_demo_overview_renders_for_head_office(app, demo):
    from tests.support.clients import signed_in_client

    admin = next(u for u in demo.users.values() if u.email == "admin@demo.example")
    page = signed_in_client(app, admin).get("/targets/")
    assert page.status_code == 200
    assert b"North" in page.data
