"""Failed sign-in throttling per account and per client address, kept in the database (S9)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import SignInFailure
from portal.models.base import utcnow

ACCOUNT = "account"
ADDRESS = "address"


def _failures(scope: str, key: str) -> int:
    since = utcnow() - current_app.config["SIGNIN_WINDOW"]
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(
                SignInFailure.scope == scope, SignInFailure.key == key, SignInFailure.at >= since
            )
        )
        or 0
    )


def is_throttled(email: str, ip_address: str) -> bool:
    config = current_app.config
    return (
        _failures(ACCOUNT, email) >= config["SIGNIN_MAX_FAILURES_PER_ACCOUNT"]
        or _failures(ADDRESS, ip_address) >= config["SIGNIN_MAX_FAILURES_PER_ADDRESS"]
    )


def record_failure(email: str, ip_address: str) -> None:
    cutoff = utcnow() - current_app.config["SIGNIN_WINDOW"]
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < cutoff))
    db.session.add(SignInFailure(scope=ACCOUNT, key=email[:254]))
    db.session.add(SignInFailure(scope=ADDRESS, key=ip_address[:254]))


def clear_account(email: str) -> None:
    db.session.execute(
        delete(SignInFailure).where(SignInFailure.scope == ACCOUNT, SignInFailure.key == email)
    )
