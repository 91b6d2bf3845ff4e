"""R10: /healthz and /readyz answer quickly with JSON and reveal nothing about the system."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal import create_app
from tests.conftest import PortalClient
from tests.support import databases
from tests.support.live import free_port

REVEALING = ("version", "flask", "werkzeug", "python", "sqlite", "postgres", "sqlalchemy", "/")


def _assert_quiet(response) -> None:
    body = response.get_data(as_text=True).lower()
    for word in REVEALING:
        assert word not in body, f"{word!r} in {body!r}"
    assert "Set-Cookie" not in response.headers
    assert "Server" not in response.headers or "/" not in response.headers["Server"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_ok_json_to_anyone(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}
    _assert_quiet(response)


def _unreachable_database(tmp_path: Path) -> str:
    if databases.is_postgres():
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    return f"sqlite:///{tmp_path}/missing/directory/portal.sqlite3"


def test_readyz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(databases.test_config(_unreachable_database(tmp_path), tmp_path))
    app.test_client_class = PortalClient
    client = app.test_client()

    ready = client.get("/readyz")
    alive = client.get("/healthz")

    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable"}
    _assert_quiet(ready)
    assert alive.status_code == 200  # the process itself is fine
