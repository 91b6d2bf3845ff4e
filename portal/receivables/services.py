"""Writing receivables: invoices and payments (from the CSV import, the demo, the ERP), a
dealer's credit limit and terms, and credit holds. Each function flushes; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import activity, clock
from portal.extensions import db
from portal.models import (
    CollectionTask,
    Dealer,
    DealerCredit,
    Invoice,
    Payment,
    TaskStatus,
    User,
)
from portal.models.receivables import DEFAULT_CURRENCY, DEFAULT_TERMS_DAYS

CREATED, PAID, UNCHANGED = "created", "paid", "unchanged"


class ReceivablesError(ValueError):
    """A change refused; `message` is shown to the user, `field` names the form field."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class InvoiceLine:
    """An invoice as the ERP states it: what was billed and what is paid so far."""

    dealer: Dealer
    number: str
    issued_on: date
    due_on: date
    amount_minor: int
    currency: str = DEFAULT_CURRENCY
    paid_minor: int = 0
    paid_on: date | None = None  # the day of the latest payment (default: today)


def find_invoice(dealer_id: int, number: str) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(Invoice.dealer_id == dealer_id, Invoice.number == number)
    )


def save_invoice(line: InvoiceLine, *, existing: Invoice | None = None) -> str:
    """Create the invoice, or bring a known one's payments up to `paid_minor`: CREATED,
    PAID or UNCHANGED. What was billed never changes once recorded (a credit note is an
    invoice of its own), and paid amounts only grow."""
    if line.due_on < line.issued_on:
        raise ReceivablesError(_l("The due date is before the invoice date."), "due_on")
    if line.paid_minor > line.amount_minor:
        raise ReceivablesError(_l("The paid amount is more than the invoice."), "paid_amount")
    invoice = existing or find_invoice(line.dealer.id, line.number)
    if invoice is None:
        invoice = Invoice(
            dealer_id=line.dealer.id,
            number=line.number,
            issued_on=line.issued_on,
            due_on=line.due_on,
            amount_minor=line.amount_minor,
            currency=line.currency,
            paid_minor=0,
            settled=line.amount_minor == 0,
        )
        db.session.add(invoice)
        db.session.flush()
        if line.paid_minor:
            record_payment(invoice, line.paid_minor, paid_on=line.paid_on)
        return CREATED
    same_bill = (
        invoice.issued_on == line.issued_on
        and invoice.due_on == line.due_on
        and invoice.amount_minor == line.amount_minor
        and invoice.currency == line.currency
    )
    if not same_bill:
        raise ReceivablesError(
            _l("Invoice %(number)s is recorded with other dates or amount.", number=line.number),
            "number",
        )
    if line.paid_minor < invoice.paid_minor:
        raise ReceivablesError(
            _l("Less is paid than already recorded for invoice %(number)s.", number=line.number),
            "paid_amount",
        )
    if line.paid_minor == invoice.paid_minor:
        return UNCHANGED
    record_payment(invoice, line.paid_minor - invoice.paid_minor, paid_on=line.paid_on)
    return PAID


def record_payment(invoice: Invoice, amount_minor: int, *, paid_on: date | None = None) -> Payment:
    """A payment against the invoice; a payment that settles it closes its collection task."""
    if amount_minor <= 0 or amount_minor > invoice.open_minor:
        raise ReceivablesError(_l("The payment is more than what is open."), "amount")
    payment = Payment(
        invoice_id=invoice.id,
        dealer_id=invoice.dealer_id,
        paid_on=paid_on or clock.today(),
        amount_minor=amount_minor,
    )
    db.session.add(payment)
    invoice.paid_minor += amount_minor
    invoice.settled = invoice.paid_minor >= invoice.amount_minor
    if invoice.settled:
        task = db.session.scalar(
            select(CollectionTask).where(
                CollectionTask.invoice_id == invoice.id,
                CollectionTask.status != TaskStatus.CLOSED,
            )
        )
        if task is not None:
            task.status = TaskStatus.CLOSED
            task.closed_at = clock.now()
    db.session.flush()
    return payment


def credit_of(dealer: Dealer) -> DealerCredit:
    """The dealer's credit row, made with the defaults when first needed (flushes)."""
    credit = db.session.get(DealerCredit, dealer.id)
    if credit is None:
        credit = DealerCredit(
            dealer_id=dealer.id,
            limit_minor=0,
            currency=DEFAULT_CURRENCY,
            terms_days=DEFAULT_TERMS_DAYS,
            on_hold=False,
            hold_reason="",
        )
        db.session.add(credit)
        db.session.flush()
    return credit


def set_terms(
    dealer: Dealer, *, limit_minor: int, terms_days: int, version: int | None, actor: User
) -> DealerCredit:
    credit = credit_of(dealer)
    _check_version(credit, version)
    credit.limit_minor = limit_minor
    credit.terms_days = terms_days
    db.session.flush()
    activity.record(
        "credit.terms",
        dealer,
        details={"limit_minor": limit_minor, "terms_days": terms_days},
        actor=actor,
    )
    return credit


def set_hold(
    dealer: Dealer, *, on_hold: bool, reason: str, version: int | None, actor: User
) -> DealerCredit:
    """Place or lift a credit hold: the dealer sees it, with its reason, on its statement."""
    credit = credit_of(dealer)
    _check_version(credit, version)
    reason = reason.strip()
    if on_hold and not reason:
        raise ReceivablesError(_l("Say why the credit is held."), "reason")
    credit.on_hold = on_hold
    credit.hold_reason = reason if on_hold else ""
    credit.hold_since = clock.now() if on_hold else None
    credit.hold_by_id = actor.id if on_hold else None
    db.session.flush()
    activity.record(
        "credit.hold" if on_hold else "credit.release",
        dealer,
        details={"reason": reason} if on_hold else {},
        actor=actor,
    )
    return credit


def _check_version(credit: DealerCredit, version: int | None) -> None:
    """A form built on an older version of the row must not overwrite what changed since."""
    if version is not None and credit.version != version:
        raise ReceivablesError(
            _l("Someone changed this dealer's credit meanwhile; check it and save again."),
            "version",
        )
