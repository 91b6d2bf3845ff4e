"""`flask seed-large` carries two years of invoices per trading dealer, their payments, credit
terms, and a collection task for each overdue invoice; the aging pages read it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import CollectionTask, DealerCredit, Invoice, Payment, User
from tests.support.clients import signed_in_client


@pytest.mark.slow
def test_seed_large_carries_receivables(app):
    result = app.test_cli_runner().invoke(args=["seed-large", "--dealers", "20", "--audits", "20"])
    assert result.exit_code == 0, result.output
    today = clock.today()
    invoices = db.session.scalar(select(func.count()).select_from(Invoice))
    dealers = db.session.scalar(select(func.count()).select_from(DealerCredit))
    assert invoices == dealers * 48
    assert db.session.scalar(select(func.count()).select_from(Payment)) > invoices * 0.8
    overdue = db.session.scalar(
        select(func.count()).where(Invoice.settled.is_(False), Invoice.due_on < today)
    )
    assert overdue > 0
    assert db.session.scalar(select(func.count()).select_from(CollectionTask)) == overdue
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    client = signed_in_client(app, admin)
    assert client.get("/receivables/").status_code == 200
    assert client.get("/receivables/regions").status_code == 200
    assert client.get("/receivables/collections/").status_code == 200
