"""S7: with CSRF protection on, unsafe requests without a valid token are refused; GET never writes.

What a GET may change, precisely:
- `user_sessions.last_seen_at` of the requester's own session (the idle timer, at most once a
  minute);
- new `activity_entries` rows whose action ends in `.export` (data leaving the portal is
  recorded).
Everything else in every table stays byte for byte the same.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from portal.demo.network import DEMO_PASSWORD
from portal.extensions import db
from portal.models import ActivityEntry, UserSession
from portal.models.base import utcnow
from tests.security import routes
from tests.security.canary import sweep_urls
from tests.security.crawler import crawl
from tests.support.snapshots import difference, snapshot

TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_PAGE_TITLE = b"Form expired"
ALLOWED_GET_ACTIONS = re.compile(r"\.(export|download|report_pdf)$")  # logged reads of data


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    match = TOKEN.search(client.get(path).data)
    assert match, f"no CSRF token on {path}"
    return match.group(1).decode()


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, f"sign-in failed for {email}"


def _assert_csrf_refusal(response, what: str) -> None:
    assert response.status_code == 400, f"{what}: {response.status_code}"
    assert CSRF_PAGE_TITLE in response.data, what
    assert response.headers.get("X-Request-ID"), what
    assert response.headers["X-Request-ID"].encode() in response.data


def test_every_unsafe_request_without_a_token_is_refused_and_writes_nothing(app, client, demo):
    sign_in(client, "admin@demo.example")
    before = snapshot()
    refused = 0
    for route in routes.routes(app):
        path = route.path(routes.first_ids(route))
        for method in routes.UNSAFE_METHODS:
            response = client.open(path, method=method, data={"name": "x", "active": "0"})
            if method in route.unsafe_methods:
                _assert_csrf_refusal(response, f"{method} {path}")
                refused += 1
            else:
                assert response.status_code == 405, f"{method} {path}"

    assert refused >= 25
    changes = difference(before, snapshot())
    assert not changes, str(changes)
    assert client.get("/home").status_code == 200  # still signed in: nothing ended the session


@pytest.mark.parametrize("path", ["/sign-in", "/locale"])
def test_anonymous_public_forms_need_a_token_too(client, demo, path):
    before = snapshot()

    response = client.post(
        path, data={"email": "admin@demo.example", "password": DEMO_PASSWORD, "locale": "en"}
    )

    _assert_csrf_refusal(response, path)
    assert not difference(before, snapshot())


def test_a_token_from_another_session_is_refused(app, client, demo):
    other = app.test_client()
    sign_in(other, "n01@demo.example")
    foreign = csrf_token(other, "/home")
    sign_in(client, "admin@demo.example")
    region_id = demo.regions["NORTH"].id

    response = client.post(
        f"/regions/{region_id}/active", data={"active": "0", "csrf_token": foreign}
    )

    _assert_csrf_refusal(response, "foreign token")
    assert demo.regions["NORTH"].active is True


def test_a_token_from_before_sign_in_stops_working_after_it(client, demo):
    early = csrf_token(client)
    sign_in(client, "admin@demo.example")

    response = client.post("/account/sessions/end-others", data={"csrf_token": early})

    _assert_csrf_refusal(response, "pre-sign-in token")


def test_a_request_with_its_token_goes_through(client, demo):
    sign_in(client, "admin@demo.example")
    token = csrf_token(client, "/home")
    region_id = demo.regions["NORTH"].id

    response = client.post(
        f"/regions/{region_id}/active", data={"active": "0", "csrf_token": token}
    )

    assert response.status_code == 302
    assert demo.regions["NORTH"].active is False


@pytest.mark.parametrize(
    "email",
    ["admin@demo.example", "south.supervisor@demo.example", "e01@demo.example", None],
    ids=["admin", "supervisor", "dealer", "anonymous"],
)
def test_get_never_writes(app, client, demo, email):
    if email is not None:
        sign_in(client, email)
        # Make the idle timer due, so the one write a GET may do happens during the crawl.
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    last_entry = db.session.scalar(select(func.max(ActivityEntry.id))) or 0
    before = snapshot()

    pages = crawl(client, ("/home", "/"), sweep_urls(app), max_pages=400)

    assert len(pages) > 20
    # snapshot() leaves out last_seen_at; the log only grows (its rows cannot be rewritten).
    changes = difference(before, snapshot())
    assert not changes.removed, str(changes)
    assert set(changes.added) <= {"activity_entries"}, str(changes)
    logged = db.session.scalars(
        select(ActivityEntry.action).where(ActivityEntry.id > last_entry)
    ).all()
    assert len(logged) == len(changes.added.get("activity_entries", ()))
    assert all(ALLOWED_GET_ACTIONS.search(action) for action in logged), logged
