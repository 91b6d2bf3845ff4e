"""Demo receivables: two years of invoices for every trading dealer, most paid around their
due date, a realistic share overdue (two slow payers, one of them over its credit limit and
on credit hold), the collection tasks the hourly run opens, contacts with promises, and one
promise already broken and escalated. Randomness is seeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from portal import clock
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.models import (
    CollectionTask,
    ContactKind,
    Dealer,
    DealerCredit,
    DealerStatus,
    Invoice,
    Payment,
    Role,
    User,
    supervisor_regions,
)
from portal.receivables import collections, services

MONTHS = 24
INVOICES_A_MONTH = 2
SLOW_PAYERS = ("N02", "S04")  # pay late; the first is over its limit and held
TERMS = (30, 45, 60)


def seed_receivables(demo: DemoNetwork) -> None:
    rng = random.Random(2417)  # noqa: S311  (demo data, not security)
    today = clock.today()
    dealers = [
        dealer
        for dealer in demo.dealers.values()
        if dealer.status in (DealerStatus.ACTIVE, DealerStatus.SUSPENDED)
    ]
    for dealer in dealers:
        _seed_dealer(dealer, rng, today, slow=dealer.code in SLOW_PAYERS)
    db.session.flush()
    collections.open_tasks(today, notify=False)
    _follow_up(demo, rng, today)
    db.session.flush()


@dataclass(frozen=True)
class Bill:
    """One generated invoice and the payments made against it by today."""

    number: str
    issued_on: date
    due_on: date
    amount_minor: int
    payments: tuple[tuple[date, int], ...]

    @property
    def paid_minor(self) -> int:
        return sum(amount for _day, amount in self.payments)


def bills(
    code: str, rng: random.Random, today: date, *, monthly: int, terms: int, slow: bool
) -> list[Bill]:
    """Two invoices a month over MONTHS months; most paid around their due date, a slow
    payer's weeks or months late (part paid on account meanwhile)."""
    made = []
    for month in range(MONTHS, 0, -1):
        for part in range(INVOICES_A_MONTH):
            issued = today - timedelta(days=month * 30 - part * 14 - rng.randrange(0, 5))
            amount = monthly // INVOICES_A_MONTH * rng.randrange(70, 130) // 100
            due = issued + timedelta(days=terms)
            delay = rng.choice((-10, -3, 0, 2, 5, 12)) + (rng.randrange(30, 200) if slow else 0)
            if not slow and rng.random() < 0.04:
                delay += rng.randrange(20, 80)  # the odd late payment of a good payer
            paid_on = due + timedelta(days=delay)
            payments: tuple[tuple[date, int], ...] = ()
            if paid_on <= today:
                payments = ((paid_on, amount),)
            elif slow and paid_on - timedelta(days=40) <= today:
                payments = ((paid_on - timedelta(days=40), amount * rng.randrange(20, 60) // 100),)
            number = f"{code}-{issued:%y%m}-{len(made) + 1:03d}"  # unique: the running count
            made.append(Bill(number, issued, due, amount, payments))
    return made


def _seed_dealer(dealer: Dealer, rng: random.Random, today: date, *, slow: bool) -> None:
    terms = rng.choice(TERMS)
    monthly = rng.randrange(80_000, 400_000) * 100  # minor units
    made = bills(dealer.code, rng, today, monthly=monthly, terms=terms, slow=slow)
    invoices = [
        Invoice(
            dealer_id=dealer.id,
            number=bill.number,
            issued_on=bill.issued_on,
            due_on=bill.due_on,
            amount_minor=bill.amount_minor,
            currency="CNY",
            paid_minor=bill.paid_minor,
            settled=bill.paid_minor >= bill.amount_minor,
        )
        for bill in made
    ]
    db.session.add_all(invoices)
    db.session.flush()
    db.session.add_all(
        Payment(invoice_id=invoice.id, dealer_id=dealer.id, paid_on=day, amount_minor=amount)
        for invoice, bill in zip(invoices, made, strict=True)
        for day, amount in bill.payments
    )
    db.session.add(
        DealerCredit(
            dealer_id=dealer.id,
            limit_minor=monthly * (1 if slow else 3),
            currency="CNY",
            terms_days=terms,
            on_hold=False,
            hold_reason="",
        )
    )


def _supervisor_of(dealer: Dealer) -> User | None:
    return db.session.scalar(
        db.select(User)
        .join(supervisor_regions, supervisor_regions.c.user_id == User.id)
        .where(supervisor_regions.c.region_id == dealer.region_id, User.role == Role.SUPERVISOR)
        .order_by(User.id)
    )


def _follow_up(demo: DemoNetwork, rng: random.Random, today: date) -> None:
    """Contacts on the oldest tasks; one promise broken (escalated), one credit hold."""
    tasks = list(
        db.session.scalars(
            db.select(CollectionTask)
            .join(Invoice, Invoice.id == CollectionTask.invoice_id)
            .order_by(Invoice.due_on, CollectionTask.id)
        )
    )
    for index, task in enumerate(tasks[:8]):
        supervisor = _supervisor_of(task.dealer)
        if supervisor is None:
            continue
        contacted = today - timedelta(days=rng.randrange(6, 12))
        promise = contacted + timedelta(days=3 if index == 0 else rng.randrange(8, 20))
        collections.log_contact(
            task,
            kind=rng.choice(list(ContactKind)),
            contacted_on=contacted,
            promise_on=promise,
            note="Owner promised a transfer.",
            actor=supervisor,
        )
    collections.escalate_broken(today)  # the first promise was for three days after its call
    held = demo.dealers.get(SLOW_PAYERS[0])
    admin = db.session.scalar(db.select(User).where(User.role == Role.ADMIN).order_by(User.id))
    if held is not None and admin is not None:
        services.set_hold(
            held,
            on_hold=True,
            reason="Invoices more than 60 days overdue; deliveries on prepayment until settled.",
            version=None,
            actor=_supervisor_of(held) or admin,
        )
