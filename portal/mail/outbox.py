"""The outgoing-mail table as a pipeline: add, route by the recipient's choice, bundle, claim.

    new ─route─▶ held ─fold─▶ pending ─claim─▶ sending ─▶ sent | pending (retry) | failed
      │            └────────▶ bundled (inside one digest mail, itself pending)
      └─▶ cancelled (turned off)                              account mails: new ─▶ pending

Everything here flushes or runs conditional statements; callers commit. Adding a mail marks
the session so that, once it commits, a worker is woken to deliver (portal/mail/queue.py).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.mail import kinds
from portal.mail.choices import effective_mode, next_digest_time, preferences_of
from portal.models import MailMode, MailState, OutgoingMail, User
from portal.models.base import utcnow

WAKE = "portal.mail.wake"  # session.info: mail was added, wake a worker after the commit
SMTP, OUTBOX, OFF = "smtp", "outbox", "off"
ROUTE_CHUNK = 5000


def mode() -> str:
    """`smtp` with a server configured (any mode), `outbox` in the demo without one, else
    `off`: production never uses the outbox, and nothing is mailed."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SMTP
    return OUTBOX if config.get("DEMO") else OFF


def enabled() -> bool:
    return mode() != OFF


def _insert() -> Any:
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


def add(
    user: User | int,
    kind: str,
    *,
    key: str | None = None,
    link: str = "",
    params: dict[str, Any] | None = None,
    state: MailState = MailState.NEW,
) -> OutgoingMail | None:
    """One mail for one user (nothing when mail is off, or the key was used). Flushes."""
    if not enabled():
        return None
    user_id = user if isinstance(user, int) else user.id
    row = {
        "user_id": user_id,
        "kind": kind,
        "topic": kinds.kind_of(kind).topic,
        "key": key,
        "link": link[:300],
        "params": dict(params or {}),
        "state": state,
        "attempts": 0,
        "error": "",
        "to_address": "",
        "subject": "",
        "created_at": utcnow(),
        "next_try_at": utcnow() if state == MailState.PENDING else None,
    }
    statement = _insert()(OutgoingMail.__table__).values(row)
    if key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["key"])
    result = db.session.execute(statement.returning(OutgoingMail.__table__.c.id))
    new_id = result.scalar()
    if new_id is None:
        return None
    db.session.info[WAKE] = True
    return db.session.get(OutgoingMail, new_id)


def add_to(
    address: str,
    kind: str,
    *,
    key: str,
    link: str = "",
    params: dict[str, Any] | None = None,
) -> OutgoingMail | None:
    """One mail to a mailbox that is no user's, for a kind registered `to_mailboxes`: no
    choices apply, it is due at once (once per key). Flushes."""
    if not kinds.kind_of(kind).to_mailboxes:
        raise ValueError(f"mail kind {kind} never goes to a mailbox")
    if not enabled() or not address.strip():
        return None
    now = utcnow()
    row = {
        "user_id": None,
        "kind": kind,
        "topic": kinds.kind_of(kind).topic,
        "key": key,
        "link": link[:300],
        "params": dict(params or {}),
        "state": MailState.PENDING,
        "attempts": 0,
        "error": "",
        "to_address": address.strip()[:254],
        "subject": "",
        "created_at": now,
        "next_try_at": now,
    }
    statement = (
        _insert()(OutgoingMail.__table__).values(row).on_conflict_do_nothing(index_elements=["key"])
    )
    new_id = db.session.execute(statement.returning(OutgoingMail.__table__.c.id)).scalar()
    if new_id is None:
        return None
    db.session.info[WAKE] = True
    return db.session.get(OutgoingMail, new_id)


def add_many(rows: Sequence[dict[str, Any]]) -> int:
    """Many keyed mails at once (reminders); a key already used is skipped. Returns how many
    rows were offered. Runs statements; the caller commits."""
    if not rows or not enabled():
        return 0
    now = utcnow()
    values = [
        {
            "user_id": row["user_id"],
            "kind": row["kind"],
            "topic": kinds.kind_of(row["kind"]).topic,
            "key": row["key"],
            "link": row.get("link", "")[:300],
            "params": row.get("params", {}),
            "state": MailState.NEW.value,
            "attempts": 0,
            "error": "",
            "to_address": "",
            "subject": "",
            "created_at": now,
        }
        for row in rows
    ]
    statement = _insert()(OutgoingMail.__table__).on_conflict_do_nothing(index_elements=["key"])
    for start in range(0, len(values), 1000):
        db.session.execute(statement, values[start : start + 1000])
    db.session.info[WAKE] = True
    return len(values)


# Routing and bundling


def route(now: datetime | None = None) -> int:
    """Send new mails their way by the recipient's choice of their topic. Returns how many.

    Account mails go out at once on their own; the rest wait (held) until now, for choosers of
    "right away", or until the next digest, so that `fold` bundles what comes together."""
    now = now or utcnow()
    rows = db.session.execute(
        select(OutgoingMail.id, OutgoingMail.user_id, OutgoingMail.topic)
        .where(OutgoingMail.state == MailState.NEW)
        .order_by(OutgoingMail.id)
        .limit(ROUTE_CHUNK)
    ).all()
    if not rows:
        return 0
    chosen = preferences_of(row.user_id for row in rows)
    groups: dict[tuple[MailState, datetime | None], list[int]] = defaultdict(list)
    digest_at = next_digest_time(now)
    for row in rows:
        mode_ = effective_mode(row.topic, chosen.get((row.user_id, row.topic)))
        if row.topic == kinds.ACCOUNT:
            groups[(MailState.PENDING, None)].append(row.id)
        elif mode_ == MailMode.OFF:
            groups[(MailState.CANCELLED, None)].append(row.id)
        elif mode_ == MailMode.DIGEST:
            groups[(MailState.HELD, digest_at)].append(row.id)
        else:
            groups[(MailState.HELD, now)].append(row.id)
    for (state, release_at), ids in groups.items():
        values: dict[str, Any] = {"state": state, "release_at": release_at}
        if state == MailState.PENDING:
            values["next_try_at"] = now
        if state == MailState.CANCELLED:
            values["error"] = "turned off"
        for start in range(0, len(ids), 1000):
            db.session.execute(
                update(OutgoingMail)
                .where(
                    OutgoingMail.id.in_(ids[start : start + 1000]),
                    OutgoingMail.state == MailState.NEW,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return len(rows)


def fold(now: datetime | None = None) -> int:
    """Release held mails whose time came: one per user goes alone, several go as one digest.
    Returns how many mails (singles and digests) became pending."""
    now = now or utcnow()
    rows = db.session.execute(
        select(OutgoingMail.id, OutgoingMail.user_id)
        .where(OutgoingMail.state == MailState.HELD, OutgoingMail.release_at <= now)
        .order_by(OutgoingMail.user_id, OutgoingMail.id)
    ).all()
    by_user: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row.id)
    singles = [ids[0] for ids in by_user.values() if len(ids) == 1]
    for start in range(0, len(singles), 1000):
        db.session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.id.in_(singles[start : start + 1000]),
                OutgoingMail.state == MailState.HELD,
            )
            .values(state=MailState.PENDING, next_try_at=now)
            .execution_options(synchronize_session=False)
        )
    bundles = {user_id: ids for user_id, ids in by_user.items() if len(ids) > 1}
    _bundle(bundles, now)
    return len(singles) + len(bundles)


def _bundle(bundles: dict[int, list[int]], now: datetime) -> None:
    """One digest mail per user, keyed by its first item: two workers folding at once make
    one digest; items the other worker took are left out by the state condition."""
    if not bundles:
        return
    keys = {user_id: f"digest:{user_id}:{ids[0]}" for user_id, ids in bundles.items()}
    values = [
        {
            "user_id": user_id,
            "kind": "digest",
            "topic": kinds.DIGEST,
            "key": keys[user_id],
            "link": "/home",
            "params": {"items": len(ids)},
            "state": MailState.PENDING.value,
            "next_try_at": now,
            "attempts": 0,
            "error": "",
            "to_address": "",
            "subject": "",
            "created_at": now,
        }
        for user_id, ids in bundles.items()
    ]
    table = OutgoingMail.__table__
    statement = (
        _insert()(table)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key, table.c.id)
    )
    found: dict[str, int] = {}
    for start in range(0, len(values), 1000):
        found |= dict(db.session.execute(statement, values[start : start + 1000]).all())
    for user_id, ids in bundles.items():
        digest_id = found.get(keys[user_id])
        if digest_id is None:
            continue  # another worker made this digest a moment ago
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id.in_(ids), OutgoingMail.state == MailState.HELD)
            .values(state=MailState.BUNDLED, digest_id=digest_id)
            .execution_options(synchronize_session=False)
        )


def bundled_in(digest: OutgoingMail) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            select(OutgoingMail)
            .where(OutgoingMail.digest_id == digest.id)
            .order_by(OutgoingMail.id)
        )
    )


# Delivery bookkeeping


def _due(now: datetime) -> Any:
    return or_(
        and_(OutgoingMail.state == MailState.PENDING, OutgoingMail.next_try_at <= now),
        and_(OutgoingMail.state == MailState.SENDING, OutgoingMail.lease_until < now),
    )


def claim(limit: int, now: datetime | None = None) -> list[OutgoingMail]:
    """Take up to `limit` due mails for this worker (a conditional UPDATE: no mail is taken
    twice). A mail whose worker died mid-send is due again once its lease ran out. Commits."""
    now = now or utcnow()
    candidates = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(_due(now))
            .order_by(OutgoingMail.next_try_at, OutgoingMail.id)
            .limit(limit)
        )
    )
    if not candidates:
        db.session.commit()
        return []
    token = secrets.token_hex(16)
    lease = timedelta(seconds=int(current_app.config["MAIL_LEASE_SECONDS"]))
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id.in_(candidates), _due(now))
        .values(
            state=MailState.SENDING,
            claim=token,
            lease_until=now + lease,
            attempts=OutgoingMail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.claim == token).order_by(OutgoingMail.id)
        )
    )


def retry_delay(attempts: int) -> float:
    config = current_app.config
    first = float(config["MAIL_RETRY_DELAY_SECONDS"])
    return min(
        first * 2 ** max(0, min(attempts - 1, 30)), float(config["MAIL_RETRY_MAX_DELAY_SECONDS"])
    )


SECRET_PARAMS = ("seed",)  # what only the mail itself may carry: dropped once it went


def _forget_secrets(mail: OutgoingMail) -> None:
    if any(name in mail.params for name in SECRET_PARAMS):
        mail.params = {k: v for k, v in mail.params.items() if k not in SECRET_PARAMS}


def mark_sent(mail: OutgoingMail, *, to_address: str, subject: str) -> None:
    mail.state, mail.sent_at = MailState.SENT, utcnow()
    mail.to_address, mail.subject = to_address[:254], subject[:300]
    mail.error, mail.claim, mail.lease_until = "", None, None
    _forget_secrets(mail)


def mark_cancelled(mail: OutgoingMail, reason: str) -> None:
    mail.state, mail.error, mail.claim, mail.lease_until = MailState.CANCELLED, reason, None, None
    _forget_secrets(mail)


def mark_failed(mail: OutgoingMail, error: str, *, final: bool) -> float | None:
    """Record a failed try: failed for good, or pending again after the backoff delay (which
    is returned)."""
    mail.error, mail.claim, mail.lease_until = error[:500], None, None
    if final or mail.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        mail.state = MailState.FAILED
        _forget_secrets(mail)
        return None
    delay = retry_delay(mail.attempts)
    mail.state, mail.next_try_at = MailState.PENDING, utcnow() + timedelta(seconds=delay)
    return delay


def retry_now(mail: OutgoingMail) -> bool:
    """An admin sends a failed mail again (with a fresh count of tries). Flushes."""
    if mail.state != MailState.FAILED:
        return False
    mail.state, mail.attempts, mail.next_try_at, mail.error = MailState.PENDING, 0, utcnow(), ""
    db.session.info[WAKE] = True
    db.session.flush()
    return True
