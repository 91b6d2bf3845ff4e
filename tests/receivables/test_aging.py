"""Aging is a pure function: its buckets partition the open amount, paying never makes a
bucket grow, and the SQL that computes it for many dealers at once agrees with it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.extensions import db
from portal.metrics import receivables as metrics
from portal.metrics.receivables import BUCKETS, OpenItem, aging, bucket_of
from portal.models import DealerCredit, Invoice
from portal.receivables import services
from tests.receivables.conftest import invoice

AS_OF = date(2099, 11, 18)
items = st.lists(
    st.builds(
        OpenItem,
        due_on=st.dates(AS_OF - timedelta(days=400), AS_OF + timedelta(days=90)),
        open_minor=st.integers(0, 10**9),
    ),
    max_size=40,
)


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "over_90"),
        (900, "over_90"),
    ],
)
def test_bucket_edges(days_past_due, bucket):
    assert bucket_of(AS_OF - timedelta(days=days_past_due), AS_OF) == bucket


@given(items)
def test_buckets_partition_the_open_amount(found):
    result = aging(found, AS_OF)
    open_items = [item for item in found if item.open_minor > 0]
    assert result.open_minor == sum(item.open_minor for item in open_items)
    assert result.open_count == len(open_items)
    assert set(result.buckets) == set(BUCKETS)
    for key, bucket in result.buckets.items():
        mine = [i for i in open_items if bucket_of(i.due_on, AS_OF) == key]
        assert bucket.amount_minor == sum(i.open_minor for i in mine)
        assert bucket.count == len(mine)


@given(items, st.data())
def test_paying_an_invoice_never_increases_any_bucket(found, data):
    if not found:
        return
    index = data.draw(st.integers(0, len(found) - 1))
    paid = data.draw(st.integers(0, found[index].open_minor))
    after = list(found)
    after[index] = OpenItem(found[index].due_on, found[index].open_minor - paid)
    before_aging, after_aging = aging(found, AS_OF), aging(after, AS_OF)
    for key in BUCKETS:
        assert after_aging.buckets[key].amount_minor <= before_aging.buckets[key].amount_minor
        assert after_aging.buckets[key].count <= before_aging.buckets[key].count


def test_dso_and_credit_use():
    assert metrics.dso(45_000, 90_000) == Decimal("45.0")
    assert metrics.dso(10, 0) is None
    assert metrics.credit_use(50, 200) == Decimal("0.25")
    assert metrics.credit_use(50, 0) is None


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.integers(-20, 200), st.integers(1, 10**7), st.integers(0, 100)),
        max_size=12,
    )
)
def test_sql_aging_agrees_with_the_pure_function(world, rows):
    today = clock.today()
    try:
        for n, (days_past_due, amount, paid_percent) in enumerate(rows):
            dealer = world.dealer_x if n % 2 else world.dealer_y
            invoice(
                dealer,
                f"P{n}",
                due_on=today - timedelta(days=days_past_due),
                amount=amount,
                paid=amount * paid_percent // 100,
            )
        found = metrics.aging_by(Invoice.dealer_id, lambda column: column.is_not(None), today)
        for dealer in (world.dealer_x, world.dealer_y):
            expected = aging(
                [
                    OpenItem(i.due_on, i.open_minor)
                    for i in db.session.scalars(
                        db.select(Invoice).where(Invoice.dealer_id == dealer.id)
                    )
                ],
                today,
            )
            assert found.get(dealer.id, metrics.Aging()) == expected
            # The dealer home's own statement agrees with the network's.
            late_share = metrics.late_share_limit()
            own = metrics.dealer_standing(dealer.id, today, late_share=late_share)
            everyone = metrics.dealer_standings(
                lambda column: column.is_not(None), today, late_share=late_share
            )
            assert own.aging == expected
            if dealer.id in everyone:  # dealers with open invoices
                assert own.dso == everyone[dealer.id].dso
                assert own.flagged == everyone[dealer.id].flagged
    finally:
        db.session.rollback()
        db.session.execute(db.delete(Invoice))
        db.session.commit()


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.tuples(st.integers(-20, 200), st.integers(1, 10**6)), max_size=8),
    st.integers(0, 3 * 10**6),
    st.sampled_from(["0.1", "0.2", "0.5"]),
)
def test_the_home_pages_flag_query_agrees_with_the_standings(world, rows, limit, share):
    today = clock.today()
    late_share = Decimal(share)
    try:
        services.credit_of(world.dealer_x).limit_minor = limit
        for n, (days_past_due, amount) in enumerate(rows):
            dealer = world.dealer_x if n % 2 else world.dealer_y
            invoice(dealer, f"F{n}", due_on=today - timedelta(days=days_past_due), amount=amount)
        everyone = lambda column: column.is_not(None)  # noqa: E731
        standings = metrics.dealer_standings(everyone, today, late_share=late_share)
        expected = {key for key, standing in standings.items() if standing.flagged}
        assert set(metrics.flagged_ids(everyone, today, late_share=late_share)) == expected
    finally:
        db.session.rollback()
        db.session.execute(db.delete(Invoice))
        db.session.execute(db.delete(DealerCredit))
        db.session.commit()
