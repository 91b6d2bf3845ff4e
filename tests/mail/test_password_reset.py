"""Forgot password (S23): the same answer for every address, a hashed single-use link that
expires, dies with a password change or a newer link, and ends every session when used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text

from portal import clock
from portal.extensions import db
from portal.models import ActivityEntry, PasswordReset, Role, UserSession
from tests.conftest import client_for
from tests.mail.conftest import BASE_URL, deliver
from tests.support.factories import PASSWORD, make_user

NEW_PASSWORD = "quiet lanterns drift over 7 harbours"
LINK = re.compile(re.escape(BASE_URL) + r"(/password-reset\?token=[A-Za-z0-9_\-]+)")


def ask(client, email: str):
    return client.post("/forgot-password", data={"email": email}, follow_redirects=True)


def link_in(mail) -> str:
    found = LINK.search(mail.text)
    assert found is not None, mail.text
    assert f'href="{BASE_URL}{found.group(1)}"' in mail.html
    return found.group(1)


def use(client, path: str, password: str = NEW_PASSWORD):
    opened = client.get(path)
    assert opened.status_code == 302
    return client.post(
        "/password-reset",
        data={"new_password": password, "confirm_password": password},
    )


def test_the_answer_is_the_same_for_known_and_unknown_addresses(app, client, smtp):
    user = make_user(Role.DEALER, email="known@example.test")
    db.session.commit()

    known = ask(client, "Known@Example.test")
    unknown = ask(client, "stranger@example.test")
    deliver(app)

    assert known.status_code == unknown.status_code == 200
    sentence = "If an account uses this address, a link to choose a new password is on its way."
    assert sentence in known.get_data(as_text=True)
    assert sentence in unknown.get_data(as_text=True)
    assert [m.rcpt_tos for m in smtp.received] == [[user.email]]


def test_the_link_works_once_and_only_its_hash_is_stored(app, client, smtp):
    user = make_user(Role.DEALER)
    db.session.commit()
    ask(client, user.email)
    deliver(app)
    [mail] = smtp.received
    path = link_in(mail)
    token = path.split("token=")[1]

    with db.engine.connect() as connection:  # nothing in the database holds the token
        for table in ("password_resets", "outgoing_mails", "activity_entries"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert token not in repr(rows)
        seeds = connection.execute(text("SELECT params FROM outgoing_mails")).scalars().all()
        assert all("seed" not in str(params) for params in seeds)  # dropped once sent

    response = use(client, path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in")
    client_for(app, user.email, NEW_PASSWORD)  # the new password signs in

    again = use(client, path, "another fine passphrase 42")
    assert again.headers["Location"].endswith("/forgot-password")
    db.session.expire_all()
    assert (
        client.post(
            "/sign-in", data={"email": user.email, "password": "another fine passphrase 42"}
        ).status_code
        == 200
    )  # refused: the second use set nothing


def test_the_link_expires_after_thirty_minutes(app, client, smtp):
    user = make_user(Role.DEALER)
    db.session.commit()
    ask(client, user.email)
    deliver(app)
    path = link_in(smtp.received[0])

    with time_machine.travel(clock.now() + timedelta(minutes=31), tick=False):
        response = use(client, path)

    assert response.headers["Location"].endswith("/forgot-password")
    assert db.session.scalars(select(PasswordReset)).one().used_at is None


def test_a_password_change_or_a_newer_link_kills_the_link(app, client, smtp):
    user = make_user(Role.DEALER)
    db.session.commit()
    ask(client, user.email)
    ask(client, user.email)
    deliver(app)
    first, second = (link_in(m) for m in smtp.received)

    assert use(client, first).headers["Location"].endswith("/forgot-password")  # superseded

    signed_in = client_for(app, user.email, PASSWORD)
    signed_in.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "changed by hand 9 times over",
            "confirm_password": "changed by hand 9 times over",
        },
    )
    assert use(client, second).headers["Location"].endswith("/forgot-password")


def test_the_new_password_must_pass_the_policy_and_ends_every_session(app, client, smtp):
    user = make_user(Role.DEALER)
    db.session.commit()
    other = client_for(app, user.email, PASSWORD)
    ask(client, user.email)
    deliver(app)
    path = link_in(smtp.received[0])

    weak = use(client, path, "password1")
    assert weak.status_code == 200  # the form again, with the reason
    strong = client.post(
        "/password-reset", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )

    assert strong.headers["Location"].endswith("/sign-in")
    live = db.session.scalar(
        select(func.count(UserSession.id)).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None)
        )
    )
    assert live == 0
    assert other.get("/home").status_code == 302  # the other browser was signed out
    entry = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "auth.reset_password")
    ).one()
    assert (entry.object_id, entry.outcome, entry.actor_id) == (user.id, "success", user.id)


def test_requests_are_throttled_per_account_and_per_client_address(app, client, smtp):
    app.config.update(PASSWORD_RESET_MAX_PER_ACCOUNT=2, PASSWORD_RESET_MAX_PER_ADDRESS=4)
    user = make_user(Role.DEALER)
    db.session.commit()

    answers = [ask(client, user.email).status_code for _ in range(3)]
    answers.append(ask(client, "someone.else@example.test").status_code)
    refused = ask(client, "a.third@example.test")
    deliver(app)

    assert answers == [200, 200, 200, 200]  # the account's limit is silent
    assert refused.status_code == 429  # the address's is not
    assert len(smtp.received) == 2


def test_the_sign_in_page_offers_the_reset(client, smtp):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgot-password"' in page


@pytest.mark.parametrize("app_config", [{"DEMO": False}])
def test_without_mail_there_is_no_reset(client):
    assert "/forgot-password" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/forgot-password").status_code == 404
