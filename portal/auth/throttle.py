"""Failed sign-in throttling, kept in the database shared by every worker (S9, S21).

Three counters follow every attempt, one row each:

- the client address: every failure from it; at its limit the address waits out the window;
- the account at that address: at its limit that address may not try that account again
  until the window has passed. Nobody else is affected, so nobody can lock the owner out;
- the account from anywhere: past a few failures each further one doubles a short wait
  (backoff, never a lock), which addresses the owner has signed in from before skip.

An attempt is counted before its password is checked, with the three rows locked until the
request's transaction ends, and forgiven when it succeeds: concurrent attempts queue on the
rows, so no more passwords are ever checked than the limits allow, on SQLite (whose writes
take the database lock) as on PostgreSQL (row locks, READ COMMITTED).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import SignInCounter
from portal.models.base import utcnow

ACCOUNT = "account"
ADDRESS = "address"
PAIR = "pair"


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may check its password, and if not, for how long to wait."""

    allowed: bool
    retry_after: int = 0  # seconds
    last_chance: bool = False  # no further attempt for this account from this address


def _keys(email: str, address: str) -> dict[str, str]:
    address = address[:64]
    return {ACCOUNT: email[:254], ADDRESS: address, PAIR: f"{address} {email}"[:320]}


def _locked(keys: dict[str, str], now: datetime) -> dict[str, SignInCounter]:
    """The counters of `keys`, created when missing, locked until the transaction ends."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    ordered = sorted(keys.items())  # one lock order for every transaction: no deadlocks
    rows = [{"scope": s, "key": k, "failures": 0, "last_at": now} for s, k in ordered]
    table = SignInCounter.__table__
    db.session.execute(insert(table).values(rows).on_conflict_do_nothing())
    counters = db.session.scalars(
        select(SignInCounter)
        .where(or_(*(and_(SignInCounter.scope == s, SignInCounter.key == k) for s, k in ordered)))
        .order_by(SignInCounter.scope, SignInCounter.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {counter.scope: counter for counter in counters}


def begin_attempt(email: str, address: str, *, known_address: bool) -> Verdict:
    """Count an attempt before its password is checked, or refuse it (not counted)."""
    config = current_app.config
    now = utcnow()
    window = config["SIGNIN_WINDOW"]
    limits = {
        ADDRESS: config["SIGNIN_MAX_FAILURES_PER_ADDRESS"],
        PAIR: config["SIGNIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"],
    }
    counters = _locked(_keys(email, address), now)
    for counter in counters.values():
        if now - counter.last_at > window:  # quiet for a whole window: start again
            counter.failures, counter.blocked_until = 0, None
    ends = [
        counters[s].last_at + window for s, limit in limits.items() if counters[s].failures >= limit
    ]
    account = counters[ACCOUNT]
    if not known_address and account.blocked_until is not None and account.blocked_until > now:
        ends.append(account.blocked_until)
    if ends:
        db.session.flush()
        return Verdict(False, retry_after=max(1, math.ceil((max(ends) - now).total_seconds())))
    for counter in counters.values():
        counter.failures += 1
        counter.last_at = now
    excess = account.failures - config["SIGNIN_BACKOFF_AFTER"]
    if excess >= 0:
        doubled = config["SIGNIN_BACKOFF_FIRST"] * 2 ** min(excess, 30)  # 2**30: beyond any max
        delay = min(doubled, config["SIGNIN_BACKOFF_MAX"])
        account.blocked_until = now + delay
    db.session.flush()
    return Verdict(True, last_chance=counters[PAIR].failures >= limits[PAIR])


def forgive(email: str, address: str) -> None:
    """The attempt begun for `email` from `address` succeeded: clear the account's counters
    and take the attempt back from the address's; drop counters quiet for a window."""
    now = utcnow()
    keys = _keys(email, address)
    counters = _locked(keys, now)
    for scope in (ACCOUNT, PAIR):
        db.session.delete(counters[scope])
    counters[ADDRESS].failures -= 1
    if counters[ADDRESS].failures <= 0:
        db.session.delete(counters[ADDRESS])
    stale = (
        select(SignInCounter.scope, SignInCounter.key)
        .where(
            SignInCounter.scope.in_((ACCOUNT, ADDRESS, PAIR)),  # others keep their own windows
            SignInCounter.last_at < now - current_app.config["SIGNIN_WINDOW"],
        )
        .with_for_update(skip_locked=True)  # rows an attempt holds stay for it
    )
    db.session.flush()
    db.session.execute(
        delete(SignInCounter)
        .where(tuple_(SignInCounter.scope, SignInCounter.key).in_(stale))
        .execution_options(synchronize_session=False)
    )


def count(keys: dict[str, str], window: timedelta) -> dict[str, int]:
    """Count one more request for each (scope, key) and return the counts within `window`
    (a counter quiet for a whole window starts again). Rows stay locked until the
    transaction ends, so concurrent requests are counted one after another."""
    now = utcnow()
    counters = _locked({scope: key[:320] for scope, key in keys.items()}, now)
    for counter in counters.values():
        if now - counter.last_at > window:
            counter.failures = 0
        counter.failures += 1
        counter.last_at = now
    db.session.flush()
    return {scope: counter.failures for scope, counter in counters.items()}
