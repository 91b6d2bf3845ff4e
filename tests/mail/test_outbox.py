"""Demo mode without a mail server: mail stays in the outbox, where admins read it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail import outbox
from portal.models import MailState, OutgoingMail, Role
from tests.conftest import client_for
from tests.mail.conftest import deliver
from tests.support.factories import PASSWORD, make_user


@pytest.fixture
def app_config() -> dict:
    return {"DEMO": True, "MAIL_SERVER": None}


def test_demo_mail_lands_in_the_outbox_that_admins_read(app):
    assert outbox.mode() == outbox.OUTBOX
    user = make_user(Role.DEALER, name="Li Lei <script>x</script>")
    admin = make_user(Role.ADMIN)
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    deliver(app)

    row = db.session.scalars(select(OutgoingMail)).one()
    assert row.state == MailState.SENT
    assert "http://127.0.0.1:5000/sign-in" in row.body_text
    client = client_for(app, admin.email, PASSWORD)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert row.subject in listing
    page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "http://127.0.0.1:5000/sign-in" in page
    assert "<script>x</script>" not in page


def test_only_admins_open_the_outbox(app):
    user = make_user(Role.SUPERVISOR)
    db.session.commit()
    client = client_for(app, user.email, PASSWORD)

    assert client.get("/admin/outbox").status_code == 403


@pytest.mark.parametrize("app_config", [{"DEMO": False, "MAIL_SERVER": None}])
def test_production_without_a_server_mails_nothing(app):
    assert outbox.mode() == outbox.OFF
    assert outbox.add(make_user(Role.DEALER), "password_reset_by_admin") is None


def test_the_demo_outbox_never_shows_a_reset_link(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    client.post("/forgot-password", data={"email": user.email})

    deliver(app)

    row = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.kind == "password_reset")
    ).one()
    assert row.state == MailState.SENT
    assert "token=" not in row.body_text
    assert "token=" not in row.body_html
    assert "shown to the recipient only" in row.body_text
    assert "seed" not in row.params
