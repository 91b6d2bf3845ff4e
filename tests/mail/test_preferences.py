"""Each user chooses per topic: right away, a daily digest, or off; staff cannot turn
escalations off."""

from __future__ import annotations

from portal.extensions import db
from portal.mail import choices
from portal.models import MailMode, Role
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_user


def test_a_dealer_user_chooses_per_topic(app, smtp):
    user = make_user(Role.DEALER)
    db.session.commit()
    client = client_for(app, user.email, PASSWORD)

    page = client.get("/account/mail").get_data(as_text=True)
    assert 'name="plans"' in page
    assert 'name="escalations"' not in page
    client.post("/account/mail", data={"plans": "digest", "actions": "off", "audits": "immediate"})

    chosen = choices.preferences_of([user.id])
    assert chosen[(user.id, "plans")] == MailMode.DIGEST
    assert chosen[(user.id, "actions")] == MailMode.OFF


def test_staff_cannot_turn_escalations_off(app, smtp):
    supervisor = make_user(Role.SUPERVISOR)
    db.session.commit()
    client = client_for(app, supervisor.email, PASSWORD)

    page = client.get("/account/mail").get_data(as_text=True)
    assert 'name="escalations"' in page
    response = client.post("/account/mail", data={"escalations": "off", "contracts": "off"})

    assert response.status_code == 200  # "off" is not a choice for escalations
    assert choices.preferences_of([supervisor.id]) == {}
    assert choices.effective_mode("escalations", MailMode.OFF) == MailMode.IMMEDIATE
