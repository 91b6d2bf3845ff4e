"""S9, S21: failed sign-ins are throttled per address, per account at an address and, with a
backoff, per account, in the database shared by every worker; nobody can keep the owner out
from their own address; unknown, wrong and inactive accounts all get the same answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal import create_app
from portal.auth import passwords
from portal.extensions import db
from portal.models import ActivityEntry, Role, SignInCounter
from portal.models.base import utcnow
from tests.conftest import PortalClient
from tests.support import databases
from tests.support.factories import PASSWORD, make_user
from tests.support.pages import without_tokens

PER_ACCOUNT = 5
PER_ADDRESS = 8
BACKOFF_FIRST = timedelta(minutes=1)  # far longer than any test takes
THROTTLE = {
    "SIGNIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS": PER_ACCOUNT,
    "SIGNIN_BACKOFF_AFTER": PER_ACCOUNT,
    "SIGNIN_BACKOFF_FIRST": BACKOFF_FIRST,
    "SIGNIN_MAX_FAILURES_PER_ADDRESS": PER_ADDRESS,
}
THROTTLED_MESSAGE = b"Too many failed sign-ins."


@pytest.fixture
def app_config():
    # Forty simultaneous sign-ins queue for SQLite's write lock on a busy machine.
    return {**THROTTLE, "SQLITE_BUSY_TIMEOUT_MS": 120_000}


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
        **THROTTLE,
    )
    worker = create_app(config)
    worker.test_client_class = PortalClient
    return worker


def test_an_account_backs_off_new_addresses_after_repeated_failures(client):
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


def _counters() -> dict[tuple[str, str], int]:
    db.session.expire_all()
    return {(c.scope, c.key): c.failures for c in db.session.scalars(select(SignInCounter))}


def test_throttled_attempts_are_logged_and_not_counted_as_new_failures(client):
    user = make_user(Role.DEALER)
    for _ in range(PER_ACCOUNT):
        _attempt(client, user.email, "wrong")
    failures = _counters()
    assert failures[("pair", f"198.51.100.7 {user.email}")] == PER_ACCOUNT

    _attempt(client, user.email, "wrong")

    assert _counters() == failures
    outcomes = db.session.scalars(
        select(ActivityEntry.outcome)
        .where(ActivityEntry.action == "auth.sign_in")
        .order_by(ActivityEntry.id)  # PostgreSQL returns unordered rows in any order
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


def _sign_in_once(client, user, address: str) -> None:
    """A session from `address`: it becomes one of the owner's usual addresses."""
    assert _attempt(client, user.email, PASSWORD, address).status_code == 302
    client.post("/sign-out")


def _end_backoff(email: str) -> None:
    """Let the account's current backoff run out."""
    db.session.execute(
        update(SignInCounter)
        .where(SignInCounter.scope == "account", SignInCounter.key == email)
        .values(blocked_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_failures_from_another_address_never_keep_the_owner_out_of_their_usual_one(app, client):
    user = make_user(Role.DEALER, email="s02@example.test")
    _sign_in_once(client, user, "192.0.2.10")
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(3 * PER_ACCOUNT):  # the attacker goes on well past every limit
        _attempt(attacker, user.email, "guess", "203.0.113.66")
    for number in range(PER_ACCOUNT):  # and from other addresses too
        _attempt(attacker, user.email, "guess", f"203.0.113.{number}")

    assert _attempt(owner, user.email, PASSWORD, "192.0.2.10").status_code == 302


def test_the_backoff_runs_out_for_the_owner_at_a_new_address_but_not_for_the_attacker(app, client):
    user = make_user(Role.DEALER)
    for _ in range(PER_ACCOUNT):
        _attempt(client, user.email, "guess", "203.0.113.66")
    assert _attempt(client, user.email, PASSWORD, "192.0.2.20").status_code == 429

    _end_backoff(user.email)

    # The attacker's address stays refused for this account: its own limit is reached.
    assert _attempt(client, user.email, PASSWORD, "203.0.113.66").status_code == 429
    assert _attempt(app.test_client(), user.email, PASSWORD, "192.0.2.20").status_code == 302


def test_the_backoff_doubles_with_each_further_failure(client):
    user = make_user(Role.DEALER)
    for number in range(PER_ACCOUNT):
        _attempt(client, user.email, "guess", f"203.0.113.{number}")
    waits = []
    for number in range(3):
        waits.append(_attempt(client, user.email, "guess", "198.51.100.1").headers["Retry-After"])
        _end_backoff(user.email)
        assert _attempt(client, user.email, "guess", f"198.51.100.{10 + number}").status_code == 200

    first = int(BACKOFF_FIRST.total_seconds())
    assert [int(wait) for wait in waits] == [first, 2 * first, 4 * first]


def test_one_address_cannot_keep_accounts_locked(app, client):
    users = [make_user(Role.DEALER) for _ in range(2)]
    for user in users:
        for _ in range(PER_ACCOUNT):
            _attempt(client, user.email, "guess", "203.0.113.66")

    for user in users:
        _end_backoff(user.email)
        # the address goes on trying: refused, and not counted against the accounts
        assert _attempt(client, user.email, "guess", "203.0.113.66").status_code == 429
        assert _attempt(app.test_client(), user.email, PASSWORD, "192.0.2.30").status_code == 302


@pytest.mark.parametrize("addresses", [1, 40], ids=["one-address", "forty-addresses"])
def test_simultaneous_wrong_sign_ins_check_no_more_passwords_than_the_limit(
    app, monkeypatch, addresses
):
    """Forty requests at once, each in its own thread, session and connection."""
    email = make_user(Role.DEALER).email
    db.session.commit()  # and hold no transaction (no lock) while the requests run
    checked: list[str] = []
    lock = threading.Lock()
    verify = passwords.verify_password

    def counted(password_hash: str, password: str) -> bool:
        with lock:
            checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counted)
    start = threading.Barrier(40)

    def attempt(number: int) -> int:
        address = f"203.0.113.{number % addresses}"
        with app.app_context():
            client = app.test_client()
            start.wait()
            return _attempt(client, email, "wrong", address).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = sorted(pool.map(attempt, range(40)))

    assert len(checked) == PER_ACCOUNT
    assert answers == [200] * PER_ACCOUNT + [429] * (40 - PER_ACCOUNT)


def test_counters_quiet_for_a_window_are_dropped(client):
    user = make_user(Role.DEALER)
    _attempt(client, "ghost@example.test", "guess", "203.0.113.5")
    db.session.execute(
        update(SignInCounter).values(last_at=utcnow() - timedelta(minutes=16))
    )  # a window (15 minutes) and more ago
    db.session.commit()

    assert _attempt(client, user.email, PASSWORD, "192.0.2.40").status_code == 302

    assert _counters() == {}


def test_the_backoff_stops_growing_at_its_longest(app, client):
    user = make_user(Role.DEALER)
    db.session.add(
        SignInCounter(scope="account", key=user.email, failures=10_000, last_at=utcnow())
    )
    db.session.commit()

    response = _attempt(client, user.email, "guess", "203.0.113.9")

    assert response.status_code == 200
    db.session.expire_all()
    counter = db.session.get(SignInCounter, ("account", user.email))
    assert counter.blocked_until - counter.last_at == app.config["SIGNIN_BACKOFF_MAX"]
