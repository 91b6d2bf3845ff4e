"""Signing in and out, and where the portal sends people afterwards."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from portal.models import Role
from portal.security import is_safe_redirect
from tests.support.factories import PASSWORD, make_user

HOSTILE_TARGETS = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    " /home",
    "/\t/evil.example",
    "/home\r\nSet-Cookie: x=1",
    "evil.example",
    "/redirect?to=https://evil.example",  # allowed: a same-site path with a query
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_next_only_ever_leads_within_the_portal(client, target):
    user = make_user(Role.ADMIN)

    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "next": target}
    )

    location = urlsplit(response.headers["Location"])
    assert response.status_code == 302
    assert location.netloc in ("", "localhost")
    assert location.scheme in ("", "http")
    if is_safe_redirect(target):
        assert response.headers["Location"] == target
    else:
        assert location.path == "/home"


def test_next_returns_to_the_page_that_asked_for_sign_in(client):
    user = make_user(Role.ADMIN)
    asked = client.get("/stores/?q=abc")
    sign_in_page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/stores/?q=abc"' in sign_in_page

    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "next": "/stores/?q=abc"}
    )

    assert response.headers["Location"] == "/stores/?q=abc"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/dealers/1", True),
        ("/stores/?q=x&page=2", True),
        ("", False),
        (None, False),
        ("//evil", False),
        ("/\\evil", False),
        ("https://evil", False),
        ("javascript:alert(1)", False),
        ("/ok\\..\\evil", False),
        ("/path\nwith-newline", False),
    ],
)
def test_is_safe_redirect(target, safe):
    assert is_safe_redirect(target) is safe


@pytest.mark.parametrize(
    ("role", "text"),
    [
        (Role.ADMIN, "head-office administrator"),
        (Role.SUPERVISOR, "You supervise"),
        (Role.DEALER, "Dealer"),
    ],
)
def test_each_role_lands_on_a_home_page_that_says_who_they_are(client, auth, role, text):
    user = make_user(role, name="Pat Person")

    auth.sign_in(user)
    page = client.get("/home").get_data(as_text=True)

    assert "Pat Person" in page
    assert text in page


def test_signed_in_visitors_of_the_sign_in_page_go_home(client, auth):
    auth.sign_in(make_user(Role.DEALER))

    assert client.get("/sign-in").headers["Location"].endswith("/home")
    assert client.get("/").headers["Location"].endswith("/home")


def test_sign_out_ends_the_session(client, auth):
    auth.sign_in(make_user(Role.DEALER))

    response = auth.sign_out()

    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    assert urlsplit(client.get("/home").headers["Location"]).path == "/sign-in"


def test_email_is_matched_without_regard_to_case_or_spaces(client):
    user = make_user(Role.DEALER, email="mixed.case@example.test")

    response = client.post(
        "/sign-in", data={"email": "  Mixed.Case@Example.TEST ", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert user.last_sign_in_at is not None
