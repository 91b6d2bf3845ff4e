"""S17: every error answers with a friendly page and a request id, never with internals."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from flask import Blueprint, abort
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from portal.access import public
from portal.extensions import db
from portal.models import Region, Role
from tests.support.factories import make_user

ROOT = str(Path(__file__).resolve().parents[2])
SECRET = "test-secret-key-not-for-production"
INTERNALS = (
    "Traceback",
    'File "',
    ".py",
    ROOT,
    "/usr/lib/python",
    "site-packages",
    "sqlalchemy",
    "SELECT",
    "no_such_table",
    "werkzeug",
    "RuntimeError",
    SECRET,
)


@pytest.fixture
def app_config():
    return {"PROPAGATE_TEST_ERRORS": False, "MAX_CONTENT_LENGTH": 64 * 1024}


@pytest.fixture
def failing(app):
    """Test-only routes that fail in the ways real code does."""
    routes = Blueprint("failing", __name__, url_prefix="/_test")

    @routes.route("/abort/<int:code>")
    @public
    def abort_with(code: int):
        abort(code)

    @routes.route("/crash")
    @public
    def crash():
        raise RuntimeError(f"SELECT password_hash FROM users -- {ROOT}/portal/x.py {SECRET}")  # noqa: S608

    @routes.route("/bad-sql")
    @public
    def bad_sql():
        db.session.execute(text("SELECT secret_column FROM no_such_table"))

    @routes.route("/stale")
    @public
    def stale():
        raise StaleDataError("UPDATE dealers SET version=2 WHERE dealers.version = 1")

    app.register_blueprint(routes)
    return app


def assert_friendly(response, code: int, title: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == code
    assert response.content_type.startswith("text/html")
    assert title in body
    request_id = response.headers.get("X-Request-ID", "")
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert f'data-testid="request-id">{request_id}<' in body
    for internal in INTERNALS:
        assert internal not in body, f"{internal!r} leaked into the {code} page"


def test_400_bad_request(client, auth):
    auth.sign_in(make_user(Role.DEALER))

    assert_friendly(client.post("/locale", data={"locale": "xx"}), 400, "Bad request")


def test_403_forbidden(client, auth):
    auth.sign_in(make_user(Role.DEALER))

    assert_friendly(client.get("/regions/"), 403, "Not allowed")


@pytest.mark.parametrize("path", ["/no-such-page", "/dealers/987654", "/_test/abort/404"])
def test_404_not_found(failing, client, auth, path):
    auth.sign_in(make_user(Role.ADMIN))

    assert_friendly(client.get(path), 404, "Not found")


def test_405_method_not_allowed_names_the_allowed_methods(client):
    response = client.get("/sign-out")

    assert_friendly(response, 405, "Not allowed")
    assert "POST" in response.headers["Allow"]


def test_409_conflict_from_a_stale_save(failing, client):
    assert_friendly(client.get("/_test/stale"), 409, "Changed by someone else")


def test_413_request_too_large(client):
    big = io.BytesIO(b"x" * (128 * 1024))

    response = client.post("/sign-in", data={"email": "a@example.com", "file": (big, "big.bin")})

    assert_friendly(response, 413, "File too large")


def test_429_too_many_requests(failing, client):
    assert_friendly(client.get("/_test/abort/429"), 429, "Too many attempts")


@pytest.mark.parametrize("path", ["/_test/crash", "/_test/bad-sql"])
def test_500_shows_no_internals_and_logs_the_request_id(failing, client, caplog, path):
    caplog.set_level(logging.ERROR)

    response = client.get(path)

    assert_friendly(response, 500, "Something went wrong")
    assert response.headers["X-Request-ID"] in caplog.text  # support can find the trace


def test_500_rolls_back_what_the_request_did(failing, app, client):
    crash_after_write = Blueprint("crash_after_write", __name__)

    @crash_after_write.route("/_test/write-then-crash")
    @public
    def write_then_crash():
        db.session.add(Region(code="HALF", name="Half written"))
        db.session.flush()
        raise RuntimeError("boom")

    app.register_blueprint(crash_after_write)

    assert client.get("/_test/write-then-crash").status_code == 500
    assert db.session.scalar(db.select(Region).where(Region.code == "HALF")) is None


def test_errors_answer_json_to_json_clients(failing, client):
    response = client.get("/_test/crash", headers={"Accept": "application/json"})

    assert response.status_code == 500
    body = response.get_json()
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert set(body) == {"error", "title", "message", "request_id"}
    assert "SELECT" not in response.get_data(as_text=True)


def test_throttled_sign_in_names_no_internals_and_carries_a_request_id(app, client):
    app.config["SIGNIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"] = 1
    client.post("/sign-in", data={"email": "a@example.com", "password": "wrong"})

    response = client.post("/sign-in", data={"email": "a@example.com", "password": "wrong"})

    assert response.status_code == 429
    assert response.headers.get("X-Request-ID")
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
