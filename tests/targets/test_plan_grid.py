"""The dealer's allocated target beside its plan: a plan below it needs a reason, and the
supervisor's review queue shows plan against allocation."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import AllocationAction, PlanStatus, SalesPlan
from portal.targets import services
from tests.support.clients import signed_in_client
from tests.support.plans import grid_form, this_month

PERIOD = this_month(1)
YEAR = int(PERIOD[:4])


def allocate(net):
    line = net.lines[0]
    services.set_target(
        region=net.region_a,
        year=YEAR,
        product_line=line,
        revenue_minor=120_000_000,
        units=12_000,
        months=None,
        reason="",
        actor=net.admin,
        today=date(YEAR - 1, 1, 1),
    )
    allocation = services.start_allocation(region=net.region_a, year=YEAR, actor=net.supervisor_a)
    services.submit_allocation(allocation, actor=net.supervisor_a)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    db.session.commit()
    return services.cells_of(allocation)[(net.dealers[0].id, line.id, PERIOD)]


def test_a_plan_below_its_allocation_needs_a_reason(app, net):
    target = allocate(net)
    dealer = net.dealers[0]
    store, line = net.stores[dealer.id][0], net.lines[0]
    client = signed_in_client(app, net.users[dealer.id])
    page = client.get(f"/plans/new?period={PERIOD}")
    assert b'data-testid="allocated-target"' in page.data
    low = str((target[0] - 100) // 100)
    form = grid_form({(store, line): (low, "1")}, period=PERIOD, action="submit")
    response = client.post(f"/plans/new?period={PERIOD}", data=form)
    assert response.status_code == 422
    assert b"below your allocated target" in response.data
    assert db.session.scalar(db.select(SalesPlan)) is None
    form["below_target_reason"] = "Store closed for two weeks"
    response = client.post(f"/plans/new?period={PERIOD}", data=form)
    assert response.status_code == 302
    plan = db.session.scalar(db.select(SalesPlan))
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.below_target_reason == "Store closed for two weeks"
    queue = signed_in_client(app, net.supervisor_a).get("/plans/review").get_data(as_text=True)
    assert "Allocated target" in queue


def test_a_plan_at_its_allocation_needs_no_reason(app, net):
    target = allocate(net)
    dealer = net.dealers[0]
    store, line = net.stores[dealer.id][0], net.lines[0]
    client = signed_in_client(app, net.users[dealer.id])
    enough = str(target[0] // 100 + 1)
    form = grid_form({(store, line): (enough, "1")}, period=PERIOD, action="submit")
    assert client.post(f"/plans/new?period={PERIOD}", data=form).status_code == 302
    assert db.session.scalar(db.select(SalesPlan)).status == PlanStatus.SUBMITTED
