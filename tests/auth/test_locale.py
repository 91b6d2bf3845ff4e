"""The language choice: kept per user (on every device), per visit before sign-in."""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_user
from tests.support.snapshots import difference, snapshot


def _lang(client, path: str = "/home") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_choice_follows_the_user_to_another_device(app, client, auth):
    user = make_user(Role.SUPERVISOR)
    auth.sign_in(user)

    response = client.post("/locale", data={"locale": "zh_Hans", "next": "/stores/"})

    assert response.headers["Location"] == "/stores/"
    assert user.locale == "zh_Hans"
    assert _lang(client) == "zh-Hans"
    assert _lang(client_for(app, user.email, PASSWORD)) == "zh-Hans"


def test_switching_back_to_english(client, auth):
    auth.sign_in(make_user(Role.DEALER, locale="zh_Hans"))

    client.post("/locale", data={"locale": "en"})

    assert _lang(client) == "en"


def test_a_visitor_s_choice_lasts_the_visit_and_writes_nothing(client):
    before = snapshot()

    client.post("/locale", data={"locale": "zh_Hans", "next": "/sign-in"})

    assert _lang(client, "/sign-in") == "zh-Hans"
    assert not difference(before, snapshot())


def test_the_user_s_saved_choice_wins_over_the_visit_s(client):
    user = make_user(Role.DEALER, locale="en")
    client.post("/locale", data={"locale": "zh_Hans"})

    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})

    assert _lang(client) == "en"


def test_the_browser_language_is_the_default(client):
    assert _lang(client, "/sign-in") == "en"
    page = client.get("/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-Hans"' in page.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["xx", "", "zh_Hant"])
def test_an_unknown_language_is_refused(client, auth, locale):
    user = make_user(Role.DEALER)
    auth.sign_in(user)

    assert client.post("/locale", data={"locale": locale}).status_code == 400
    assert user.locale == "en"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x", "/\\evil"])
def test_the_switch_never_redirects_off_site(client, target):
    response = client.post("/locale", data={"locale": "en", "next": target})

    assert response.headers["Location"] in ("/home", "http://localhost/home")
