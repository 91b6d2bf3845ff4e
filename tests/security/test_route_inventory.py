"""S1: every endpoint declares its access rule; anonymous requests get the sign-in page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint

from portal.models import Role
from tests.security import routes
from tests.support.factories import make_user
from tests.support.snapshots import difference, snapshot

# The short list of endpoints anyone may reach. Adding one is a security decision: review it.
PUBLIC_ENDPOINTS = {
    "auth.sign_in",
    "auth.set_locale",
    "auth.forgot_password",  # the same answer for every address; throttled (S23)
    "auth.reset_password",  # needs a mailed, hashed, single-use token (S23)
    "dashboard.index",
    "health.healthz",
    "health.readyz",
    "api.openapi_json",  # the API's OpenAPI document: no data
    "api_pages.docs",  # the page that shows it (Swagger UI)
    "offline.service_worker",  # /sw.js: the offline audits' service worker, no data
    "offline.manifest",  # /manifest.webmanifest: the installable app's name and icons, no data
}


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = [str(route) for route in routes.routes(app, api=True) if route.access is None]

    assert not undeclared, f"endpoints without an access rule: {undeclared}"


def test_only_the_reviewed_endpoints_are_public(app):
    public = {route.endpoint for route in routes.routes(app, api=True) if route.is_public}

    assert public == PUBLIC_ENDPOINTS


def test_an_endpoint_without_a_rule_is_refused(app, client, auth):
    forgotten = Blueprint("forgotten", __name__)

    @forgotten.route("/_test/forgotten")
    def no_rule():
        return "reached"

    app.register_blueprint(forgotten)
    auth.sign_in(make_user(Role.ADMIN))

    response = client.get("/_test/forgotten")

    assert response.status_code == 403
    assert b"reached" not in response.data


def _non_public(app, *, reading: bool):
    return [
        route
        for route in routes.routes(app)
        if not route.is_public and (route.reads if reading else route.unsafe_methods)
    ]


def _assert_sent_to_sign_in(response, path: str) -> None:
    assert response.status_code == 302, f"{path} answered {response.status_code}"
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query).get("next") == [path]


def test_anonymous_get_of_every_non_public_page_redirects_to_sign_in(app, client, demo):
    checked = []
    for route in _non_public(app, reading=True):
        path = route.path(routes.first_ids(route))
        _assert_sent_to_sign_in(client.get(path), path)
        checked.append(path)

    assert "/dealers/" in checked  # the walk is not empty


def test_anonymous_unsafe_requests_are_refused_and_write_nothing(app, client, demo):
    before = snapshot()
    refused = 0
    for route in _non_public(app, reading=False):
        path = route.path(routes.first_ids(route))
        for method in route.unsafe_methods:
            response = client.open(
                path,
                method=method,
                data={"name": "Anonymous", "code": "ANON1", "active": "0", "role": "admin"},
            )
            assert response.status_code in (302, 401, 403), f"{method} {path}"
            if response.status_code == 302:
                assert urlsplit(response.headers["Location"]).path == "/sign-in"
            refused += 1

    assert refused > 10
    changes = difference(before, snapshot())
    assert not changes, str(changes)


@pytest.mark.parametrize("path", ["/", "/sign-in", "/healthz", "/readyz"])
def test_public_pages_answer_anonymous_visitors(client, path):
    assert client.get(path).status_code in (200, 302)
