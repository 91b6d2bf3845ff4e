"""Customer complaints over the API: read those the token's user may see, record new ones,
and take their steps (forward, start, resolve, close, reopen).

Each goes through `portal.complaints.services`, as the pages do, with the pages' access
rules (`portal.access.complaints`): out of scope answers 404 like a missing id. Recording
takes an `Idempotency-Key` (a retried POST records one complaint); a step needs If-Match
with the ETag last read (428 without it, 412 when stale) and answers 409 when the
complaint's status does not allow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import signed_in
from portal.access.complaints import (
    can_record_complaints,
    can_take_step,
    get_complaint_or_404,
    visible_complaints,
)
from portal.access.scope import dealer_scope
from portal.api import bp
from portal.api.idempotency import HEADER, run_once
from portal.api.paging import (
    ListArgs,
    etag_of,
    filter_common,
    id_field,
    paginate,
    sort_field,
    sorts_for,
    updated_since_field,
)
from portal.api.problems import ApiProblem, field_error
from portal.api.schemas import ComplaintPage, ComplaintSchema, enum
from portal.api.spec import answers, one, single, statuses
from portal.api.writing import COMMENT_MAX, money_in, parse_amount, refused, step
from portal.complaints import services
from portal.extensions import db
from portal.lifecycle_text import REFUSED
from portal.models import (
    COMPLAINT_LIFECYCLE,
    Channel,
    Complaint,
    ComplaintAction,
    ComplaintCategory,
    ComplaintStatus,
    Dealer,
    ProductLine,
    Remedy,
    SeriousKind,
    Severity,
    Store,
)

SORTS = {
    "id": Complaint.id,
    "received_at": Complaint.received_at,
    "updated_at": Complaint.updated_at,
}
STEPS = [action for action in ComplaintAction if action != ComplaintAction.RECEIVE]
CREATE_ERRORS = statuses(400, 404, 409, 422)
STEP_ERRORS = statuses(400, 404, 409, 412, 422, 428)
NO_STORE = _l("Name the store by store_id or store_code.")
NO_CATEGORY = _l("No such complaint category.")
NO_LINE = _l("No such product line.")
NEED_REMEDY = _l("Say which remedy resolved the complaint.")


class ComplaintArgs(ListArgs):
    sort = sort_field(sorts_for(SORTS), "id")
    region = id_field()
    dealer = id_field()
    store = id_field()
    status = enum(ComplaintStatus)
    severity = enum(Severity)
    updated_since = updated_since_field()


class NewComplaintIn(ma.Schema):
    store_id = id_field(metadata={"description": "The store, or give store_code"})
    store_code = fields.String(validate=validate.Length(min=1, max=20))
    category = fields.String(
        required=True, validate=validate.Length(min=1, max=20), metadata={"description": "Code"}
    )
    channel = enum(Channel, required=True)
    severity = enum(Severity, load_default=Severity.NORMAL)
    serious_kind = enum(SeriousKind, allow_none=True, load_default=None)
    product_line_id = id_field(allow_none=True, load_default=None)
    description = fields.String(
        required=True, validate=validate.Length(min=1, max=services.DESCRIPTION_MAX)
    )
    customer_name = fields.String(load_default="", validate=validate.Length(max=120))
    customer_phone = fields.String(load_default="", validate=validate.Length(max=40))
    customer_email = fields.String(load_default="", validate=validate.Length(max=254))
    received_at = fields.AwareDateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": "When the customer complained (default now; up to 30 days ago)"},
    )


class StepIn(ma.Schema):
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in STEPS]))
    comment = fields.String(
        load_default="",
        validate=validate.Length(max=COMMENT_MAX),
        metadata={"description": "Required to resolve and to reopen (the customer's reason)"},
    )
    remedy = enum(Remedy, allow_none=True, load_default=None)
    cost = money_in(allow_none=True, load_default=None)
    satisfaction = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=5)
    )


IDEMPOTENCY = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Retrying with the same key and body answers the same, recording nothing",
}


def _eager(query):
    return query.options(selectinload(Complaint.transitions), selectinload(Complaint.category))


@bp.route("/complaints")
@signed_in
@bp.arguments(ComplaintArgs, location="query")
@bp.response(200, ComplaintPage)
@answers(bp, *statuses(400, 422))
def complaints(args: dict):
    """Customer complaints of the dealers this token may see."""
    query = visible_complaints(current_user)
    columns = {
        "region": Complaint.region_id,
        "dealer": Complaint.dealer_id,
        "store": Complaint.store_id,
        "status": Complaint.status,
        "updated_since": Complaint.updated_at,
    }
    if args.get("severity") is not None:
        query = query.where(Complaint.severity == args["severity"])
    query = _eager(filter_common(query, args, columns))
    return paginate(query, args, sorts=SORTS, id_column=Complaint.id)


@bp.route("/complaints/<int:complaint_id>")
@signed_in
@single(bp, ComplaintSchema)
def complaint(complaint_id: int):
    return one(ComplaintSchema, get_complaint_or_404(current_user, complaint_id))


def _store(data: dict) -> Store:
    """The store named in the body, among those the token's user sees (404 otherwise)."""
    if data.get("store_id") is None and not data.get("store_code"):
        raise ApiProblem(422, NO_STORE, errors=[field_error("store_id", NO_STORE)])
    query = select(Store).join(Dealer, Dealer.id == Store.dealer_id)
    query = query.where(dealer_scope(current_user, Store.dealer_id))
    if data.get("store_id") is not None:
        query = query.where(Store.id == data["store_id"])
    if data.get("store_code"):
        query = query.where(Store.code == data["store_code"])
    found = db.session.scalar(query)
    if found is None:
        raise ApiProblem(404)
    return found


def _category(code: str) -> ComplaintCategory:
    found = db.session.scalar(select(ComplaintCategory).where(ComplaintCategory.code == code))
    if found is None:
        raise ApiProblem(422, NO_CATEGORY, errors=[field_error("category", NO_CATEGORY)])
    return found


def _product_line(line_id: int | None) -> ProductLine | None:
    if line_id is None:
        return None
    found = db.session.scalar(
        select(ProductLine).where(ProductLine.id == line_id, ProductLine.active.is_(True))
    )
    if found is None:
        raise ApiProblem(422, NO_LINE, errors=[field_error("product_line_id", NO_LINE)])
    return found


@bp.route("/complaints", methods=["POST"])
@signed_in
@bp.arguments(NewComplaintIn)
@bp.doc(parameters=[IDEMPOTENCY])
@bp.response(201, ComplaintSchema)
@answers(bp, *CREATE_ERRORS)
def record_complaint(data: dict):
    """Record a customer's complaint against a store; its clock starts at `received_at`."""
    if not can_record_complaints(current_user):
        raise ApiProblem(403)

    def write() -> tuple[dict, int]:
        new = services.NewComplaint(
            store=_store(data),
            category=_category(data["category"]),
            channel=data["channel"],
            description=data["description"],
            severity=data["severity"],
            serious_kind=data["serious_kind"],
            product_line=_product_line(data["product_line_id"]),
            customer_name=data["customer_name"],
            customer_phone=data["customer_phone"],
            customer_email=data["customer_email"],
            received_at=data["received_at"],
        )
        try:
            created = services.record(new, actor=current_user)
        except services.ComplaintError as error:
            raise refused(error) from None
        return ComplaintSchema().dump(created), 201

    response = run_once(current_user, write)
    body: dict[str, Any] = response.get_json()
    response.headers["ETag"] = etag_of(body)
    response.headers["Location"] = url_for("api.complaint", complaint_id=body["id"])
    return response


def _change(found: Complaint, action: ComplaintAction, data: dict) -> Callable[[], None]:
    """The service call that takes `action` with the body's values (run once If-Match and
    the status allow it)."""
    actor, comment, satisfaction = current_user, data["comment"], data["satisfaction"]

    def resolve() -> None:
        if data["remedy"] is None:
            raise ApiProblem(422, NEED_REMEDY, errors=[field_error("remedy", NEED_REMEDY)])
        cost = None if data["cost"] is None else parse_amount(data["cost"], "cost")
        services.resolve(
            found,
            actor=actor,
            remedy=data["remedy"],
            comment=comment,
            cost_minor=cost,
            satisfaction=satisfaction,
        )

    calls: dict[ComplaintAction, Callable[[], None]] = {
        ComplaintAction.FORWARD: lambda: services.forward(found, actor=actor, comment=comment),
        ComplaintAction.START: lambda: services.start(found, actor=actor, comment=comment),
        ComplaintAction.RESOLVE: resolve,
        ComplaintAction.CLOSE: lambda: services.close(
            found, actor=actor, comment=comment, satisfaction=satisfaction
        ),
        ComplaintAction.REOPEN: lambda: services.reopen(found, actor=actor, reason=comment),
    }
    return calls[action]


@bp.route("/complaints/<int:complaint_id>/steps", methods=["POST"])
@signed_in
@bp.arguments(StepIn)
@bp.response(200, ComplaintSchema)
@answers(bp, *STEP_ERRORS)
def take_step(data: dict, complaint_id: int):
    """Take the complaint's next step (If-Match required): forward it to after-sales, start
    handling it, resolve it (with a remedy), close it (staff) or reopen it (a repeat)."""
    found = get_complaint_or_404(current_user, complaint_id, for_update=True)
    action = ComplaintAction(data["action"])
    if not can_take_step(current_user, found, action):
        raise ApiProblem(403)
    return step(
        found,
        ComplaintSchema,
        allowed=lambda record: action in services.steps_open_to(record),
        change=_change(found, action, data),
        refusal=services.ComplaintError,
        not_allowed=REFUSED[COMPLAINT_LIFECYCLE.key(action)],
    )
