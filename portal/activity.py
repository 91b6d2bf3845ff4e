"""The append-only activity log: who did what to which object, when, and how it went (S18)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select
from werkzeug.local import LocalProxy

from portal.extensions import db
from portal.models import ActivityEntry, User

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
REDACTED_FIELDS = frozenset({"password", "password_hash", "token", "token_hash"})


def object_type_of(obj: Any) -> str:
    """`ProductLine` -> `product_line`: the name an object goes by in the log."""
    if isinstance(obj, LocalProxy):  # `current_user` is logged as the user it stands for
        obj = obj._get_current_object()
    return _CAMEL.sub("_", type(obj).__name__).lower()


def record(
    action: str,
    obj: Any = None,
    *,
    outcome: str = "success",
    details: Mapping[str, Any] | None = None,
    actor: User | None = None,
    label: str | None = None,
) -> ActivityEntry:
    """Add one entry to the session; it is committed with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = ActivityEntry(
        action=action,
        outcome=outcome,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        object_type=object_type_of(obj) if obj is not None else "",
        object_id=getattr(obj, "id", None),
        object_label=(label if label is not None else str(obj) if obj is not None else "")[:300],
        details=_jsonable(dict(details or {})),
    )
    if has_app_context():  # a request's id, or the id of the request that started a job
        entry.request_id = g.get("request_id", "")[:40]
    if has_request_context():
        entry.ip_address = (request.remote_addr or "")[:64]
    db.session.add(entry)
    return entry


def apply_changes(obj: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on `obj`; return {field: [old, new]} for those that changed."""
    changed: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            shown = ["***", "***"] if field in REDACTED_FIELDS else [old, new]
            changed[field] = shown
    return changed


def history_for(obj: Any, limit: int = 100) -> list[ActivityEntry]:
    """The newest entries about one object, for its page."""
    query = (
        select(ActivityEntry)
        .where(ActivityEntry.object_type == object_type_of(obj), ActivityEntry.object_id == obj.id)
        .order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@event.listens_for(ActivityEntry, "before_update")
@event.listens_for(ActivityEntry, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, _target: ActivityEntry) -> None:
    raise PermissionError("the activity log is append-only")
