"""What every API write shares: figures parsed like the pages parse them, rule refusals as
problems, and the request schemas of plan and report lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from portal import money
from portal.api.paging import etag_of, id_field, require_match
from portal.api.problems import ApiProblem, field_error
from portal.api.schemas import MoneyField
from portal.api.spec import one
from portal.extensions import db
from portal.models import ProductLine

MAX_LINES = 5000
COMMENT_MAX = 2000


class CommentIn(ma.Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX))


def money_in(**kwargs: Any) -> MoneyField:
    return MoneyField(
        metadata={"description": "Major units, e.g. 12500.50", "example": "12500.50"}, **kwargs
    )


def units_in() -> fields.Integer:
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


def parse_amount(value: Any, field: str) -> int | None:
    """An amount typed as text, refused with the pages' own message."""
    try:
        return money.parse_money(
            None if value is None else str(value), max_major=current_app.config["MONEY_MAX"]
        )
    except money.FigureError as error:
        raise ApiProblem(422, errors=[field_error(field, error.message)]) from None


def figures(
    lines: Iterable[Mapping[str, Any]], keys: tuple[str, ...], known_lines: set[int]
) -> dict[Any, tuple[int, int]]:
    """{key: (revenue minor, units)} from request lines; every problem reported at once."""
    values: dict[Any, tuple[int, int]] = {}
    errors = []
    for index, line in enumerate(lines):
        key = tuple(line[name] for name in keys)
        if line["product_line_id"] not in known_lines:
            errors.append(
                field_error(f"lines.{index}.product_line_id", _l("No such product line."))
            )
        if key in values:
            errors.append(field_error(f"lines.{index}", _l("The same line is given twice.")))
        try:
            revenue = parse_amount(line["revenue"], f"lines.{index}.revenue") or 0
        except ApiProblem as problem:
            errors += problem.errors or []
            continue
        values[key if len(key) > 1 else key[0]] = (revenue, line["units"])
    if errors:
        raise ApiProblem(422, errors=errors)
    return values


def product_line_ids(lines: Iterable[ProductLine]) -> set[int]:
    return {line.id for line in lines}


def refused(error: Any) -> ApiProblem:
    """A service's PlanError/ReportError (a rule said no) as 422 on its field."""
    field = getattr(error, "field", None) or ""
    return ApiProblem(422, error.message, errors=[field_error(field, error.message)])


def conflict(message: Any, etag: str | None = None) -> ApiProblem:
    """The resource is not in a state that allows this (e.g. already submitted): 409."""
    members = {"current_etag": etag} if etag else {}
    return ApiProblem(409, message, **members)


def line_schema(name: str, with_store: bool) -> type[ma.Schema]:
    attrs: dict[str, Any] = {
        "product_line_id": id_field(required=True),
        "revenue": money_in(required=True),
        "units": units_in(),
    }
    if with_store:
        attrs = {"store_id": id_field(required=True), **attrs}
    return type(name, (ma.Schema,), attrs)


PlanLineIn = line_schema("PlanLineIn", with_store=True)
ReportLineIn = line_schema("ReportLineIn", with_store=False)


def lines_field(schema: type[ma.Schema]) -> fields.List:
    return fields.List(
        fields.Nested(schema), load_default=list, validate=validate.Length(max=MAX_LINES)
    )


NOT_EDITABLE = _l("This is no longer a draft or returned: it cannot be changed.")


def step(
    record: Any,
    schema: type[ma.Schema],
    *,
    allowed: Callable[[Any], bool],
    change: Callable[[], object],
    refusal: type[Exception],
    not_allowed: Any = NOT_EDITABLE,
) -> object:
    """One write on a record loaded for update, as plans, reports and complaints take them:
    If-Match against its current ETag (428/412), 409 (`not_allowed`) when its state does not
    allow the write, the service's refusal as a problem; then commit and answer the record
    as it now stands."""
    current = etag_of(schema().dump(record))
    require_match(current)
    if not allowed(record):
        raise conflict(not_allowed, current)
    try:
        change()
    except refusal as error:
        raise refused(error) from None
    db.session.commit()
    return one(schema, record)
