"""Static files: fingerprinted links, a year of caching, and no session cookie even for a
signed-in user."""

from __future__ import annotations

import re
from pathlib import Path

from portal.models import Role
from portal.static_files import IMMUTABLE
from tests.support.clients import signed_in_client
from tests.support.factories import make_user


def _links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"#]+|/bootstrap/[^"#]+)"', page)


def _assert_no_session(response) -> None:
    assert "Set-Cookie" not in response.headers
    assert "cookie" not in response.headers.get("Vary", "").lower()


def test_pages_link_fingerprinted_static_files_cached_for_a_year(app):
    client = signed_in_client(app, make_user(Role.SUPERVISOR))
    page = client.get("/home").get_data(as_text=True)
    links = _links(page)
    assert any(link.startswith("/static/css/portal.css?v=") for link in links)
    assert links
    assert all(re.search(r"\?v=[0-9a-f]{16}$", link) for link in links), links

    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.headers["Cache-Control"] == IMMUTABLE, link
        _assert_no_session(response)


def test_an_unversioned_or_stale_static_url_is_revalidated_and_has_no_cookie(app):
    client = signed_in_client(app, make_user(Role.DEALER))
    for url in ("/static/css/portal.css", "/static/css/portal.css?v=0000000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
        _assert_no_session(response)


def test_pages_still_refresh_the_session_cookie(app):
    client = signed_in_client(app, make_user(Role.ADMIN))
    response = client.get("/home")
    assert "no-store" in response.headers["Cache-Control"]
    assert "cookie" in response.headers.get("Vary", "").lower()


def test_templates_link_static_files_through_static_url():
    """`url_for('static', …)` would skip the fingerprint, and so the long-lived caching."""
    templates = Path(__file__).resolve().parents[2] / "portal" / "templates"
    plain = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"url_for\(\s*['\"]static['\"]", path.read_text(encoding="utf-8"))
    ]
    assert plain == []
