"""Forgotten passwords: a mailed link that sets a new one (check S23).

The link carries a random token; only its SHA-256 is stored. It works once, for
PASSWORD_RESET_MINUTES, while the password is still the one it was issued for (a stamp of
the password hash), and only while it is the newest link the user was sent. Until the mail
has gone, its row holds a seed from which the token is derived with the app's secret key
(an HMAC): the database alone never holds a working link, and the seed is dropped once the
mail went. Requests are throttled per client address and per address asked for, and the
answer never says whether an account exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from portal import activity
from portal.access import may_sign_in
from portal.auth import passwords, sessions, throttle
from portal.auth.services import find_user_by_email, normalise_email
from portal.extensions import db
from portal.mail import outbox
from portal.models import OutgoingMail, PasswordReset, User
from portal.models.base import utcnow

RESET_ADDRESS, RESET_ACCOUNT = "rs_addr", "rs_acct"  # throttling counters' scopes


class ResetThrottled(Exception):
    """Too many reset requests from this client address."""


class LinkInvalid(Exception):
    """The link is unknown, used, expired, superseded or issued for an older password."""


def token_from_seed(seed: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"password-reset:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_stamp(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def request_reset(*, email: str, ip_address: str) -> None:
    """Mail a reset link to `email` if it belongs to an active account; the caller answers the
    same either way. ResetThrottled when this client address asked too often."""
    config = current_app.config
    email = normalise_email(email)
    counts = throttle.count(
        {RESET_ADDRESS: ip_address[:64], RESET_ACCOUNT: email[:254]},
        config["PASSWORD_RESET_WINDOW"],
    )
    if counts[RESET_ADDRESS] > int(config["PASSWORD_RESET_MAX_PER_ADDRESS"]):
        activity.record(
            "auth.request_password_reset", outcome="throttled", details={"email": email}
        )
        raise ResetThrottled
    user = find_user_by_email(email)
    if counts[RESET_ACCOUNT] > int(config["PASSWORD_RESET_MAX_PER_ACCOUNT"]):
        activity.record("auth.request_password_reset", user, outcome="throttled")
        return  # said the same as a mailed link: the account's owner may be the one asking
    if user is None or not user.active or not may_sign_in(user) or not outbox.enabled():
        activity.record("auth.request_password_reset", outcome="failure", details={"email": email})
        return
    seed = secrets.token_urlsafe(32)
    minutes = int(config["PASSWORD_RESET_MINUTES"])
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash(token_from_seed(seed)),
        password_stamp=password_stamp(user),
        expires_at=utcnow() + timedelta(minutes=minutes),
        ip_address=ip_address[:64],
    )
    db.session.add(reset)
    db.session.flush()
    outbox.add(
        user,
        "password_reset",
        key=f"reset:{reset.id}",
        link="/sign-in",
        params={"seed": seed, "minutes": minutes},
    )
    activity.record("auth.request_password_reset", user)


def valid_reset(token: str) -> PasswordReset:
    """The reset a link stands for, if it may still set a password; else LinkInvalid."""
    if not token or len(token) > 100:
        raise LinkInvalid
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise LinkInvalid
    user = reset.user
    newest = db.session.scalar(
        select(PasswordReset.id)
        .where(PasswordReset.user_id == user.id)
        .order_by(PasswordReset.id.desc())
        .limit(1)
    )
    if newest != reset.id or reset.password_stamp != password_stamp(user):
        raise LinkInvalid
    if not user.active or not may_sign_in(user):
        raise LinkInvalid
    return reset


def complete_reset(token: str, *, new_password: str) -> User:
    """Set the new password a valid link asks for (the password rules apply), use the link up,
    end every session of the user. LinkInvalid or passwords.WeakPassword otherwise. Flushes."""
    reset = valid_reset(token)
    user = reset.user
    passwords.check_new_password(new_password, email=user.email)
    used = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:  # another request used it a moment ago
        raise LinkInvalid
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    ended = sessions.end_sessions_of(user, "password_reset")
    activity.record("auth.reset_password", user, actor=user, details={"sessions_ended": ended})
    return user


def refuse(token: str) -> None:
    """Log a link that did not work (who it was for is not known, nor said)."""
    activity.record("auth.reset_password", outcome="failure")


def link_for(mail: OutgoingMail) -> str | None:
    """The reset link a pending mail carries (None once its seed is gone)."""
    seed = mail.params.get("seed")
    if not seed:
        return None
    return f"/password-reset?token={token_from_seed(seed)}"
