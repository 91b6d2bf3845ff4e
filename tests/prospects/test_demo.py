"""The demo network and `seed-large` carry prospects: every stage of the pipeline, a published
screening standard, blank markets with the prospects working on them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.metrics import prospects as metrics
from portal.models import Prospect, ProspectStatus, ProspectTransition, User
from portal.prospects import screening
from tests.support.clients import signed_in_client


def test_the_demo_has_prospects_at_every_stage_but_signed(app, demo):
    statuses = set(db.session.scalars(select(Prospect.status)))

    assert statuses == set(ProspectStatus) - {ProspectStatus.SIGNED}
    assert screening.current_screening_version() is not None
    lost = db.session.scalar(select(Prospect).where(Prospect.status == ProspectStatus.LOST))
    assert lost.lost_reason
    assert lost.screening_passed is False
    markets = metrics.blank_markets(lambda column: column.is_not(None))
    cities = {market.city for market in markets if market.prospects}
    assert {"Dalian", "Nanning"} <= cities
    assert "上海" not in cities  # Shanghai has stores: not a blank market


def test_the_demo_supervisor_signs_the_approved_prospect(app, demo):
    supervisor = demo.users["south.supervisor@demo.example"]
    approved = db.session.scalar(select(Prospect).where(Prospect.status == ProspectStatus.APPROVED))
    client = signed_in_client(app, supervisor)

    response = client.post(
        f"/prospects/{approved.id}/step", data={"action": "sign", "version": approved.version}
    )

    assert response.status_code == 302
    db.session.refresh(approved)
    assert approved.status == ProspectStatus.SIGNED
    assert client.get(f"/dealers/{approved.dealer_id}").status_code == 200


@pytest.mark.slow
def test_seed_large_carries_prospects(app):
    result = app.test_cli_runner().invoke(args=["seed-large", "--dealers", "40", "--audits", "20"])
    assert result.exit_code == 0, result.output

    count = db.session.scalar(select(func.count()).select_from(Prospect))
    assert count == 7  # one per stage, at least
    assert set(db.session.scalars(select(Prospect.status))) == set(ProspectStatus) - {
        ProspectStatus.SIGNED
    }
    steps = db.session.scalar(select(func.count()).select_from(ProspectTransition))
    assert steps >= count
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    client = signed_in_client(app, admin)
    for path in ("/prospects/", "/prospects/markets", "/home"):
        assert client.get(path).status_code == 200
    for prospect_id in db.session.scalars(select(Prospect.id)):
        assert client.get(f"/prospects/{prospect_id}").status_code == 200
