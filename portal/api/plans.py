"""Sales plans over the API: read; dealers create, update and submit drafts; supervisors
approve or return. Every change goes through portal.plans.services, as the pages' do;
updates need If-Match with the ETag last read (428 without, 412 when stale)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy.orm import selectinload

from portal import access, clock
from portal.access import roles, signed_in, staff_only
from portal.api import bp
from portal.api.paging import (
    ListArgs,
    etag_of,
    filter_owned,
    id_field,
    paginate,
    period_field,
    sort_field,
    sorts_for,
    updated_since_field,
)
from portal.api.problems import ApiProblem
from portal.api.schemas import PlanPage, PlanSchema, enum
from portal.api.spec import answers, one, single, statuses
from portal.api.writing import (
    CommentIn,
    PlanLineIn,
    conflict,
    figures,
    lines_field,
    product_line_ids,
    refused,
    step,
)
from portal.extensions import db
from portal.models import PlanStatus, Role, SalesPlan
from portal.plans import services

SORTS = {"id": SalesPlan.id, "period": SalesPlan.period, "updated_at": SalesPlan.updated_at}
WRITE_ERRORS = statuses(400, 404, 409, 412, 422, 428)
EXISTS = _l("The dealer already has a plan for this period; update that one.")


class PlanArgs(ListArgs):
    sort = sort_field(sorts_for(SORTS), "id")
    region = id_field()
    dealer = id_field()
    period = period_field()
    status = enum(PlanStatus)
    updated_since = updated_since_field()


class PlanIn(ma.Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    # Why the plan is below the dealer's allocated target (needed to submit it then);
    # left out of an update, the plan keeps the reason it has.
    below_target_reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    lines = lines_field(PlanLineIn)


class NewPlanIn(PlanIn):
    period = period_field(required=True)


def _eager(query):
    return query.options(selectinload(SalesPlan.lines), selectinload(SalesPlan.transitions))


@bp.route("/plans")
@signed_in
@bp.arguments(PlanArgs, location="query")
@bp.response(200, PlanPage)
@answers(bp, *statuses(400, 422))
def plans(args: dict):
    """Sales plans of the dealers this token may see."""
    columns = {
        "period": SalesPlan.period,
        "status": SalesPlan.status,
        "updated_since": SalesPlan.updated_at,
    }
    query = filter_owned(access.visible_plans(current_user), args, SalesPlan.dealer_id, columns)
    return paginate(_eager(query), args, sorts=SORTS, id_column=SalesPlan.id)


@bp.route("/plans/<int:plan_id>")
@signed_in
@single(bp, PlanSchema)
def plan(plan_id: int):
    return one(PlanSchema, access.get_plan_or_404(current_user, plan_id))


def _values(data: dict, plan: SalesPlan | None = None):
    known = product_line_ids(services.grid_lines(plan))
    return figures(data["lines"], ("store_id", "product_line_id"), known)


def _reason(data: dict) -> str | None:
    reason = data["below_target_reason"]
    return None if reason is None else reason.strip()


def _current(plan: SalesPlan) -> str:
    return etag_of(PlanSchema().dump(plan))


@bp.route("/plans", methods=["POST"])
@roles(Role.DEALER)
@bp.arguments(NewPlanIn)
@bp.response(201, PlanSchema)
@bp.alt_response(200, schema=PlanSchema, description="The same plan was already created")
@answers(bp, *WRITE_ERRORS)
def create_plan(data: dict):
    """Create the dealer's draft plan for a period (a resent identical request answers 200)."""
    if not access.can_create_plan(current_user):
        raise ApiProblem(403)
    dealer = current_user.dealer
    values = _values(data)
    window = services.period_window(clock.today(), current_app.config)
    try:
        created = services.create_plan(
            dealer=dealer,
            period=data["period"],
            values=values,
            note=data["note"],
            actor=current_user,
            window=window,
            below_target_reason=(data["below_target_reason"] or "").strip(),
        )
    except services.PlanExists as exists:
        db.session.rollback()
        existing = db.session.get(SalesPlan, exists.plan.id)
        if services.same_content(existing, values, data["note"]):
            return one(PlanSchema, existing)
        raise conflict(EXISTS, _current(existing)) from None
    except services.PlanError as error:
        raise refused(error) from None
    db.session.commit()
    response = one(PlanSchema, created, status=201)
    response.headers["Location"] = url_for("api.plan", plan_id=created.id)
    return response


@bp.route("/plans/<int:plan_id>", methods=["PUT"])
@roles(Role.DEALER)
@bp.arguments(PlanIn)
@bp.response(200, PlanSchema)
@answers(bp, *WRITE_ERRORS)
def update_plan(data: dict, plan_id: int):
    """Replace a draft's or returned plan's figures and note (If-Match required)."""
    found = access.get_plan_or_404(current_user, plan_id, for_update=True)
    return step(
        found,
        PlanSchema,
        allowed=lambda record: access.can_edit_plan(current_user, record),
        change=lambda: services.update_plan(
            found,
            values=_values(data, found),
            note=data["note"],
            actor=current_user,
            below_target_reason=_reason(data),
        ),
        refusal=services.PlanError,
    )


@bp.route("/plans/<int:plan_id>/submit", methods=["POST"])
@roles(Role.DEALER)
@bp.response(200, PlanSchema)
@answers(bp, *WRITE_ERRORS)
def submit_plan(plan_id: int):
    """Submit a draft or returned plan for review (If-Match required)."""
    found = access.get_plan_or_404(current_user, plan_id, for_update=True)
    return step(
        found,
        PlanSchema,
        allowed=lambda record: access.can_submit_plan(current_user, record),
        change=lambda: services.submit_plan(found, actor=current_user),
        refusal=services.PlanError,
    )


def _review(plan_id: int, data: dict, decide) -> object:
    found = access.get_plan_or_404(current_user, plan_id, for_update=True)
    return step(
        found,
        PlanSchema,
        allowed=lambda record: access.can_review_plan(current_user, record),
        change=lambda: decide(found, actor=current_user, comment=data["comment"]),
        refusal=services.PlanError,
    )


@bp.route("/plans/<int:plan_id>/approve", methods=["POST"])
@staff_only
@bp.arguments(CommentIn)
@bp.response(200, PlanSchema)
@answers(bp, *WRITE_ERRORS)
def approve_plan(data: dict, plan_id: int):
    """Approve a submitted plan (supervisors of its region, admins; If-Match required)."""
    return _review(plan_id, data, services.approve_plan)


@bp.route("/plans/<int:plan_id>/return", methods=["POST"])
@staff_only
@bp.arguments(CommentIn)
@bp.response(200, PlanSchema)
@answers(bp, *WRITE_ERRORS)
def return_plan(data: dict, plan_id: int):
    """Return a submitted plan to the dealer with a comment (If-Match required)."""
    return _review(plan_id, data, services.return_plan)
