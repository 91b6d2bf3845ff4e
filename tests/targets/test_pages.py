"""The target pages end to end, and their scope (supervisors: own regions; dealers: none)."""

from __future__ import annotations

import pytest

from portal import periods
from portal.extensions import db
from portal.models import AllocationStatus, ForecastStatus, RegionTarget, TargetAllocation
from portal.targets import services
from tests.support import clock
from tests.support.clients import signed_in_client
from tests.targets.conftest import YEAR

PERIOD = periods.of(clock.test_today())


def test_the_journey_from_head_office_to_the_forecast(app, net):
    admin = signed_in_client(app, net.admin)
    supervisor = signed_in_client(app, net.supervisor_a)
    response = admin.post(
        f"/targets/regions/{net.region_a.id}/target",
        data={
            "year": YEAR,
            "product_line_id": net.lines[0].id,
            "revenue": "120,000",
            "units": "1200",
            "reason": "Budget",
        },
    )
    assert response.status_code == 302
    target = db.session.scalar(db.select(RegionTarget))
    assert target.revenue_minor == 12_000_000
    response = supervisor.post(
        f"/targets/regions/{net.region_a.id}/allocations", data={"year": YEAR}
    )
    allocation = db.session.scalar(db.select(TargetAllocation))
    page = supervisor.get(f"/targets/allocations/{allocation.id}")
    assert page.status_code == 200
    # Lower one dealer's January: the difference must be explained.
    dealer = net.dealers[0]
    cell = services.cells_of(allocation)[(dealer.id, net.lines[0].id, f"{YEAR}-01")]
    form = {
        "version": allocation.version,
        "submit": "1",
        f"revenue-{dealer.id}-{YEAR}-01": str((cell[0] - 10_000) // 100),
    }
    response = supervisor.post(
        f"/targets/allocations/{allocation.id}/save?line={net.lines[0].id}", data=form
    )
    assert response.status_code == 422
    assert b"explain the difference" in response.data
    db.session.refresh(allocation)
    assert allocation.status == AllocationStatus.DRAFT
    form["explanation"] = "Alpha Dealer 1 refits its store in January"
    response = supervisor.post(
        f"/targets/allocations/{allocation.id}/save?line={net.lines[0].id}", data=form
    )
    assert response.status_code == 302
    db.session.refresh(allocation)
    assert allocation.status == AllocationStatus.SUBMITTED
    response = admin.post(
        f"/targets/allocations/{allocation.id}/review",
        data={"version": allocation.version, "decision": "approve"},
    )
    assert response.status_code == 302
    db.session.refresh(allocation)
    assert allocation.status == AllocationStatus.APPROVED
    supervisor.post(f"/targets/regions/{net.region_a.id}/forecasts")
    forecast = services.find_forecast(net.region_a.id, PERIOD)
    response = supervisor.post(
        f"/targets/forecasts/{forecast.id}/save", data={"version": forecast.version, "submit": "1"}
    )
    assert response.status_code == 302
    db.session.refresh(forecast)
    assert forecast.status == ForecastStatus.SUBMITTED
    overview = admin.get(f"/targets/?period={PERIOD}")
    assert overview.status_code == 200
    assert b"<svg" in overview.data
    csv = admin.get(f"/targets/export.csv?period={PERIOD}").get_data(as_text=True)
    year_row = next(r for r in csv.splitlines() if r.startswith("TA,year"))
    assert year_row.split(",")[4] == "120000.00"  # target revenue
    assert year_row.split(",")[6] == "119900.00"  # allocated: 100.00 short in January


@pytest.mark.parametrize(
    ("who", "status"), [("supervisor_b", 404), ("dealer", 403), ("supervisor_a", 200)]
)
def test_a_region_is_seen_by_its_supervisors_and_head_office_only(app, net, who, status):
    user = net.users[net.dealers[0].id] if who == "dealer" else getattr(net, who)
    client = signed_in_client(app, user)
    assert client.get(f"/targets/regions/{net.region_a.id}").status_code == status


def test_another_regions_allocation_and_forecast_answer_404(app, net):
    services.set_target(
        region=net.region_a,
        year=YEAR,
        product_line=net.lines[0],
        revenue_minor=1000,
        units=10,
        months=None,
        reason="",
        actor=net.admin,
        today=clock.test_today().replace(year=YEAR - 1),
    )
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    forecast = services.start_forecast(region=net.region_a, period=PERIOD, actor=net.supervisor_a)
    db.session.commit()
    other = signed_in_client(app, net.supervisor_b)
    assert other.get(f"/targets/allocations/{allocation.id}").status_code == 404
    assert other.post(f"/targets/allocations/{allocation.id}/save", data={}).status_code == 404
    assert other.get(f"/targets/forecasts/{forecast.id}").status_code == 404
    overview = other.get(f"/targets/?period={PERIOD}").get_data(as_text=True)
    assert "Target Alpha" not in overview
    supervisor = signed_in_client(app, net.supervisor_a)
    assert supervisor.post(f"/targets/regions/{net.region_a.id}/target", data={}).status_code == 403


def test_head_office_sets_a_regions_seasonality_and_the_target_follows_it(app, net):
    admin = signed_in_client(app, net.admin)
    weights = {f"weights-{n}": "1" if n == 11 else "0" for n in range(12)}
    url = f"/targets/regions/{net.region_a.id}/seasonality"
    assert admin.post(url, data=weights).status_code == 302
    assert services.weights_for(net.region_a.id) == [0] * 11 + [1]
    assert services.weights_for(net.region_b.id) != [0] * 11 + [1]  # the default still
    refused = admin.post(url, data={f"weights-{n}": "0" for n in range(12)})
    assert refused.status_code == 422
    assert b"at least one above 0" in refused.data
    assert signed_in_client(app, net.supervisor_a).get(url).status_code == 403
