"""Units are edited like revenue: in the allocation grid (its units view) and in the
forecast grid; the measure not posted keeps its figure, and a bad count saves nothing."""

from __future__ import annotations

from portal import periods
from portal.extensions import db
from portal.targets import services
from tests.support import clock
from tests.support.clients import signed_in_client
from tests.targets.conftest import YEAR
from tests.targets.test_edits import _approved, _target

PERIOD = periods.of(clock.test_today())


def test_the_allocation_grid_edits_units_and_keeps_revenue(app, net):
    _target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    db.session.commit()
    dealer, line = net.dealers[0], net.lines[0]
    key = (dealer.id, line.id, f"{YEAR}-03")
    revenue_before = services.cells_of(allocation)[key][0]
    client = signed_in_client(app, net.supervisor_a)
    url = f"/targets/allocations/{allocation.id}"
    page = client.get(f"{url}?line={line.id}&measure=units").get_data(as_text=True)
    assert f'name="units-{dealer.id}-{YEAR}-03"' in page
    assert f'name="revenue-{dealer.id}-{YEAR}-03"' not in page
    response = client.post(
        f"{url}/save?line={line.id}&measure=units",
        data={"version": allocation.version, f"units-{dealer.id}-{YEAR}-03": "1,234"},
    )
    assert response.status_code == 302
    assert "measure=units" in response.headers["Location"]
    db.session.expire_all()
    assert services.cells_of(allocation)[key] == (revenue_before, 1234)
    # The units now differ from the region's: the difference names units.
    page = client.get(f"{url}?line={line.id}&measure=units").get_data(as_text=True)
    assert 'data-testid="differences"' in page
    assert "units 1," in page  # 1,234 less the region's month


def test_a_bad_units_cell_saves_nothing_and_shows_the_typed_text(app, net):
    _target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    db.session.commit()
    dealer, line = net.dealers[0], net.lines[0]
    before = dict(services.cells_of(allocation))
    client = signed_in_client(app, net.supervisor_a)
    url = f"/targets/allocations/{allocation.id}/save?line={line.id}&measure=units"
    for text, message in (("", b"0 for none"), ("1.5", b"whole number"), ("-3", b"negative")):
        response = client.post(
            url,
            data={
                "version": allocation.version,
                f"units-{dealer.id}-{YEAR}-01": text,
                f"units-{dealer.id}-{YEAR}-02": "77",
            },
        )
        assert response.status_code == 422, text
        assert message in response.data
        assert b'value="77"' in response.data
    db.session.expire_all()
    assert services.cells_of(allocation) == before


def test_the_forecast_grid_edits_units(app, net):
    _approved(net)
    forecast = services.start_forecast(region=net.region_a, period=PERIOD, actor=net.supervisor_a)
    db.session.commit()
    line = forecast.lines[0]
    revenue = line.revenue_minor
    name = f"units-{line.product_line_id}-{line.period}"
    client = signed_in_client(app, net.supervisor_a)
    page = client.get(f"/targets/forecasts/{forecast.id}").get_data(as_text=True)
    assert f'name="{name}"' in page
    response = client.post(
        f"/targets/forecasts/{forecast.id}/save",
        data={"version": forecast.version, name: "4321", "comment": "More units"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (line.revenue_minor, line.units) == (revenue, 4321)
    assert services.overridden(forecast)
    refused = client.post(
        f"/targets/forecasts/{forecast.id}/save",
        data={"version": forecast.version, name: str(app.config["COUNT_MAX"] + 1)},
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assert line.units == 4321
