"""Receivables as they stood on a past day: the invoices read for a span leave out only those
that cannot matter in it, today's position agrees with the aging pages, and a payment made
after a day never changes that day's figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.metrics import receivable_history as history
from portal.metrics import receivables as metrics
from portal.models import Invoice, Payment
from portal.receivables import services
from tests.receivables.conftest import invoice

BILLS = st.lists(
    st.tuples(
        st.integers(-400, 20),  # due date, days from today
        st.integers(0, 60),  # issued this many days before it was due
        st.sampled_from([50_00, 120_00, 999_00]),
        st.lists(st.tuples(st.integers(-400, 0), st.integers(1, 60_00)), max_size=3),
    ),
    min_size=1,
    max_size=8,
)


def every_bill(dealer_id: int) -> list[history.Bill]:
    """The slow, obvious reading: every invoice of the dealer with every payment."""
    bills = []
    for found in db.session.scalars(select(Invoice).where(Invoice.dealer_id == dealer_id)):
        payments = tuple(
            (p.paid_on, p.amount_minor)
            for p in db.session.scalars(select(Payment).where(Payment.invoice_id == found.id))
        )
        bills.append(history.Bill(found.issued_on, found.due_on, found.amount_minor, payments))
    return bills


@pytest.mark.slow  # many examples through the services
def test_the_bills_read_for_a_span_give_every_month_end_as_all_bills_do(app, world):
    today = clock.today()
    counter = iter(range(10_000))

    @settings(max_examples=25, deadline=None)
    @given(BILLS)
    def check(drawn) -> None:
        dealer = world.dealer_x
        for due_days, issued_before, amount, payments in drawn:
            due = today + timedelta(days=due_days)
            bill = invoice(dealer, f"H-{next(counter)}", due_on=due, amount=amount,
                           issued_days_before=issued_before)  # fmt: skip
            for paid_days, paid in payments:
                if bill.open_minor <= 0:
                    break
                services.record_payment(
                    bill, min(paid, bill.open_minor), paid_on=today + timedelta(days=paid_days)
                )
        db.session.flush()
        ends = history.month_ends(today, 12)
        read = history.dealer_bills(dealer.id, ends[0], ends[-1])
        everything = every_bill(dealer.id)
        for day in ends:
            assert history.position_on(read, day, None) == history.position_on(
                everything, day, None
            ), day
        db.session.rollback()

    check()


def test_today_agrees_with_the_aging_pages_and_later_payments_change_nothing(app, world):
    today = clock.today()
    x = world.dealer_x
    late = invoice(x, "A-1", due_on=today - timedelta(days=70), amount=300_00)
    invoice(x, "A-2", due_on=today + timedelta(days=5), amount=200_00)
    services.record_payment(late, 100_00, paid_on=today - timedelta(days=40))
    db.session.commit()
    trend = history.dso_trend(x.id, today)
    standing = metrics.dealer_standing(x.id, today, late_share=metrics.late_share_limit())
    assert trend[-1].aging == standing.aging
    assert trend[-1].dso == standing.dso
    # Forty-one days ago the payment had not come yet.
    day = today - timedelta(days=41)
    before = history.position_on(history.dealer_bills(x.id, day, day), day, None)
    assert before.aging.open_minor == 300_00  # A-2 not issued yet (issued 25 days ago)
    assert before.aging.buckets[metrics.D1_30].amount_minor == 300_00  # 29 days past due
