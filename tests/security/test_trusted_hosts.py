"""Configurable trusted hosts: requests for any other Host header are refused."""

import pytest

from portal import create_app
from tests.support import databases


@pytest.fixture
def app_config():
    return {"TRUSTED_HOSTS": ["portal.example.com", ".dealers.example.com"]}


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("portal.example.com", 200),
        ("eu.dealers.example.com", 200),
        ("evil.example", 400),
        ("portal.example.com.evil.example", 400),
    ],
)
def test_only_trusted_hosts_are_served(client, host, status):
    response = client.get("/sign-in", base_url=f"http://{host}")

    assert response.status_code == status
    if status == 400:
        assert response.headers.get("X-Request-ID")
        assert b"Bad request" in response.data
        assert response.headers["X-Request-ID"].encode() in response.data


def test_trusted_hosts_can_be_given_as_a_comma_separated_setting(tmp_path):
    config = databases.test_config("sqlite://", tmp_path, TRUSTED_HOSTS=" a.example, b.example ")

    assert create_app(config).config["TRUSTED_HOSTS"] == ["a.example", "b.example"]
