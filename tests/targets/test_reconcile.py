"""Targets reconcile at every level: store → dealer → region → network, for every month,
quarter and year, whatever the allocation and the moves (property tests)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import periods
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import AllocationAction
from portal.network import services as registry
from portal.targets import services
from tests.support.factories import make_dealer, make_region, make_store
from tests.targets.conftest import YEAR

amounts = st.integers(min_value=0, max_value=10**11)


@given(total=amounts, weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=40))
def test_a_split_adds_up_exactly_and_follows_the_weights(total, weights):
    shares = figures.split_by_weights(total, weights)
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    if sum(weights) > 0:
        exact = [total * w / sum(weights) for w in weights]
        assert all(abs(share - e) < 1 for share, e in zip(shares, exact, strict=True))


@given(
    dealers=st.dictionaries(
        st.integers(1, 50), st.tuples(amounts, amounts), min_size=1, max_size=10
    ),
    store_counts=st.lists(st.integers(0, 5), min_size=10, max_size=10),
)
def test_store_targets_add_up_to_their_dealer(dealers, store_counts):
    stores_by_dealer, next_id = {}, 1
    for index, dealer in enumerate(sorted(dealers)):
        stores_by_dealer[dealer] = list(range(next_id, next_id + store_counts[index]))
        next_id += store_counts[index]
    shares = figures.store_targets(dealers, stores_by_dealer)
    for dealer, amount in dealers.items():
        stores = stores_by_dealer[dealer]
        if stores:
            summed = (sum(shares[s][0] for s in stores), sum(shares[s][1] for s in stores))
            assert summed == amount


BEFORE = date(YEAR - 1, 12, 1)
month_index = st.integers(0, 11)
moves = st.lists(
    st.tuples(
        st.integers(0, 3), st.integers(0, 3), month_index, st.integers(0, 2000), st.booleans()
    ),
    max_size=6,
)
edits = st.lists(st.tuples(st.integers(0, 3), month_index, st.integers(0, 5000)), max_size=4)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    annual=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(0, 10**5)), min_size=2, max_size=2
    ),
    store_counts=st.lists(st.integers(0, 3), min_size=4, max_size=4),
    edited=edits,
    moved=moves,
    leaves=st.booleans(),
)
def test_totals_reconcile_at_every_level(net, annual, store_counts, edited, moved, leaves):
    regions = [make_region(), make_region()]
    dealers = [make_dealer(regions[0]) for _ in range(4)]
    other = make_dealer(regions[1])
    stores = {
        d.id: [make_store(d).id for _ in range(n)]
        for d, n in zip(dealers, store_counts, strict=True)
    }
    stores[other.id] = [make_store(other).id]
    for region in regions:
        for line, (revenue, units) in zip(net.lines, annual, strict=True):
            services.set_target(
                region=region,
                year=YEAR,
                product_line=line,
                revenue_minor=revenue,
                units=units,
                months=None,
                reason="",
                actor=net.admin,
                today=BEFORE,
            )
    allocations = [
        services.start_allocation(region=region, year=YEAR, actor=net.admin) for region in regions
    ]
    first = allocations[0]
    cells = services.cells_of(first)
    for dealer_index, month, revenue in edited:
        key = (dealers[dealer_index].id, net.lines[0].id, f"{YEAR}-{month + 1:02d}")
        cells[key] = (revenue, cells.get(key, (0, 0))[1])
    services.save_allocation(first, cells=cells, explanation="edited", actor=net.admin)
    for allocation in allocations:
        services.submit_allocation(allocation, actor=net.admin)
        services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=net.admin)
    before_moves = services.cells_of(first)
    if leaves:  # the last dealer moves to the other region during the year
        registry.move_dealer(dealers[3], regions[1].id)
    for giver, taker, month, revenue, everything in moved:
        if giver == taker or (leaves and taker == 3):
            continue  # a leaver gives its target to those staying, never takes any
        period = f"{YEAR}-{month + 1:02d}"
        held = services.cells_of(first).get((dealers[giver].id, net.lines[1].id, period), (0, 0))
        if not everything and not 0 < revenue <= held[0]:
            continue  # a move of nothing, or of more than the dealer holds, is refused
        if everything and held == (0, 0):
            continue
        services.move_target(
            first,
            from_dealer=dealers[giver],
            to_dealer=dealers[taker],
            product_line_id=net.lines[1].id,
            months=[period],
            revenue_minor=None if everything else revenue,
            units=None if everything else 0,
            reason="moved",
            actor=net.admin,
        )
    db.session.flush()
    after = services.cells_of(first)

    # Moves never change a region's total for any product line and month.
    def by_line_month(cells):
        sums = defaultdict(lambda: (0, 0))
        for (_, line, month), amount in cells.items():
            sums[(line, month)] = figures.plus(sums[(line, month)], amount)
        return dict(sums)

    assert by_line_month(after) == by_line_month(before_moves)
    # The untouched region adds up to its target exactly.
    assert services.differences(allocations[1]) == {}

    region_ids = [r.id for r in regions]
    period = f"{YEAR}-06"
    region_grid = figures.region_grid(region_ids, period)
    dealer_grid = figures.dealer_grid(region_ids, period)
    dealer_of_region = {d.id: regions[0].id for d in dealers} | {other.id: regions[1].id}
    for window in figures.windows_of(period).values():
        network = figures.ZERO
        for region in region_ids:
            region_total = figures.window(region_grid, region, window).allocated
            dealer_sum, store_sum = figures.ZERO, figures.ZERO
            for dealer, region_of in dealer_of_region.items():
                if region_of != region:
                    continue
                amount = figures.window(dealer_grid, dealer, window).allocated
                dealer_sum = figures.plus(dealer_sum, amount)
                shares = figures.store_targets({dealer: amount}, stores)
                store_sum = figures.plus(
                    store_sum,
                    amount
                    if not stores[dealer]
                    else (sum(s[0] for s in shares.values()), sum(s[1] for s in shares.values())),
                )
            assert region_total == dealer_sum == store_sum
            network = figures.plus(network, region_total)
        assert network == figures.window(region_grid, None, window).allocated
        # The region's target is the same whichever way it is summed.
        year_target = figures.window(region_grid, region_ids[1], figures.windows_of(period)["year"])
        assert year_target.target == (sum(a[0] for a in annual), sum(a[1] for a in annual))
    assert periods.split(period)[0] == YEAR
