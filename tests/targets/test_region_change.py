"""A dealer that changes region during the year is in two allocations: the region it left
moves the dealer's target for the months after the move to the dealers staying, the region
it joined gives it a share of its own; each region's total stays its target and the
dealer's months are counted once."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.metrics import dealer_targets
from portal.models import AllocationAction, AllocationMove
from portal.network import services as network
from portal.targets import services
from tests.support.clients import signed_in_client
from tests.targets.conftest import YEAR

AFTER = [f"{YEAR}-{month:02d}" for month in range(7, 13)]  # the months after the move


def approve(net, region, supervisor, revenue: int):
    services.set_target(region=region, year=YEAR, product_line=net.lines[0],
                        revenue_minor=revenue, units=1200, months=None, reason="",
                        actor=net.admin, today=date(YEAR - 1, 1, 1))  # fmt: skip
    allocation = services.start_allocation(region=region, year=YEAR, actor=supervisor)
    services.submit_allocation(allocation, actor=supervisor)
    services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    db.session.flush()
    return allocation


def totals(allocation) -> dict[str, int]:
    found: dict[str, int] = {}
    for (_dealer, _line, period), amount in services.cells_of(allocation).items():
        found[period] = found.get(period, 0) + amount[0]
    return found


def held(allocation, dealer_id: int, period: str) -> int:
    cells = services.cells_of(allocation)
    return sum(a[0] for (d, _l, p), a in cells.items() if d == dealer_id and p == period)


def test_the_target_follows_a_dealer_that_changed_region(app, net):
    a = approve(net, net.region_a, net.supervisor_a, 1_200_000_00)
    b = approve(net, net.region_b, net.supervisor_b, 600_000_00)
    before_a, before_b = totals(a), totals(b)
    mover, stayer = net.dealers[0], net.dealers[1]
    january = held(a, mover.id, f"{YEAR}-01")
    network.move_dealer(mover, net.region_b.id)
    db.session.commit()
    # Region A hands the leaver's remaining months to a dealer staying (all it holds).
    services.move_target(
        a, from_dealer=mover, to_dealer=stayer, product_line_id=net.lines[0].id, months=AFTER,
        revenue_minor=None, units=None, reason="Moved to region B", actor=net.supervisor_a,
    )  # fmt: skip
    # Region B gives the newcomer a share of its own dealer's target.
    services.move_target(
        b, from_dealer=net.dealer_b, to_dealer=mover, product_line_id=net.lines[0].id,
        months=AFTER, revenue_minor=1_000_00, units=0, reason="Joined from region A",
        actor=net.supervisor_b,
    )  # fmt: skip
    db.session.commit()
    assert totals(a) == before_a
    assert totals(b) == before_b
    year = dealer_targets.dealer_year(mover.id, YEAR)
    by_month = {month.period: month.allocated[0] for month in year.months}
    assert by_month[f"{YEAR}-01"] == january  # region A's, before the move
    assert all(by_month[period] == 1_000_00 for period in AFTER)  # region B's only
    assert all(held(a, mover.id, period) == 0 for period in AFTER)


def test_the_region_left_moves_the_leavers_target_on_its_page(app, net):
    a = approve(net, net.region_a, net.supervisor_a, 1_200_000_00)
    db.session.commit()
    mover, stayer = net.dealers[0], net.dealers[1]
    network.move_dealer(mover, net.region_b.id)
    db.session.commit()
    client = signed_in_client(app, net.supervisor_a)
    page = client.get(f"/targets/allocations/{a.id}").get_data(as_text=True)
    assert "Left the region" in page
    form = {
        "version": a.version,
        "from_dealer_id": mover.id,
        "to_dealer_id": stayer.id,
        "product_line_id": net.lines[0].id,
        "first": AFTER[0],
        "last": AFTER[-1],
        "reason": "Moved to region B",
    }
    response = client.post(f"/targets/allocations/{a.id}/move", data=form)
    assert response.status_code == 302
    moves = db.session.scalars(db.select(AllocationMove)).all()
    assert {move.period for move in moves} == set(AFTER)
    assert all(move.from_dealer_id == mover.id for move in moves)
    # Target never goes to a dealer outside the region.
    db.session.refresh(a)
    refused = client.post(
        f"/targets/allocations/{a.id}/move",
        data={**form, "version": a.version, "from_dealer_id": stayer.id,
              "to_dealer_id": mover.id},
        follow_redirects=True,
    )  # fmt: skip
    assert b"must be in the allocation" in refused.data
    assert db.session.scalar(db.select(db.func.count()).select_from(AllocationMove)) == len(AFTER)
