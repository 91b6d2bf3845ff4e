"""Session expiry: "Stay signed in" refreshes the idle timer; a late form post says so."""

from __future__ import annotations

import math
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Role, UserSession
from portal.models.base import utcnow
from tests.support.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
JSON = {"Accept": "application/json"}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _sign_in(client, user) -> str:
    token = TOKEN.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/home").get_data(as_text=True)
    return re.search(r'data-csrf="([^"]+)"', page).group(1)


def _age_session(user, minutes: int) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(last_seen_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def _last_seen(user):
    db.session.expire_all()
    return db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == user.id))


def test_signed_in_pages_carry_the_time_left_and_the_warning(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    started = time.monotonic()
    _sign_in(client, user)

    page = client.get("/home").get_data(as_text=True)

    # The whole idle window, less the seconds the sign-in and this page took (the test clock
    # ticks; on a busy machine that is more than one second).
    left = int(re.search(r'data-session-left="(\d+)"', page).group(1))
    assert 1800 - math.ceil(time.monotonic() - started) - 1 <= left <= 1800
    assert 'data-session-idle="1800"' in page
    assert "data-stay" in page
    assert "js/session.js" in page
    assert "data-session-left" not in client.get("/sign-in").get_data(as_text=True)


def test_keep_alive_refreshes_the_idle_timer(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    token = _sign_in(client, user)
    _age_session(user, 28)
    before = _last_seen(user)

    response = client.post("/session/keep-alive", headers={**JSON, "X-CSRFToken": token})

    assert response.status_code == 200
    assert response.get_json()["seconds_left"] >= 1790
    assert _last_seen(user) > before + timedelta(minutes=27)


def test_keep_alive_needs_the_csrf_token(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    _sign_in(client, user)
    _age_session(user, 28)
    before = _last_seen(user)

    response = client.post("/session/keep-alive", headers=JSON)

    assert response.status_code == 400
    assert response.get_json()["csrf_expired"] is True
    assert _last_seen(user) == before


def test_keep_alive_does_not_revive_an_ended_session(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    token = _sign_in(client, user)
    _age_session(user, 31)

    response = client.post("/session/keep-alive", headers={**JSON, "X-CSRFToken": token})

    assert response.status_code == 401
    assert response.get_json()["session_ended"] is True
    assert _last_seen(user) < utcnow() - timedelta(minutes=30)


def test_keep_alive_is_for_signed_in_users_only(app, client):
    token = TOKEN.search(client.get("/sign-in").get_data(as_text=True)).group(1)

    response = client.post("/session/keep-alive", headers={**JSON, "X-CSRFToken": token})

    assert response.status_code == 401


def test_session_status_gives_the_new_token_after_signing_in_again(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    old = _sign_in(client, user)
    _age_session(user, 31)
    assert client.get("/session/status", headers=JSON).status_code == 401

    new = _sign_in(client, user)  # as in another tab: a new session, a new token
    status = client.get("/session/status", headers=JSON).get_json()

    assert status["csrf_token"] != old
    ok = client.post("/session/keep-alive", headers={**JSON, "X-CSRFToken": status["csrf_token"]})
    assert ok.status_code == 200
    assert new


def test_a_form_posted_after_the_session_ended_says_so_and_returns_to_the_page(app, client):
    user = make_user(Role.DEALER)
    db.session.commit()
    token = _sign_in(client, user)
    _age_session(user, 31)

    response = client.post(
        "/plans/new?period=2099-10",
        data={"csrf_token": token, "action": "save"},
        headers={"Referer": "http://localhost/plans/new?period=2099-10"},
    )

    assert response.status_code == 302
    assert "next=/plans/new?period%3D2099-10%23restore" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended, so what you sent was not saved" in page
