"""`Idempotency-Key`: a write sent again with the same key and body gets the first answer
again and changes nothing; the same key with another body is refused (422).

The record is claimed (inserted) before the write runs, inside the write's transaction. A
concurrent request with the same key blocks on the unique index (PostgreSQL) or the write
lock (SQLite) until the first commits, then finds the stored answer. A write that fails
rolls its claim back with everything else, so the key may be used again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from flask import Response, current_app, json, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.api.problems import ApiProblem, field_error
from portal.extensions import db
from portal.models import IdempotencyRecord, User
from portal.models.base import utcnow

HEADER = "Idempotency-Key"
KEY_MAX = 200
REPLAYED = "Idempotent-Replayed"
# The header as an OpenAPI parameter, for the endpoints that honour it.
KEY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": KEY_MAX},
    "description": "Retrying with the same key and body answers the same, changing nothing",
}


def _request_digest() -> str:
    return hashlib.sha256(
        request.method.encode() + b" " + request.path.encode() + b"\n" + request.get_data()
    ).hexdigest()


def _find(user: User, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_sha256 != digest:
        message = _l("This Idempotency-Key was used for another request.")
        raise ApiProblem(422, message, errors=[field_error(HEADER, message, location="header")])
    if not record.status:  # claimed by a request that has not finished (cannot be seen here)
        raise ApiProblem(409, _l("A request with this Idempotency-Key is still running."))
    response = current_app.response_class(
        json.dumps(record.response), status=record.status, mimetype="application/json"
    )
    response.headers[REPLAYED] = "true"
    return response


def run_once(user: User, write: Callable[[], tuple[dict, int]]) -> Response:
    """Run `write` (returns a JSON body and a status; flushes, never commits) at most once per
    key; commit. Without the header, just run it and commit."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        body, status = write()
        db.session.commit()
        return current_app.response_class(
            json.dumps(body), status=status, mimetype="application/json"
        )
    if len(key) > KEY_MAX:
        message = _l("Keep the Idempotency-Key under %(max)d characters.", max=KEY_MAX)
        raise ApiProblem(422, message, errors=[field_error(HEADER, message, location="header")])
    digest = _request_digest()
    _forget_old(user)
    record = _find(user, key)
    if record is not None:
        return _replay(record, digest)
    record = IdempotencyRecord(
        user_id=user.id,
        key=key,
        method=request.method,
        path=request.path[:300],
        request_sha256=digest,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        db.session.rollback()  # another request with this key committed first
        found = _find(user, key)
        if found is None:
            raise
        return _replay(found, digest)
    body, status = write()
    record.status, record.response = status, body
    db.session.commit()
    return current_app.response_class(json.dumps(body), status=status, mimetype="application/json")


def _forget_old(user: User) -> None:
    hours = int(current_app.config["API_IDEMPOTENCY_HOURS"])
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user.id,
            IdempotencyRecord.created_at < utcnow() - timedelta(hours=hours),
        )
    )
