"""Targets on the home pages: the supervisor's regions' year, the dealer's allocation and gap."""

from __future__ import annotations

from datetime import date

from portal import periods
from portal.extensions import db
from portal.models import AllocationAction
from portal.targets import services
from tests.support import clock
from tests.support.clients import signed_in_client

YEAR = clock.test_today().year


def approve(net):
    services.set_target(region=net.region_a, year=YEAR, product_line=net.lines[0],
                        revenue_minor=12_345_600, units=1200, months=None, reason="",
                        actor=net.admin, today=date(YEAR - 1, 1, 1))  # fmt: skip
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    services.submit_allocation(allocation, actor=net.supervisor_a)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    db.session.commit()
    return allocation


def test_the_supervisor_sees_the_regions_year_on_the_home_page(app, net):
    approve(net)
    page = signed_in_client(app, net.supervisor_a).get("/home").get_data(as_text=True)
    assert 'data-testid="targets-card"' in page
    assert "123,456" in page
    other = signed_in_client(app, net.supervisor_b).get("/home").get_data(as_text=True)
    assert "123,456" not in other


def test_the_dealer_sees_its_allocation_and_gap_only(app, net):
    allocation = approve(net)
    dealer = net.dealers[0]
    month = periods.of(clock.test_today())
    own = services.cells_of(allocation)[(dealer.id, net.lines[0].id, month)][0]
    page = signed_in_client(app, net.users[dealer.id]).get("/home").get_data(as_text=True)
    assert 'data-testid="dealer-target"' in page
    assert f"{own // 100:,}" in page
    assert "123,456" not in page  # never the region's target
    other = signed_in_client(app, net.users[net.dealer_b.id]).get("/home").get_data(as_text=True)
    assert 'data-testid="dealer-target"' not in other
