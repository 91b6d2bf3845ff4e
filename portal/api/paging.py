"""Lists: cursor pagination, sorting and the common filters; ETags of single resources.

A cursor is the sort key and id of the last item sent (keyset pagination), so pages stay
correct while rows are added and cost the same at any depth. It is opaque to clients:
base64url of a small JSON array, checked when read back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import Select, and_, or_, select

from portal import periods
from portal.api.problems import ApiProblem, field_error
from portal.extensions import db
from portal.ids import MAX_ID
from portal.models import Dealer
from portal.models.base import UTCDateTime

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def id_field(**kwargs: Any) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class ListArgs(ma.Schema):
    """Paging arguments every list takes; each list adds its sorts and filters."""

    limit = fields.Integer(
        validate=validate.Range(min=1, max=500),
        metadata={"description": "Items per page (default 100, at most 500)"},
    )
    cursor = fields.String(
        validate=validate.Length(max=500), metadata={"description": "From `next_cursor`"}
    )


def sort_field(choices: Sequence[str], default: str) -> fields.String:
    return fields.String(
        load_default=default,
        validate=validate.OneOf(choices),
        metadata={"description": "Sort key; a leading `-` sorts descending"},
    )


def period_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(PERIOD_PATTERN), metadata={"description": "YYYY-MM"}, **kwargs
    )


def updated_since_field() -> fields.AwareDateTime:
    return fields.AwareDateTime(
        default_timezone=UTC,
        metadata={"description": "Only items changed at or after this time (incremental sync)"},
    )


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(sort: str, value: Any, row_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> ApiProblem:
    message = _l("This cursor is not valid for this list and sort.")
    return ApiProblem(400, message, errors=[field_error("cursor", message, location="query")])


def _decode(cursor: str, sort: str, column: Any) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _bad_cursor() from None
    if name != sort or not isinstance(row_id, int) or not 0 < row_id <= MAX_ID:
        raise _bad_cursor()
    if isinstance(column.type, UTCDateTime):
        try:
            value = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise _bad_cursor() from None
        if value.tzinfo is None:
            raise _bad_cursor()
    elif type(value) is not column.type.python_type:  # int or str, as the column holds
        raise _bad_cursor()
    return value, row_id


def paginate(
    query: Select[Any],
    args: Mapping[str, Any],
    *,
    sorts: Mapping[str, Any],
    id_column: Any,
) -> Page:
    """One page of `query`, ordered by args["sort"] (a key of `sorts`, `-` for descending)."""
    config = current_app.config
    limit = min(int(args.get("limit") or config["API_PAGE_SIZE"]), config["API_PAGE_SIZE_MAX"])
    sort = args.get("sort") or "id"
    descending = sort.startswith("-")
    column = sorts[sort.lstrip("-")]
    if args.get("cursor"):
        value, last_id = _decode(args["cursor"], sort, column)
        if descending:
            after = or_(column < value, and_(column == value, id_column < last_id))
        else:
            after = or_(column > value, and_(column == value, id_column > last_id))
        query = query.where(after)
    if descending:
        query = query.order_by(column.desc(), id_column.desc())
    else:
        query = query.order_by(column.asc(), id_column.asc())
    rows = list(db.session.scalars(query.limit(limit + 1)))
    items, more = rows[:limit], len(rows) > limit
    cursor = None
    if more:
        last = items[-1]
        cursor = _encode(sort, getattr(last, column.key), last.id)
    return Page(items, cursor)


def sorts_for(columns: Mapping[str, Any]) -> list[str]:
    return [name for key in columns for name in (key, f"-{key}")]


def filter_common(
    query: Select[Any], args: Mapping[str, Any], columns: Mapping[str, Any]
) -> Select[Any]:
    """Apply the filters a list declares: region, dealer, store, period, status, updated_since."""
    for name in ("region", "dealer", "store", "status", "period"):
        value = args.get(name)
        if value is not None and name in columns:
            query = query.where(columns[name] == value)
    since = args.get("updated_since")
    if since is not None and "updated_since" in columns:
        query = query.where(columns["updated_since"] >= since)
    return query


def filter_owned(
    query: Select[Any], args: Mapping[str, Any], dealer_column: Any, columns: Mapping[str, Any]
) -> Select[Any]:
    """`filter_common` for rows a dealer owns: `dealer` is `dealer_column`, and `region` the
    region of that dealer (now, as the access rules read it)."""
    if args.get("region") is not None:
        in_region = select(Dealer.id).where(Dealer.region_id == args["region"])
        query = query.where(dealer_column.in_(in_region.scalar_subquery()))
    return filter_common(query, args, {"dealer": dealer_column, **columns})


def check_period(value: str) -> str:
    try:
        return periods.parse(value)
    except periods.PeriodError as error:
        raise ApiProblem(422, errors=[field_error("period", error.message)]) from None


# ETags


def etag_of(body: Mapping[str, Any]) -> str:
    """A strong ETag: the hash of the resource as this token sees it."""
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(etag: str) -> bool:
    """A GET whose If-None-Match names the current ETag (answer 304)."""
    header = request.headers.get("If-None-Match", "")
    return bool(header) and (header.strip() == "*" or etag in _tags(header))


def require_match(current: str) -> None:
    """Updates need If-Match: 428 without it, 412 (with the current ETag) when it is stale."""
    header = request.headers.get("If-Match", "")
    if not header.strip():
        message = _l("Send If-Match with the ETag you read, so no change is overwritten.")
        raise ApiProblem(428, message, errors=[field_error("If-Match", message, location="header")])
    if header.strip() != "*" and current not in _tags(header):
        raise ApiProblem(
            412,
            _l("The resource changed since you read it. Read it again, then retry."),
            headers={"ETag": current},
            current_etag=current,
        )
