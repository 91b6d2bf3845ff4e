"""S10: argon2id hashes with OWASP parameters, no plaintext anywhere, no default accounts."""

from __future__ import annotations

import html
import logging
import re
import stat

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import func, select

from portal import create_app
from portal.auth import passwords, strength
from portal.config import ConfigError, Defaults
from portal.demo.server import prepare
from portal.extensions import db
from portal.models import Role, User
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_user
from tests.support.snapshots import snapshot

HASH_FORMAT = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def _parameters(password_hash: str) -> tuple[int, int, int]:
    match = HASH_FORMAT.match(password_hash)
    assert match, f"not an argon2id hash: {password_hash[:20]}…"
    memory, time_cost, parallelism = (int(group) for group in match.groups())
    return memory, time_cost, parallelism


def _assert_strong(password_hash: str) -> None:
    memory, time_cost, parallelism = _parameters(password_hash)
    assert memory >= 19456  # KiB: 19 MiB
    assert time_cost >= 2
    assert parallelism >= 1


@pytest.fixture
def app_config() -> dict:
    """The production argon2 parameters (the other suites sign in with cheap ones)."""
    return {
        name: getattr(Defaults, name)
        for name in ("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST", "ARGON2_PARALLELISM")
    }


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_passwords_set_through_the_portal_are_argon2id_with_owasp_parameters(app, client, auth):
    auth.sign_in(make_user(Role.ADMIN))
    client.post(
        "/admin/users/new",
        data={
            "email": "new.user@example.com",
            "name": "New User",
            "role": "admin",
            "locale": "en",
            "password": "first-temporary-pass",
        },
    )
    _assert_strong(_user("new.user@example.com").password_hash)

    fresh = client_for(app, "new.user@example.com", "first-temporary-pass")
    fresh.post(
        "/account/password",
        data={
            "current_password": "first-temporary-pass",
            "new_password": "my-chosen-passphrase",
            "confirm_password": "my-chosen-passphrase",
        },
    )
    _assert_strong(_user("new.user@example.com").password_hash)


def test_cli_create_user_stores_an_argon2id_hash(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "ops@example.com", "--role", "admin"],
        input="an-operator-password\nan-operator-password\n",
    )

    assert result.exit_code == 0, result.output
    assert "an-operator-password" not in result.output
    _assert_strong(_user("ops@example.com").password_hash)


def test_a_weaker_hash_is_upgraded_at_sign_in(client):
    weak = PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1, type=Type.ID)
    user = make_user(Role.DEALER)
    user.password_hash = weak.hash(PASSWORD)
    db.session.commit()

    assert (
        client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )

    db.session.refresh(user)
    _assert_strong(user.password_hash)


def test_no_plaintext_password_reaches_the_database_or_the_logs(app, client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = {
        "created": "created-plain-secret-1",
        "chosen": "chosen-plain-secret-2",
        "mistyped": "mistyped-plain-secret-3",
        "reset": "reset-plain-secret-4",
    }
    auth.sign_in(make_user(Role.ADMIN))
    client.post(
        "/admin/users/new",
        data={
            "email": "person@example.com",
            "name": "Person",
            "role": "admin",
            "locale": "en",
            "password": secrets["created"],
        },
    )
    person = client_for(app, "person@example.com", secrets["created"])
    person.post(
        "/account/password",
        data={
            "current_password": secrets["created"],
            "new_password": secrets["chosen"],
            "confirm_password": secrets["chosen"],
        },
    )
    app.test_client().post(
        "/sign-in", data={"email": "person@example.com", "password": secrets["mistyped"]}
    )
    user_id = _user("person@example.com").id
    client.post(
        f"/admin/users/{user_id}/reset-password",
        data={"password": secrets["reset"], "version": 1},
    )

    everything = repr(snapshot(ignore={}))
    assert "person@example.com" in everything  # the dump is real
    for secret in secrets.values():
        assert secret not in everything
        assert secret not in caplog.text


def test_a_freshly_migrated_database_has_no_accounts(app):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_start_up_outside_demo_mode_creates_no_accounts(app):
    app.config["DEMO"] = False

    assert prepare(app) == []

    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.slow  # seeds the whole demo network
def test_start_up_in_demo_mode_loads_the_demo_accounts(app):
    app.config["DEMO"] = True

    accounts = prepare(app)

    assert ("admin@demo.example", "head-office administrator") in accounts


@pytest.fixture
def bare_environment(monkeypatch):
    for name in ("PORTAL_SECRET_KEY", "PORTAL_DEMO", "PORTAL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("bare_environment")
@pytest.mark.parametrize("secret", [None, ""])
def test_start_up_without_a_secret_key_outside_demo_mode_stops_with_a_clear_message(
    tmp_path, secret
):
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    if secret is not None:
        config["SECRET_KEY"] = secret

    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY is not set"):
        create_app(config)
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.usefixtures("bare_environment")
def test_demo_mode_keeps_one_generated_secret_key_private(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", "DEMO": True}

    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]

    key_file = tmp_path / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


WEAK = {
    "aaaaaaaaaa": "Repeated characters or words like “aaa” or “abcabc” are easy to guess.",
    "0123456789": "Sequences like “abcdef” or “0123456” are easy to guess.",
    "Password12": "This password is too common.",
    "qwertyuiop1": "This password is too common.",
    "Summer2024!!": "This password is too common.",
    "1990-01-01ab": "Dates and years are easy to guess.",
    "portal-demo": "This password is too easy to guess.",
}


def test_guessable_new_passwords_are_refused_with_the_reason(client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)

    for weak, reason in WEAK.items():
        response = client.post(
            "/account/password",
            data={"current_password": PASSWORD, "new_password": weak, "confirm_password": weak},
        )

        assert response.status_code == 200, weak
        assert reason in html.unescape(response.get_data(as_text=True)), weak
        assert _user(user.email).password_hash == user.password_hash, weak


def test_the_admin_and_the_command_line_refuse_guessable_passwords_too(app, client, auth):
    auth.sign_in(make_user(Role.ADMIN))
    form = {"email": "weak@example.com", "name": "Weak", "role": "admin", "locale": "en"}

    page = client.post("/admin/users/new", data={**form, "password": "Password12"})
    result = app.test_cli_runner().invoke(
        args=["create-user", "ops@example.com", "--role", "admin"],
        input="0123456789\n0123456789\n",
    )

    assert "This password is too common." in page.get_data(as_text=True)
    assert result.exit_code != 0
    assert "Sequences like" in result.output
    assert _user("weak@example.com") is None
    assert _user("ops@example.com") is None


def test_the_passwords_of_the_tests_and_setup_paths_are_strong_enough(app):
    for chosen in (PASSWORD, "a-new-secret-phrase", "first-temporary-pass", "temporary-pass-123"):
        passwords.check_new_password(chosen, email="someone@example.com")


def test_the_common_password_list_ships_with_the_package():
    listed = strength.common_passwords()

    assert len(listed) >= 5000
    assert {"password", "123456789", "iloveyou", "qwertyuiop"} <= listed
    assert "auth/common_passwords.txt" in _package_data()
    assert strength.is_common("P@ssword!") is False  # substitutions are zxcvbn's to judge
    assert strength.is_common("!!Password2024") is True


def _package_data() -> list[str]:
    import tomllib
    from pathlib import Path

    project = tomllib.loads(Path(__file__).parents[2].joinpath("pyproject.toml").read_text())
    return project["tool"]["setuptools"]["package-data"]["portal"]
