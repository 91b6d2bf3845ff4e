"""Server-side sessions: revocable, with idle and absolute timeouts (check S8)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.access import may_sign_in
from portal.database import SAFE_METHODS, write_intent
from portal.extensions import db
from portal.models import Dealer, User, UserSession
from portal.models.base import utcnow

SESSION_KEY = "sid"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, ip_address: str, user_agent: str) -> str:
    """Create a session row and return the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_digest(token),
            user=user,
            ip_address=ip_address[:64],
            user_agent=user_agent[:300],
        )
    )
    return token


def is_expired(record: UserSession, now: datetime) -> bool:
    config = current_app.config
    return (
        now - record.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - record.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    )


def find_live_session(token: str) -> UserSession | None:
    record = db.session.scalar(_live_session(), {"token_hash": _digest(token)})
    if record is None or is_expired(record, utcnow()):
        return None
    return record


@cache
def _live_session() -> Select[Any]:
    """Every request's first query, built once: the session row with its user, the user's
    dealer (which the access rules and most pages read) and the dealer's region (its name
    and time zone on the dealer's pages) in one round trip."""
    return (
        select(UserSession)
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None))
        .options(joinedload(UserSession.user).joinedload(User.dealer).joinedload(Dealer.region))
    )


def end_session(record: UserSession, reason: str) -> None:
    record.ended_at = utcnow()
    record.end_reason = reason


def end_sessions_of(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of `user` (but `keep`); returns how many were ended."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=utcnow(), end_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount or 0


def signed_in_from(user: User, ip_address: str) -> bool:
    """Whether `user` signed in from this address lately: their usual address."""
    since = utcnow() - current_app.config["SIGNIN_KNOWN_ADDRESS_AGE"]
    return (
        db.session.scalar(
            select(UserSession.id)
            .where(
                UserSession.user_id == user.id,
                UserSession.ip_address == ip_address[:64],
                UserSession.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def live_sessions_of(user: User) -> list[UserSession]:
    now = utcnow()
    records = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    )
    return [record for record in records if not is_expired(record, now)]


def current_session() -> UserSession | None:
    return g.get("user_session")


def load_user_from_session(_request: object) -> User | None:
    """Flask-Login request loader: the cookie's token must match a live session row."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    record = find_live_session(token)
    if record is None or not record.user.active or not may_sign_in(record.user):
        session.pop(SESSION_KEY, None)
        g.session_ended = record is None  # timed out or ended elsewhere, not access removed
        return None
    g.user_session = record
    _touch(record)
    return record.user


def refresh(record: UserSession) -> None:
    """The user asked to stay signed in: the idle timeout starts again now."""
    record.last_seen_at = utcnow()


def seconds_left(record: UserSession) -> int:
    """Seconds until `record` ends by the idle or the absolute timeout, whichever is first."""
    config = current_app.config
    now = utcnow()
    ends = min(
        record.last_seen_at + config["SESSION_IDLE_TIMEOUT"],
        record.created_at + config["SESSION_ABSOLUTE_TIMEOUT"],
    )
    return max(0, int((ends - now).total_seconds()))


def _touch(record: UserSession) -> None:
    """Keep last_seen_at fresh (at most once a minute) for the idle timeout."""
    now = utcnow()
    if now - record.last_seen_at < current_app.config["SESSION_TOUCH_INTERVAL"]:
        return
    if request.method in SAFE_METHODS:
        # A read-only request never commits: write on a connection of our own.
        with write_intent(), db.engine.begin() as connection:
            connection.execute(
                update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now)
            )
        # End the request's read snapshot: on SQLite a deferred transaction begun before that
        # write could not write later (an export's activity entry) and would fail at once.
        db.session.commit()
        set_committed_value(record, "last_seen_at", now)
    else:
        record.last_seen_at = now  # committed with the request's own write
