"""S22: API tokens are hashed, shown once, scoped, expiring, revocable and rate-limited; the
session cookie never authenticates the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.api import services
from portal.extensions import db
from portal.models import ApiToken, Dealer, DealerStatus, Role, TokenKind, User
from portal.models.base import utcnow
from tests.api.conftest import bearer, make_token
from tests.support.factories import make_dealer, make_region, make_store, make_user


def _token_of(secret: str) -> ApiToken:
    return db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(secret.encode()).hexdigest())
    )


def test_a_personal_token_is_shown_once_and_stored_only_as_its_hash(app, client, auth):
    user = make_user(Role.SUPERVISOR)
    auth.sign_in(user)

    made = client.post(
        "/account/api-tokens", data={"name": "BI export", "days": "30", "access": "read"}
    )

    assert made.status_code == 200
    page = made.get_data(as_text=True)
    secret = page.split('data-testid="new-token"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith("dnp_")
    assert len(secret) > 40
    stored = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr([getattr(stored, c.key) for c in ApiToken.__table__.columns])
    assert stored.read_only
    assert stored.kind == TokenKind.PERSONAL
    assert stored.expires_at - utcnow() > timedelta(days=29)
    # The list shows its name and hint, never the secret again.
    listed = client.get("/account/api-tokens").get_data(as_text=True)
    assert "BI export" in listed
    assert stored.hint in listed
    assert secret not in listed
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_the_token_acts_as_its_user(app, client):
    user = make_user(Role.DEALER)
    secret = make_token(user, read_only=True, name="POS")

    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()

    assert me["user_id"] == user.id
    assert me["dealer_id"] == user.dealer_id
    assert me["role"] == "dealer"
    assert me["read_only"] is True
    assert me["token_name"] == "POS"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer dnp_" + "x" * 43],
)
def test_requests_without_a_valid_token_get_401_problem(client, header):
    headers = {"Authorization": header} if header else {}

    response = client.get("/api/v1/dealers", headers=headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


def test_an_expired_token_stops_working(app, client):
    secret = make_token(make_user(Role.ADMIN))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    _token_of(secret).expires_at = utcnow() - timedelta(seconds=1)

    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_revoked_token_stops_working_and_only_its_owner_may_revoke_it(app, client, auth):
    owner = make_user(Role.SUPERVISOR)
    secret = make_token(owner)
    token = _token_of(secret)
    auth.sign_in(make_user(Role.SUPERVISOR))  # someone else

    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    auth.sign_out()
    auth.sign_in(owner)
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302

    assert _token_of(secret).revoked_at is not None
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_deactivated_user_or_terminated_dealer_ends_the_tokens(app, client):
    dealer = make_dealer()
    user = make_user(Role.DEALER, dealer=dealer)
    secret = make_token(user)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    db.session.get(Dealer, dealer.id).status = DealerStatus.TERMINATED
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401

    db.session.get(Dealer, dealer.id).status = DealerStatus.ACTIVE
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    db.session.get(User, user.id).active = False
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_signed_in_browser_session_does_not_authenticate_the_api(app, client, auth):
    admin = make_user(Role.ADMIN)
    auth.sign_in(admin)
    assert client.get("/home").status_code == 200  # the session works for pages

    read = client.get("/api/v1/dealers")
    write = client.post("/api/v1/actuals", json={"rows": []})

    assert read.status_code == 401
    assert write.status_code == 401


def test_last_use_is_recorded(app, client):
    secret = make_token(make_user(Role.ADMIN))
    assert _token_of(secret).last_used_at is None

    client.get("/api/v1/me", headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.1.2.3"})

    token = _token_of(secret)
    assert token.last_used_at is not None
    assert token.last_used_ip == "10.1.2.3"


def test_admins_make_service_tokens_bound_to_a_dealer_or_regions(app, client, auth):
    north = make_region()
    dealer = make_dealer(north)
    make_dealer(make_region())  # another region's dealer
    auth.sign_in(make_user(Role.ADMIN))

    made = client.post(
        "/admin/api-tokens",
        data={
            "name": "North BI",
            "role": "supervisor",
            "region_ids": [str(north.id)],
            "days": "90",
            "access": "read",
            "dealer_id": "0",
        },
    )

    assert made.status_code == 200
    secret = made.get_data(as_text=True).split('data-testid="new-token"')[0]
    secret = secret.rsplit('value="', 1)[1].split('"')[0]
    token = _token_of(secret)
    assert token.kind == TokenKind.SERVICE
    assert token.read_only
    account = token.user
    assert account.role == Role.SUPERVISOR
    assert [r.id for r in account.regions] == [north.id]
    seen = client.get("/api/v1/dealers", headers=bearer(secret)).get_json()["items"]
    assert [row["id"] for row in seen] == [dealer.id]
    refused = client.post(
        "/admin/api-tokens",
        data={"name": "x", "role": "dealer", "days": "90", "access": "read", "dealer_id": "0"},
    )
    assert refused.status_code == 422
    assert "new-token" not in refused.get_data(as_text=True)
    # A service account never signs in to the pages.
    auth.sign_out()
    assert auth.sign_in(account.email, services.NO_PASSWORD).status_code != 302


def test_non_admins_cannot_reach_service_tokens(app, client, auth):
    auth.sign_in(make_user(Role.SUPERVISOR))

    assert client.get("/admin/api-tokens").status_code == 403


def test_the_command_line_prints_a_new_token(app):
    user = make_user(Role.DEALER, email="pos@example.test")
    db.session.commit()

    result = app.test_cli_runner().invoke(
        args=["api-token", "pos@example.test", "--name", "POS", "--read-only"]
    )

    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    token = _token_of(secret)
    assert token.user_id == user.id
    assert token.read_only
    assert token.name == "POS"


@pytest.mark.parametrize("days", ["0", "367", "-5"])
def test_every_token_expires_within_the_allowed_days(app, client, auth, days):
    app.config["API_TOKEN_MAX_DAYS"] = 366
    user = make_user(Role.SUPERVISOR, email="bi@example.test")
    auth.sign_in(user)

    refused = client.post(
        "/account/api-tokens", data={"name": "BI", "days": days, "access": "read"}
    )
    by_command = app.test_cli_runner().invoke(
        args=["api-token", "bi@example.test", "--name", "BI", "--days", days]
    )

    assert refused.status_code == 422
    assert "new-token" not in refused.get_data(as_text=True)
    assert by_command.exit_code != 0
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_dealer_service_token_sees_its_dealer_only_until_an_admin_revokes_it(app, client, auth):
    region = make_region()
    dealer, other = make_dealer(region), make_dealer(region)
    mine, theirs = make_store(dealer), make_store(other)
    auth.sign_in(make_user(Role.ADMIN))
    made = client.post(
        "/admin/api-tokens",
        data={
            "name": "POS",
            "role": "dealer",
            "dealer_id": str(dealer.id),
            "days": "30",
            "access": "write",
        },
    )
    assert made.status_code == 200
    secret = made.get_data(as_text=True).split('data-testid="new-token"')[0]
    secret = secret.rsplit('value="', 1)[1].split('"')[0]
    token = _token_of(secret)
    assert not token.read_only
    assert (token.user.role, token.user.dealer_id) == (Role.DEALER, dealer.id)

    stores = client.get("/api/v1/stores", headers=bearer(secret)).get_json()["items"]
    assert [row["id"] for row in stores] == [mine.id]
    assert client.get(f"/api/v1/stores/{mine.id}", headers=bearer(secret)).status_code == 200
    hidden = client.get(f"/api/v1/stores/{theirs.id}", headers=bearer(secret))
    missing = client.get("/api/v1/stores/999999", headers=bearer(secret))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["detail"] == missing.get_json()["detail"]

    assert client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    db.session.expire_all()
    assert _token_of(secret).revoked_at is not None
    assert not _token_of(secret).user.active
