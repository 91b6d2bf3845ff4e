"""The demo network and `seed-large` carry contracts (renewals with their history, some
expiring), document kinds with their requirements, and documents: accepted, expiring,
expired, waiting for review, rejected, and one required one missing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.metrics import contracts as metrics
from portal.models import (
    Contract,
    ContractStatus,
    Dealer,
    DocumentStatus,
    QualificationDocument,
    User,
)
from tests.support.clients import signed_in_client


def _everyone(column):
    return column.is_not(None)


def test_the_demo_carries_contracts_some_expiring_and_a_history(demo):
    today = clock.today()
    statuses = set(db.session.scalars(select(Contract.status)))
    assert {
        ContractStatus.ACTIVE,
        ContractStatus.SUPERSEDED,
        ContractStatus.PROPOSED,
        ContractStatus.APPROVED,
    } <= statuses
    alerts, _count = metrics.contract_alerts(_everyone, today=today, within_days=90)
    assert {alert.stage for alert in alerts} >= {metrics.EXPIRED, metrics.D7, metrics.D30}
    # The dealers' copy follows their contract in force.
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Contract)
        .join(Dealer, Dealer.id == Contract.dealer_id)
        .where(Contract.status == ContractStatus.ACTIVE, Dealer.contract_end != Contract.ends_on)
    )
    assert mismatched == 0


def test_the_demo_carries_documents_in_every_state(demo):
    today = clock.today()
    statuses = set(db.session.scalars(select(QualificationDocument.status)))
    assert statuses == set(DocumentStatus)
    alerts, _count = metrics.document_alerts(_everyone, today=today, within_days=90)
    assert {alert.state for alert in alerts} >= {metrics.EXPIRED, metrics.D7, metrics.D30}
    missing = metrics.missing_documents(select(Dealer.id), today)
    assert missing  # at least one dealer lacks a required document


@pytest.mark.slow
def test_seed_large_carries_contracts_and_documents(app):
    result = app.test_cli_runner().invoke(args=["seed-large", "--dealers", "60", "--audits", "20"])
    assert result.exit_code == 0, result.output
    today = clock.today()
    contracts = db.session.scalar(select(func.count()).select_from(Contract))
    assert contracts > 40
    alerts, total = metrics.contract_alerts(_everyone, today=today, within_days=90)
    assert total > 0
    assert db.session.scalar(select(func.count()).select_from(QualificationDocument)) > contracts
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    client = signed_in_client(app, admin)
    assert client.get("/contracts/").status_code == 200
    assert client.get(f"/contracts/dealers/{alerts[0].dealer_id}").status_code == 200
