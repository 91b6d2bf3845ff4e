"""Receivables as they stood on a past day: aging, days sales outstanding and credit use at
the end of any day, from the invoices and the dates of their payments (an invoice's
`paid_minor` only says what is paid now). The dealer file's DSO trend and the quarterly
assessment read them; the definitions are those of `portal.metrics.receivables`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from portal import periods
from portal.extensions import db
from portal.metrics.receivables import DSO_DAYS, Aging, OpenItem, aging, credit_use, dso
from portal.models import DealerCredit, Invoice, Payment
from portal.models.receivables import DEFAULT_TERMS_DAYS


@dataclass(frozen=True)
class Bill:
    """An invoice with its payments, to tell what was open on any day."""

    issued_on: date
    due_on: date
    amount_minor: int
    payments: tuple[tuple[date, int], ...] = ()

    def open_on(self, day: date) -> int:
        """What was still to pay at the end of `day` (0 before the invoice was issued)."""
        if self.issued_on > day:
            return 0
        paid = sum(amount for paid_on, amount in self.payments if paid_on <= day)
        return self.amount_minor - paid


def aging_on(bills: Iterable[Bill], day: date) -> Aging:
    """The aging as it stood at the end of `day` (the same definition as `aging`)."""
    return aging((OpenItem(bill.due_on, bill.open_on(day)) for bill in bills), day)


def invoiced_on(bills: Iterable[Bill], day: date) -> int:
    """What was invoiced in the DSO_DAYS up to `day` (as `invoiced_by`)."""
    since = day - timedelta(days=DSO_DAYS)
    return sum(bill.amount_minor for bill in bills if since < bill.issued_on <= day)


@dataclass(frozen=True)
class Position:
    """A dealer's receivables at the end of one day: aging, DSO and credit use."""

    day: date
    aging: Aging
    dso: Decimal | None
    limit_minor: int | None

    @property
    def credit_use(self) -> Decimal | None:
        return credit_use(self.aging.open_minor, self.limit_minor)

    @property
    def credit_use_bp(self) -> int | None:
        use = self.credit_use
        return None if use is None else int(use * 10000)


def position_on(bills: list[Bill], day: date, limit_minor: int | None) -> Position:
    found = aging_on(bills, day)
    days = dso(found.open_minor, invoiced_on(bills, day))
    return Position(day, found, days, limit_minor or None)


def dealer_bills(dealer_id: int, first: date, last: date) -> list[Bill]:
    """The dealer's invoices that matter for any day first..last: those issued by `last`
    that were still open on some day of the span, or invoiced in the DSO_DAYS before one
    (two queries; invoices paid off before the span and older ones are left out)."""
    last_paid = (
        select(func.max(Payment.paid_on))
        .where(Payment.invoice_id == Invoice.id)
        .correlate(Invoice)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Invoice.id, Invoice.issued_on, Invoice.due_on, Invoice.amount_minor).where(
            Invoice.dealer_id == dealer_id,
            Invoice.issued_on <= last,
            Invoice.amount_minor > 0,
            or_(
                Invoice.settled.is_(False),
                Invoice.issued_on > first - timedelta(days=DSO_DAYS),
                last_paid >= first,
            ),
        )
    ).all()
    payments: dict[int, list[tuple[date, int]]] = {}
    if rows:
        for invoice_id, paid_on, amount in db.session.execute(
            select(Payment.invoice_id, Payment.paid_on, Payment.amount_minor)
            .where(Payment.invoice_id.in_([row.id for row in rows]))
            .order_by(Payment.invoice_id, Payment.paid_on, Payment.id)
        ):
            payments.setdefault(invoice_id, []).append((paid_on, int(amount)))
    return [
        Bill(row.issued_on, row.due_on, int(row.amount_minor), tuple(payments.get(row.id, ())))
        for row in rows
    ]


def credit_terms(dealer_id: int) -> tuple[int | None, int]:
    """The dealer's credit limit (None: none recorded) and payment terms in days. Neither
    keeps a history: a past day is measured against today's."""
    found = db.session.execute(
        select(DealerCredit.limit_minor, DealerCredit.terms_days).where(
            DealerCredit.dealer_id == dealer_id
        )
    ).first()
    if found is None:
        return None, DEFAULT_TERMS_DAYS
    return (int(found.limit_minor) or None), int(found.terms_days)


def month_ends(last_day: date, months: int) -> list[date]:
    """The last day of each of the `months` months ending with `last_day`'s month; the last
    one is `last_day` itself (a month still running is measured to that day)."""
    ends = []
    current = periods.of(last_day)
    for back in range(months - 1, 0, -1):
        ends.append(periods.last_day(periods.shift(current, -back)))
    return [*ends, last_day]


def dso_trend(dealer_id: int, last_day: date, months: int = 12) -> list[Position]:
    """The dealer's position at the end of each of the last `months` months (three
    queries)."""
    ends = month_ends(last_day, months)
    bills = dealer_bills(dealer_id, ends[0], ends[-1])
    limit, _terms = credit_terms(dealer_id)
    return [position_on(bills, day, limit) for day in ends]
