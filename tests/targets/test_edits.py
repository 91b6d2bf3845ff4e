"""Editing targets, allocations and forecasts on the pages: typed figures survive a refusal,
a double submit moves target once, stale target forms are refused, head office reopens an
approved allocation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from portal import periods
from portal.extensions import db
from portal.models import (
    AllocationAction,
    AllocationMove,
    AllocationStatus,
    ForecastStatus,
    RegionTarget,
    SeasonalityProfile,
)
from portal.targets import services
from tests.support import clock
from tests.support.clients import signed_in_client
from tests.targets.conftest import YEAR

PERIOD = periods.of(clock.test_today())


def _target(net, revenue_minor=1_200_000_00):
    return services.set_target(
        region=net.region_a,
        year=YEAR,
        product_line=net.lines[0],
        revenue_minor=revenue_minor,
        units=1200,
        months=None,
        reason="",
        actor=net.admin,
        today=date(YEAR - 1, 1, 1),
    )


def _approved(net):
    _target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    services.submit_allocation(allocation, actor=net.supervisor_a)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    db.session.commit()
    return allocation


def test_a_refused_forecast_shows_the_typed_figures_again_and_saves_nothing(app, net):
    _approved(net)
    forecast = services.start_forecast(region=net.region_a, period=PERIOD, actor=net.supervisor_a)
    db.session.commit()
    line = forecast.lines[0]
    before = line.revenue_minor
    name = f"revenue-{line.product_line_id}-{line.period}"
    client = signed_in_client(app, net.supervisor_a)
    form = {"version": forecast.version, "submit": "1", name: "4,321.09"}
    response = client.post(f"/targets/forecasts/{forecast.id}/save", data=form)
    assert response.status_code == 422
    assert b"say why in the comment" in response.data
    assert b'value="4,321.09"' in response.data
    db.session.expire_all()
    assert line.revenue_minor == before
    assert forecast.status == ForecastStatus.DRAFT


def test_an_emptied_forecast_cell_is_an_error_not_zero(app, net):
    _approved(net)
    forecast = services.start_forecast(region=net.region_a, period=PERIOD, actor=net.supervisor_a)
    db.session.commit()
    line = next(line for line in forecast.lines if line.revenue_minor)
    before = line.revenue_minor
    name = f"revenue-{line.product_line_id}-{line.period}"
    client = signed_in_client(app, net.supervisor_a)
    response = client.post(
        f"/targets/forecasts/{forecast.id}/save", data={"version": forecast.version, name: ""}
    )
    assert response.status_code == 422
    assert b"0 for none" in response.data
    too_much = client.post(
        f"/targets/forecasts/{forecast.id}/save",
        data={"version": forecast.version, name: str(app.config["MONEY_MAX"] + 1)},
    )
    assert too_much.status_code == 422
    db.session.expire_all()
    assert line.revenue_minor == before


def test_an_emptied_allocation_cell_is_an_error_not_zero(app, net):
    _target(net)
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    db.session.commit()
    dealer = net.dealers[0]
    client = signed_in_client(app, net.supervisor_a)
    response = client.post(
        f"/targets/allocations/{allocation.id}/save?line={net.lines[0].id}",
        data={"version": allocation.version, f"revenue-{dealer.id}-{YEAR}-01": ""},
    )
    assert response.status_code == 422
    assert b"0 for none" in response.data
    db.session.expire_all()
    assert services.cells_of(allocation)[(dealer.id, net.lines[0].id, f"{YEAR}-01")][0] > 0


def test_posting_the_same_move_twice_moves_target_once(app, net):
    allocation = _approved(net)
    one, two = net.dealers[0], net.dealers[1]
    client = signed_in_client(app, net.supervisor_a)
    form = {
        "version": allocation.version,
        "from_dealer_id": one.id,
        "to_dealer_id": two.id,
        "product_line_id": net.lines[0].id,
        "first": f"{YEAR}-02",
        "last": f"{YEAR}-02",
        "revenue": "10",
        "reason": "Dealer 1 closes a store",
    }
    url = f"/targets/allocations/{allocation.id}/move"
    assert client.post(url, data=form).status_code == 302
    again = client.post(url, data=form, follow_redirects=True)
    assert b"changed since you opened it" in again.data
    assert db.session.scalar(db.select(db.func.count()).select_from(AllocationMove)) == 1
    page = client.get(f"/targets/allocations/{allocation.id}").get_data(as_text=True)
    db.session.refresh(allocation)
    assert f'name="version" type="hidden" value="{allocation.version}"' in page


def test_head_office_reopens_an_approved_allocation_with_a_reason(app, net):
    allocation = _approved(net)
    admin = signed_in_client(app, net.admin)
    url = f"/targets/allocations/{allocation.id}/reopen"
    assert (
        b'data-testid="reopen-allocation"'
        in admin.get(f"/targets/allocations/{allocation.id}").data
    )
    assert (
        signed_in_client(app, net.supervisor_a)
        .post(url, data={"version": allocation.version, "reason": "x"})
        .status_code
        == 403
    )
    no_reason = admin.post(url, data={"version": allocation.version}, follow_redirects=True)
    assert b"Give a reason for reopening the allocation." in no_reason.data
    stale = admin.post(url, data={"version": allocation.version - 1, "reason": "Budget cut"})
    assert stale.status_code == 302
    db.session.refresh(allocation)
    assert allocation.status == AllocationStatus.APPROVED
    done = admin.post(url, data={"version": allocation.version, "reason": "Budget cut"})
    assert done.status_code == 302
    db.session.refresh(allocation)
    assert allocation.status == AllocationStatus.RETURNED
    assert allocation.transitions[-1].comment == "Budget cut"


def test_a_stale_target_form_is_refused_and_nothing_is_saved(app, net):
    target = _target(net)
    db.session.commit()
    admin = signed_in_client(app, net.admin)
    url = f"/targets/regions/{net.region_a.id}/target"
    page = admin.get(f"{url}?year={YEAR}&line={net.lines[0].id}").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{target.version}"' in page
    form = {
        "year": YEAR,
        "product_line_id": net.lines[0].id,
        "revenue": "150,000",
        "units": "1500",
        "reason": "Second admin",
    }
    # Another admin saved meanwhile: this form still carries the version before.
    stale = admin.post(url, data={**form, "version": target.version - 1})
    assert stale.status_code == 409
    missing = admin.post(url, data=form)  # a form for a new target, but one exists now
    assert missing.status_code == 409
    assert b"changed by someone else" in missing.data
    db.session.expire_all()
    assert db.session.get(RegionTarget, target.id).revenue_minor == 1_200_000_00
    fresh = admin.post(url, data={**form, "version": target.version})
    assert fresh.status_code == 302
    db.session.expire_all()
    assert db.session.get(RegionTarget, target.id).revenue_minor == 15_000_000


def test_the_suggested_forecast_follows_recent_attainment_at_most_twice(app, net):
    assert services._recent_ratio({}, {}, "2000-01", "2000-03") == (1, 1)
    key = (net.dealers[0].id, net.lines[0].id, "2000-02")
    assert services._recent_ratio({key: (1, 0)}, {key: (10**15, 0)}, "2000-01", "2000-03") == (
        2,
        1,
    )
    assert services._recent_ratio({key: (10**15, 0)}, {key: (1, 0)}, "2000-01", "2000-03") == (
        1,
        2,
    )
    assert services._recent_ratio({key: (100, 0)}, {key: (150, 0)}, "2000-01", "2000-03") == (
        150,
        100,
    )


def test_only_one_default_seasonality_profile_can_exist(app, net):
    db.session.add(SeasonalityProfile(region_id=None, weights=",".join(["1"] * 12)))
    db.session.commit()
    db.session.add(SeasonalityProfile(region_id=None, weights=",".join(["2"] * 12)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
