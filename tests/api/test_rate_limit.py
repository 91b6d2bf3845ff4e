"""S22: each token is rate-limited, with a count every worker and node shares."""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.api.conftest import bearer, make_token
from tests.support.factories import make_user


@pytest.fixture
def app_config():
    return {"API_RATE_LIMIT": 3, "API_RATE_WINDOW_SECONDS": 3600}


def test_each_token_has_its_own_rate_limit_with_retry_after(app, client):
    first = make_token(make_user(Role.ADMIN))
    second = make_token(make_user(Role.ADMIN))

    answers = [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(4)]
    limited = client.get("/api/v1/me", headers=bearer(first))

    assert answers == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_every_worker_counts_against_the_same_limit(app, client, tmp_path, app_config):
    """Two app processes' worth of workers on one database: the count is the database's."""
    from portal import create_app
    from tests.conftest import PortalClient
    from tests.support import databases

    other = create_app(
        databases.test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, **app_config)
    )
    other.test_client_class = PortalClient
    secret = make_token(make_user(Role.ADMIN))

    here = [client.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(2)]
    with other.app_context():
        there = other.test_client().get("/api/v1/me", headers=bearer(secret)).status_code
        over = other.test_client().get("/api/v1/me", headers=bearer(secret))
    again = client.get("/api/v1/me", headers=bearer(secret))

    assert (here, there) == ([200, 200], 200)
    assert over.status_code == again.status_code == 429
