"""API tokens: made, listed and revoked here; each function flushes and never commits (S22).

A token's secret is shown once, when it is made; only its SHA-256 is stored (as sessions
keep theirs), with its first characters as a hint. Personal tokens act as the user who made
them. A service token acts as a service account of its own: a user row with the token's
role and its dealer or regions and a password that matches nothing, so the access module
decides what the integration sees exactly as it does for a person.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import activity
from portal.extensions import db
from portal.models import ApiToken, Dealer, Region, Role, TokenKind, User
from portal.models.base import utcnow

SECRET_PREFIX = "dnp_"  # noqa: S105  ("dealer network portal": leaked tokens are easy to scan for)
HINT_LENGTH = 8
NAME_MAX = 120
# A password hash that no password matches (argon2 refuses it as malformed): service
# accounts never sign in to the pages.
NO_PASSWORD = "!service-account"  # noqa: S105
SERVICE_DOMAIN = "service.invalid"  # RFC 2606: never delivered


class TokenError(ValueError):
    """A token the rules refuse; `field` names the form field to show it on."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _check(name: str, days: int, max_days: int) -> str:
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name."), "name")
    if len(name) > NAME_MAX:
        raise TokenError(_l("Keep it under %(max)d characters.", max=NAME_MAX), "name")
    if not 1 <= days <= max_days:
        raise TokenError(_l("Choose between 1 and %(max)d days.", max=max_days), "days")
    return name


def _issue(
    user: User, *, kind: TokenKind, name: str, days: int, read_only: bool, actor: User | None
) -> tuple[ApiToken, str]:
    secret = _new_secret()
    token = ApiToken(
        user=user,
        kind=kind,
        name=name,
        token_hash=digest(secret),
        hint=secret[: len(SECRET_PREFIX) + HINT_LENGTH],
        read_only=read_only,
        created_by_id=actor.id if actor is not None else None,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    details = {"token_id": token.id, "name": name, "read_only": read_only, "days": days}
    action = (
        "api_token.create_service" if kind == TokenKind.SERVICE else "api_token.create_personal"
    )
    activity.record(action, user, details=details, actor=actor)
    return token, secret


def create_personal_token(
    user: User, *, name: str, days: int, read_only: bool, max_days: int
) -> tuple[ApiToken, str]:
    """A token acting as `user`; returns it and its secret (shown once, never stored)."""
    name = _check(name, days, max_days)
    return _issue(
        user, kind=TokenKind.PERSONAL, name=name, days=days, read_only=read_only, actor=user
    )


def create_service_token(
    *,
    name: str,
    role: Role,
    dealer: Dealer | None,
    regions: Sequence[Region],
    days: int,
    read_only: bool,
    actor: User,
    max_days: int,
) -> tuple[ApiToken, str]:
    """A token for an integration, acting as a new service account bound to a role and to
    one dealer (dealer role) or to regions (supervisor role)."""
    name = _check(name, days, max_days)
    if role == Role.DEALER and dealer is None:
        raise TokenError(_l("Choose the dealer this integration works for."), "dealer_id")
    if role == Role.SUPERVISOR and not regions:
        raise TokenError(_l("Choose the regions this integration works for."), "region_ids")
    account = User(
        email=f"api-{secrets.token_hex(6)}@{SERVICE_DOMAIN}",
        name=str(_l("API: %(name)s", name=name))[:120],
        role=role,
        dealer=dealer if role == Role.DEALER else None,
        regions=list(regions) if role == Role.SUPERVISOR else [],
        password_hash=NO_PASSWORD,
    )
    db.session.add(account)
    db.session.flush()
    return _issue(
        account, kind=TokenKind.SERVICE, name=name, days=days, read_only=read_only, actor=actor
    )


def find_token(secret: str) -> ApiToken | None:
    """The token whose secret this is, live or not (the caller checks)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))


def revoke_token(token: ApiToken, *, actor: User) -> bool:
    """Revoke a token now; False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    if token.kind == TokenKind.SERVICE:
        token.user.active = False  # its service account has no other use
    activity.record(
        "api_token.revoke",
        token.user,
        details={"token_id": token.id, "name": token.name},
        actor=actor,
    )
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    """A user's personal tokens, newest first (revoked and expired ones too, marked so)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.kind == TokenKind.PERSONAL)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def service_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.kind == TokenKind.SERVICE)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))
