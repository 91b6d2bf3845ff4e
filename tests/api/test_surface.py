"""The API's surface: every endpoint needs a token, the OpenAPI document describes them all,
and the documentation page is served with its assets by the app (no CDN)."""

from __future__ import annotations

import re

from portal.models import Role
from tests.api.conftest import bearer, make_token
from tests.security import routes
from tests.support.factories import make_user
from tests.support.snapshots import difference, snapshot


def _api_routes(app):
    return [route for route in routes.routes(app, api=True) if route.rule.rule.startswith("/api/")]


def test_every_non_public_api_endpoint_answers_401_without_a_token(app, client):
    before = snapshot()
    checked = 0
    for route in _api_routes(app):
        if route.is_public:
            continue
        path = route.path()
        for method in [m for m in route.rule.methods if m in ("GET", "POST", "PUT")]:
            response = client.open(path, method=method, json={} if method != "GET" else None)
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            assert response.mimetype == "application/problem+json"
            checked += 1

    assert checked > 30
    assert not difference(before, snapshot()).added


def test_the_openapi_document_describes_every_api_endpoint(app, client):
    document = client.get("/api/v1/openapi.json").get_json()

    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    described = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    for route in _api_routes(app):
        if route.endpoint in ("api_pages.docs",):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule.rule)
        for method in route.rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in described, f"{method} {path} is not documented"


def test_the_docs_page_and_its_assets_come_from_the_app(client):
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "//" not in re.sub(r"<!doctype html>", "", html).replace("://", "")  # no CDN
    assets = re.findall(r'(?:src|href)="(/api/v1/docs/assets/[^"]+)"', html)
    assert len(assets) == 2
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in asset.headers
        assert len(asset.data) > 10_000


def test_a_token_of_any_role_reads_its_own_token_info(app, client):
    for role in Role:
        user = make_user(role)
        me = client.get("/api/v1/me", headers=bearer(make_token(user))).get_json()
        assert me["user_id"] == user.id
