"""S8: session cookies, fixation, revocation on the server, timeouts and the sessions page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal import create_app
from portal.extensions import db
from portal.models import Role, User, UserSession
from portal.models.base import utcnow
from tests.conftest import PortalClient, client_for
from tests.support import databases
from tests.support.factories import PASSWORD, make_user

COOKIE = "portal_session"


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/home")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path in ("/sign-in", "/account/password")
        return False
    assert response.status_code == 200
    return True


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _copy_of(app, client: FlaskClient) -> FlaskClient:
    """A second browser holding the same cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, _cookie(client))
    return thief


def _sessions_of(user: User) -> list[UserSession]:
    query = select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    return list(db.session.scalars(query))


# Cookie flags


def _set_cookie_header(response) -> str:
    headers = [v for v in response.headers.getlist("Set-Cookie") if v.startswith(f"{COOKIE}=")]
    assert len(headers) == 1
    return headers[0]


def test_session_cookie_is_http_only_and_same_site_lax(client, auth):
    response = auth.sign_in(make_user(Role.ADMIN))

    header = _set_cookie_header(response)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def _app_without_cookie_override(app, tmp_path, **overrides):
    config = databases.test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, **overrides)
    config.pop("SESSION_COOKIE_SECURE")
    other = create_app(config)
    other.test_client_class = PortalClient
    return other


def test_session_cookie_is_secure_outside_demo_mode(app, tmp_path):
    user = make_user(Role.ADMIN)
    production = _app_without_cookie_override(app, tmp_path)
    client = production.test_client()

    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD},
        base_url="https://localhost",
    )

    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert "Secure" in _set_cookie_header(response)


def test_demo_mode_allows_plain_http_cookies(app, tmp_path):
    demo_app = _app_without_cookie_override(app, tmp_path, DEMO=True)

    assert demo_app.config["SESSION_COOKIE_SECURE"] is False


# Fixation and revocation


def test_sign_in_starts_a_new_session_id(app, client, auth):
    user = make_user(Role.DEALER)
    client.post("/locale", data={"locale": "en", "next": "/sign-in"})
    planted = _copy_of(app, client)  # a cookie an attacker handed out before sign-in

    auth.sign_in(user)
    first = _cookie(client)
    auth.sign_out()
    auth.sign_in(user)

    assert _signed_in(client)
    assert not _signed_in(planted)
    assert _cookie(client) != first
    records = _sessions_of(user)
    assert len(records) == 2
    assert records[0].token_hash != records[1].token_hash


def test_session_store_keeps_only_a_hash_of_the_token(client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    with client.session_transaction() as session:
        token = session["sid"]

    stored = _sessions_of(user)[0].token_hash
    assert token not in stored
    assert len(token) >= 32  # the cookie carries a random token...
    assert stored == hashlib.sha256(token.encode()).hexdigest()  # ...the store only its hash


def test_cookie_copied_before_sign_out_stops_working_after_it(app, client, auth):
    user = make_user(Role.SUPERVISOR)
    auth.sign_in(user)
    thief = _copy_of(app, client)
    assert _signed_in(thief)  # the copy works while the session lives

    auth.sign_out()

    assert not _signed_in(thief)
    record = _sessions_of(user)[0]
    assert record.ended_at is not None
    assert record.end_reason == "signed_out"


def test_password_change_ends_the_other_sessions_only(app, client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    laptop = client_for(app, user.email, PASSWORD)

    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-new-secret-phrase",
            "confirm_password": "a-new-secret-phrase",
        },
    )

    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(laptop)
    assert [r.end_reason for r in _sessions_of(user)] == [None, "password_changed"]


def test_wrong_current_password_changes_nothing(client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    old_hash = user.password_hash

    response = client.post(
        "/account/password",
        data={
            "current_password": "not-my-password",
            "new_password": "a-new-secret-phrase",
            "confirm_password": "a-new-secret-phrase",
        },
    )

    assert response.status_code == 200
    assert b"This is not your current password." in response.data
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_deactivation_ends_every_session(app, client, auth):
    user = make_user(Role.DEALER)
    phone = client_for(app, user.email, PASSWORD)
    auth.sign_in(make_user(Role.ADMIN))

    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})

    assert not _signed_in(phone)
    assert [r.end_reason for r in _sessions_of(user)] == ["deactivated"]
    again = phone.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert again.status_code == 200  # refused like a wrong password


def test_a_user_deactivated_directly_in_the_database_is_signed_out(app):
    user = make_user(Role.DEALER)
    phone = client_for(app, user.email, PASSWORD)
    user.active = False
    db.session.commit()

    assert not _signed_in(phone)


def test_admin_reset_ends_sessions_and_forces_a_new_password(app, client, auth):
    user = make_user(Role.DEALER)
    phone = client_for(app, user.email, PASSWORD)
    auth.sign_in(make_user(Role.ADMIN))

    client.post(
        f"/admin/users/{user.id}/reset-password",
        data={"password": "temporary-pass-123", "version": user.version},
    )

    assert not _signed_in(phone)
    assert [r.end_reason for r in _sessions_of(user)] == ["password_reset"]
    fresh = client_for(app, user.email, "temporary-pass-123")
    home = fresh.get("/home")
    assert urlsplit(home.headers["Location"]).path == "/account/password"
    fresh.post(
        "/account/password",
        data={
            "current_password": "temporary-pass-123",
            "new_password": "my-own-new-password",
            "confirm_password": "my-own-new-password",
        },
    )
    assert fresh.get("/home").status_code == 200
    db.session.refresh(user)
    assert user.must_change_password is False


# Timeouts: move the session's timestamps back instead of waiting.


def _age_session(user: User, *, created: timedelta, idle: timedelta) -> None:
    now = utcnow()
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(created_at=now - created, last_seen_at=now - idle)
    )
    db.session.commit()


def test_idle_timeout_ends_the_session(app, client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    idle = app.config["SESSION_IDLE_TIMEOUT"]

    _age_session(user, created=idle - timedelta(minutes=1), idle=idle - timedelta(minutes=1))
    assert _signed_in(client)
    _age_session(user, created=idle + timedelta(minutes=1), idle=idle + timedelta(minutes=1))
    assert not _signed_in(client)


def test_absolute_timeout_ends_an_active_session(app, client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"]

    _age_session(user, created=absolute - timedelta(minutes=1), idle=timedelta(0))
    assert _signed_in(client)
    _age_session(user, created=absolute + timedelta(minutes=1), idle=timedelta(0))
    assert not _signed_in(client)


def test_activity_keeps_an_idle_session_alive(app, client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    _age_session(user, created=idle, idle=idle - timedelta(minutes=2))

    assert _signed_in(client)  # refreshes last_seen_at

    record = _sessions_of(user)[0]
    assert utcnow() - record.last_seen_at < timedelta(minutes=1)


# The sessions page


def _end_buttons(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'action="/account/sessions/(\d+)/end"', page)]


def test_sessions_page_lists_live_sessions_and_ends_another(app, client, auth):
    user = make_user(Role.SUPERVISOR)
    auth.sign_in(user, environ_base={"HTTP_USER_AGENT": "Desk Browser"})
    tablet = app.test_client()
    tablet.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"HTTP_USER_AGENT": "Tablet Browser"},
    )
    _this, other = _sessions_of(user)

    page = client.get("/account").get_data(as_text=True)

    assert "Desk Browser" in page
    assert "Tablet Browser" in page
    assert page.count("This session") == 1
    assert _end_buttons(page) == [other.id]
    response = client.post(f"/account/sessions/{other.id}/end")
    assert response.status_code == 302
    assert not _signed_in(tablet)
    assert _signed_in(client)
    assert _end_buttons(client.get("/account").get_data(as_text=True)) == []


def test_end_all_other_sessions(app, client, auth):
    user = make_user(Role.DEALER)
    others = [client_for(app, user.email, PASSWORD) for _ in range(2)]
    auth.sign_in(user)

    client.post("/account/sessions/end-others")

    assert [_signed_in(other) for other in others] == [False, False]
    assert _signed_in(client)


def test_cannot_end_someone_elses_session(app, client, auth):
    victim = make_user(Role.DEALER)
    victim_client = client_for(app, victim.email, PASSWORD)
    auth.sign_in(make_user(Role.DEALER))
    victim_session = _sessions_of(victim)[0]

    response = client.post(f"/account/sessions/{victim_session.id}/end")

    assert response.status_code == 404
    assert _signed_in(victim_client)


def test_the_current_session_is_ended_by_signing_out_not_by_the_end_button(client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    current = _sessions_of(user)[0]

    response = client.post(f"/account/sessions/{current.id}/end")

    assert response.status_code == 400
    assert _signed_in(client)
