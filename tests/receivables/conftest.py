"""Receivables tests: the shared two-region world, and a helper to record invoices."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.models import Dealer
from portal.receivables import services
from tests.support.world import World, world  # noqa: F401  (the fixture)

LONG_SESSIONS = {
    "SESSION_IDLE_TIMEOUT": 90 * 24 * 3600,
    "SESSION_ABSOLUTE_TIMEOUT": 90 * 24 * 3600,
}


def invoice(
    dealer: Dealer,
    number: str,
    *,
    due_on: date,
    amount: int = 100_000,
    paid: int = 0,
    issued_days_before: int = 30,
):
    """Record an invoice (amounts in minor units) and return it."""
    services.save_invoice(
        services.InvoiceLine(
            dealer=dealer,
            number=number,
            issued_on=due_on - timedelta(days=issued_days_before),
            due_on=due_on,
            amount_minor=amount,
            paid_minor=paid,
        )
    )
    return services.find_invoice(dealer.id, number)


@pytest.fixture
def signed(app, world: World):  # noqa: F811  (the fixture imported above)
    """`signed("dealer_x")`: a client signed in as one of the world's people (made once)."""
    from tests.support.clients import signed_in_client

    made = {}

    def client(role: str):
        if role not in made:
            made[role] = signed_in_client(app, world.people[role])
        return made[role]

    return client
