"""One JSON line per request on stderr, with a request id a trusted proxy may set."""

from __future__ import annotations

import json

import pytest

from portal import clock
from portal.extensions import db
from portal.logs import current_request_id, request_id_bound
from portal.models import ActivityEntry, Role
from tests.support.factories import PASSWORD, make_user

PROXY = {"PROXY_FIX_HOPS": 1}


def request_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "portal.requests"]


def test_each_request_writes_one_json_line_on_stderr(app, client, auth, capsys):
    admin = make_user(Role.ADMIN)
    auth.sign_in(admin)
    capsys.readouterr()

    response = client.get("/admin/activity/?actor=secret-term&page=1")

    assert response.status_code == 200
    [line] = request_lines(capsys.readouterr().err)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["level"] == "INFO"
    assert line["time"].startswith(clock.today().isoformat())  # the test clock's date
    assert line["user_id"] == admin.id
    assert line["method"] == "GET"
    assert line["endpoint"] == "activity.index"
    assert line["path"] == "/admin/activity/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["queries"] >= 2  # the session and the page's list at least
    assert "secret-term" not in json.dumps(line)


def test_the_sign_in_line_holds_no_password_and_no_user_before_sign_in(client, capsys):
    user = make_user(Role.ADMIN)
    capsys.readouterr()

    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})

    err = capsys.readouterr().err
    [line] = request_lines(err)
    assert line["endpoint"] == "auth.sign_in"
    assert line["status"] == 302
    assert PASSWORD not in err


def test_an_unknown_page_is_logged_with_its_status(client, capsys):
    capsys.readouterr()
    response = client.get("/no-such-page")
    [line] = request_lines(capsys.readouterr().err)
    assert line["status"] == 404 == response.status_code
    assert line["user_id"] is None
    assert line["endpoint"] is None


def test_the_request_line_is_a_log_record_too(client, caplog):
    with caplog.at_level("INFO", logger="portal.requests"):
        response = client.get("/sign-in")
    [record] = [r for r in caplog.records if r.name == "portal.requests"]
    assert record.fields["request_id"] == response.headers["X-Request-ID"]
    assert record.fields["status"] == 200


def test_without_a_trusted_proxy_the_request_id_header_is_ignored(client, capsys):
    capsys.readouterr()
    response = client.get("/sign-in", headers={"X-Request-ID": "proxy-chosen-id-1"})
    assert response.headers["X-Request-ID"] != "proxy-chosen-id-1"
    [line] = request_lines(capsys.readouterr().err)
    assert line["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("app_config", [PROXY])
def test_a_trusted_proxy_sets_the_request_id(app, client, auth, capsys):
    admin = make_user(Role.ADMIN)
    capsys.readouterr()

    response = auth.sign_in(admin, headers={"X-Request-ID": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"})

    assert response.headers["X-Request-ID"] == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    [line] = request_lines(capsys.readouterr().err)
    assert line["request_id"] == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    entry = db.session.query(ActivityEntry).filter_by(action="auth.sign_in").one()
    assert entry.request_id == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.mark.parametrize("app_config", [PROXY])
@pytest.mark.parametrize(
    "hostile",
    [
        "abc\r\nSet-Cookie: x=1",
        'abc\n{"level": "forged"}',
        "a" * 1000,
        "<script>alert(1)</script>",
        "../../etc/passwd",
        " spaced",
    ],
)
def test_a_malformed_request_id_is_replaced_not_echoed(client, capsys, hostile):
    capsys.readouterr()
    # Straight into the WSGI environ: the test client would refuse a header with a newline.
    response = client.get("/sign-in", environ_overrides={"HTTP_X_REQUEST_ID": hostile})
    request_id = response.headers["X-Request-ID"]
    assert request_id != hostile
    assert len(request_id) <= 40
    err = capsys.readouterr().err
    assert hostile not in err
    assert hostile not in response.get_data(as_text=True)
    [line] = request_lines(err)
    assert line["request_id"] == request_id


def test_error_pages_show_the_logged_request_id(client, capsys):
    capsys.readouterr()
    response = client.get("/no-such-page")
    [line] = request_lines(capsys.readouterr().err)
    assert f'data-testid="request-id">{line["request_id"]}<' in response.get_data(as_text=True)


def test_a_job_runs_under_the_request_id_that_started_it(app):
    assert current_request_id() == ""
    with request_id_bound("req-123"):
        assert current_request_id() == "req-123"
    with request_id_bound("bad\nid"):
        assert current_request_id() == ""
    assert current_request_id() == ""
