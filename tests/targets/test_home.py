"""Targets on the home pages: the supervisor's regions' year, the dealer's allocation and gap."""

from __future__ import annotations

from datetime import date

from portal import periods
from portal.extensions import db
from portal.metrics import targets as target_metrics
from portal.models import AllocationAction, Role
from portal.targets import services
from tests.support import clock
from tests.support.clients import signed_in_client
from tests.support.factories import make_user
from tests.support.queries import counting

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


def forecast(net, region, period: str, extra: int):
    """A submitted forecast of the region made in `period`, its first month raised by `extra`."""
    made = services.start_forecast(region=region, period=period, actor=net.admin)
    cells = {(net.lines[0].id, period): (extra, 1)}
    services.save_forecast(made, cells=cells, comment="By hand", actor=net.admin)
    services.submit_forecast(made, actor=net.admin)
    return made


def test_the_targets_card_reads_three_queries_however_many_regions(app, net):
    approve(net)
    services.set_target(region=net.region_b, year=YEAR, product_line=net.lines[1],
                        revenue_minor=6_543_200, units=600, months=None, reason="",
                        actor=net.admin, today=date(YEAR - 1, 1, 1))  # fmt: skip
    period = periods.of(clock.test_today())
    quarter, quarter_end = target_metrics.last_quarter(period)
    predicted = []
    for region in (net.region_a, net.region_b):
        made = forecast(net, region, quarter, 40_000)
        predicted.append(
            sum(line.revenue_minor for line in made.lines if line.period <= quarter_end)
        )
        if quarter[:4] == period[:4]:
            forecast(net, region, period, 50_000)
    db.session.commit()
    regions = [net.region_a.id, net.region_b.id]

    with counting() as statements:
        cards = target_metrics.region_cards(regions, period)

    assert len(statements) == 3, statements
    assert [card.region_id for card in cards] == regions
    assert [card.year.target[0] for card in cards] == [12_345_600, 6_543_200]
    assert [card.accuracy.forecast for card in cards] == predicted
    assert predicted[1] == 40_000
    assert cards[0].year.allocated[0] == 12_345_600
    supervisor = make_user(Role.SUPERVISOR, regions=[net.region_a, net.region_b])
    db.session.commit()
    page = signed_in_client(app, supervisor).get("/home").get_data(as_text=True)
    assert "123,456" in page
    assert "65,432" in page
