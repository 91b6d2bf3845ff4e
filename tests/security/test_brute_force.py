"""S9: failed sign-ins are throttled per account and per address, in the database shared by
every worker; unknown, wrong and inactive accounts all get the same answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import ActivityEntry, Role, SignInFailure
from tests.conftest import PortalClient
from tests.support import databases
from tests.support.factories import PASSWORD, make_user
from tests.support.pages import without_tokens

PER_ACCOUNT = 5
PER_ADDRESS = 8
THROTTLED_MESSAGE = b"Too many failed sign-ins."


@pytest.fixture
def app_config():
    return {
        "SIGNIN_MAX_FAILURES_PER_ACCOUNT": PER_ACCOUNT,
        "SIGNIN_MAX_FAILURES_PER_ADDRESS": PER_ADDRESS,
    }


def _attempt(client, email: str, password: str, address: str = "198.51.100.7"):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _worker(app, tmp_path, name: str):
    """Another app instance on the same database: a second gunicorn worker."""
    config = databases.test_config(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / name,
        SIGNIN_MAX_FAILURES_PER_ACCOUNT=PER_ACCOUNT,
        SIGNIN_MAX_FAILURES_PER_ADDRESS=PER_ADDRESS,
    )
    worker = create_app(config)
    worker.test_client_class = PortalClient
    return worker


def test_an_account_is_throttled_after_repeated_failures(client):
    user = make_user(Role.DEALER)
    for number in range(PER_ACCOUNT):
        address = f"203.0.113.{number}"  # a different address each time: only the account counts
        assert _attempt(client, user.email, "wrong-password", address).status_code == 200

    response = _attempt(client, user.email, PASSWORD, "203.0.113.99")

    assert response.status_code == 429
    assert THROTTLED_MESSAGE in response.data
    assert client.get("/home").status_code == 302  # the right password did not sign in


def test_an_address_is_throttled_across_accounts(client):
    user = make_user(Role.DEALER)
    for number in range(PER_ADDRESS):
        _attempt(client, f"nobody{number}@example.test", "guess")

    response = _attempt(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert _attempt(client, user.email, PASSWORD, "198.51.100.8").status_code == 302


def test_throttling_holds_across_workers_sharing_the_database(app, client, tmp_path):
    user = make_user(Role.DEALER)
    workers = [_worker(app, tmp_path, f"worker{n}").test_client() for n in range(2)]
    clients = [client, *workers]
    for number in range(PER_ACCOUNT):
        worker = clients[number % len(clients)]
        assert _attempt(worker, user.email, "wrong", f"192.0.2.{number}").status_code == 200

    answers = [_attempt(c, user.email, PASSWORD, "192.0.2.200").status_code for c in clients]

    assert answers == [429, 429, 429]


def test_success_clears_the_account_counter(client):
    user = make_user(Role.DEALER)
    for _ in range(PER_ACCOUNT - 1):
        _attempt(client, user.email, "wrong", "192.0.2.1")
    assert _attempt(client, user.email, PASSWORD, "192.0.2.1").status_code == 302
    client.post("/sign-out")

    for _ in range(PER_ACCOUNT - 1):
        _attempt(client, user.email, "wrong", "192.0.2.2")

    assert _attempt(client, user.email, PASSWORD, "192.0.2.3").status_code == 302


def test_throttled_attempts_are_logged_and_not_counted_as_new_failures(client):
    user = make_user(Role.DEALER)
    for _ in range(PER_ACCOUNT):
        _attempt(client, user.email, "wrong")
    failures = len(db.session.scalars(select(SignInFailure)).all())

    _attempt(client, user.email, "wrong")

    assert len(db.session.scalars(select(SignInFailure)).all()) == failures
    outcomes = db.session.scalars(
        select(ActivityEntry.outcome).where(ActivityEntry.action == "auth.sign_in")
    ).all()
    assert outcomes == ["failure"] * PER_ACCOUNT + ["throttled"]


def _normalised(response, email: str) -> tuple[int, str]:
    """The answer with the email and the CSRF token (signed with a timestamp) blanked."""
    body = response.get_data(as_text=True).replace(email, "<email>")
    return response.status_code, without_tokens(body)


def test_unknown_wrong_and_inactive_accounts_get_the_same_answer(client):
    known = make_user(Role.DEALER, email="known@example.test")
    make_user(Role.DEALER, email="inactive@example.test", active=False)

    unknown = _normalised(_attempt(client, "ghost@example.test", "whatever"), "ghost@example.test")
    wrong = _normalised(_attempt(client, known.email, "whatever"), known.email)
    inactive = _normalised(
        _attempt(client, "inactive@example.test", PASSWORD), "inactive@example.test"
    )

    assert unknown == wrong == inactive
    assert unknown[0] == 200
    assert "Invalid email or password." in unknown[1]


def test_throttled_answer_is_the_same_for_unknown_and_known_accounts(client):
    known = make_user(Role.DEALER, email="known@example.test")
    for email in (known.email, "ghost@example.test"):
        for number in range(PER_ACCOUNT):
            _attempt(client, email, "wrong", f"192.0.2.{number}")

    first = _normalised(_attempt(client, known.email, PASSWORD, "192.0.2.51"), known.email)
    second = _normalised(
        _attempt(client, "ghost@example.test", PASSWORD, "192.0.2.51"), "ghost@example.test"
    )

    assert first == second
    assert first[0] == 429
