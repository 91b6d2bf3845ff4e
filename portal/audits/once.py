"""Changes from a phone's offline queue, each applied once (an `Idempotency-Key` per change).

The queue sends every change (an answer, a photo, a start, a completion) with a key made on
the phone. A change sent again with the same key — the connection dropped before its answer
arrived — gets the first answer again and changes nothing; the same key with other content
is refused. The key is claimed inside the change's own transaction, so a change that fails
leaves no key behind and may be sent again. Only accepted changes (2xx) are remembered.

The content is compared field by field (form fields without the CSRF token, and each file's
SHA-256): a resent multipart body has a new boundary and a new token after signing in again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import OfflineChange, User
from portal.models.base import utcnow

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

Write = Callable[[], tuple[dict[str, Any], int]]


class KeyRefused(Exception):
    """The key is malformed or was used for other content: a 422 for the queue."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def change_key() -> str | None:
    """The request's key, or None when it sends none (a form posted without the queue)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return None
    if not _KEY.match(key):
        raise KeyRefused(_("This change carries a malformed key."))
    return key


def _digest() -> str:
    """The change's content, computed once per request (before its photos are decoded)."""
    if "offline_change_digest" not in g:
        g.offline_change_digest = _content_digest()
    return g.offline_change_digest


def _content_digest() -> str:
    sha = hashlib.sha256(request.path.encode())
    for name in sorted(request.form):
        if name == "csrf_token":
            continue
        for value in request.form.getlist(name):
            sha.update(f"\n{name}={value}".encode())
    for name in sorted(request.files):
        for upload in request.files.getlist(name):
            upload.stream.seek(0)
            content = upload.stream.read()
            upload.stream.seek(0)
            sha.update(f"\n{name}:".encode() + hashlib.sha256(content).digest())
    return sha.hexdigest()


def _find(user: User, key: str) -> OfflineChange | None:
    return db.session.scalar(
        select(OfflineChange)
        .where(OfflineChange.user_id == user.id, OfflineChange.key == key)
        .execution_options(populate_existing=True)
    )


def _replay(record: OfflineChange, digest: str) -> Response:
    if record.request_sha256 != digest:
        raise KeyRefused(_("This change's key was already used for another change."))
    if not record.status:  # claimed by a request still running: the queue tries again later
        response = jsonify(ok=False, retry=True, message=_("This change is being saved."))
        response.status_code = 409
        return response
    response = jsonify(record.response)
    response.status_code = record.status
    response.headers[REPLAYED] = "true"
    return response


def replayed(user: User) -> Response | None:
    """The first answer to this request's key, if that change was already accepted."""
    key = change_key()
    if key is None:
        return None
    record = _find(user, key)
    return _replay(record, _digest()) if record is not None else None


def run_once(user: User, write: Write) -> Response:
    """Run `write` (returns a JSON body and a status; flushes, never commits) once per key and
    commit what it did; a refusal (status ≥ 400) rolls back, key included."""
    key = change_key()
    digest = _digest() if key else ""
    record = None
    if key is not None:
        _forget_old(user)
        found = _find(user, key)
        if found is not None:
            return _replay(found, digest)
        record = OfflineChange(user_id=user.id, key=key, path=request.path[:300])
        record.request_sha256 = digest
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:
            db.session.rollback()  # the same change, sent twice at once: the other one won
            found = _find(user, key)
            if found is None:
                raise
            return _replay(found, digest)
    body, status = write()
    if status >= 400:
        db.session.rollback()
    else:
        if record is not None:
            record.status, record.response = status, body
        db.session.commit()
    response = jsonify(body)
    response.status_code = status
    return response


def _forget_old(user: User) -> None:
    days = int(current_app.config["OFFLINE_CHANGE_DAYS"])
    db.session.execute(
        delete(OfflineChange).where(
            OfflineChange.user_id == user.id,
            OfflineChange.created_at < utcnow() - timedelta(days=days),
        )
    )
