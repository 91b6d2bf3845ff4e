"""Store reports over the API: read; dealers create, update and submit drafts; supervisors
review or return. Changes go through portal.reports.services, as the pages' do; updates need
If-Match with the ETag last read."""

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
from portal.api.schemas import ReportPage, ReportSchema, enum
from portal.api.spec import answers, one, single, statuses
from portal.api.writing import (
    CommentIn,
    ReportLineIn,
    conflict,
    figures,
    lines_field,
    money_in,
    parse_amount,
    product_line_ids,
    refused,
    step,
)
from portal.extensions import db
from portal.models import CompetitorActivityKind, ReportStatus, Role, StoreReport
from portal.reports import services

SORTS = {"id": StoreReport.id, "period": StoreReport.period, "updated_at": StoreReport.updated_at}
WRITE_ERRORS = statuses(400, 404, 409, 412, 422, 428)
EXISTS = _l("The store already has a report for this period; update that one.")
TEXT_MAX = 5000


class ReportArgs(ListArgs):
    sort = sort_field(sorts_for(SORTS), "id")
    region = id_field()
    dealer = id_field()
    store = id_field()
    period = period_field()
    status = enum(ReportStatus)
    updated_since = updated_since_field()


class CompetitorIn(ma.Schema):
    competitor = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = enum(CompetitorActivityKind, required=True)
    observation = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))


class ReportIn(ma.Schema):
    footfall = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    closing_stock = money_in(allow_none=True)
    staff_count = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    issues = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))
    customer_feedback = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))
    competitors = fields.List(
        fields.Nested(CompetitorIn), load_default=list, validate=validate.Length(max=50)
    )
    lines = lines_field(ReportLineIn)


class NewReportIn(ReportIn):
    store_id = id_field(required=True)
    period = period_field(required=True)


def _eager(query):
    return query.options(
        selectinload(StoreReport.lines),
        selectinload(StoreReport.transitions),
        selectinload(StoreReport.competitor_activities),
    )


@bp.route("/reports")
@signed_in
@bp.arguments(ReportArgs, location="query")
@bp.response(200, ReportPage)
@answers(bp, *statuses(400, 422))
def reports(args: dict):
    """Store reports of the dealers this token may see."""
    columns = {
        "store": StoreReport.store_id,
        "period": StoreReport.period,
        "status": StoreReport.status,
        "updated_since": StoreReport.updated_at,
    }
    query = filter_owned(access.visible_reports(current_user), args, StoreReport.dealer_id, columns)
    return paginate(_eager(query), args, sorts=SORTS, id_column=StoreReport.id)


@bp.route("/reports/<int:report_id>")
@signed_in
@single(bp, ReportSchema)
def report(report_id: int):
    return one(ReportSchema, access.get_report_or_404(current_user, report_id))


def _current(found: StoreReport) -> str:
    return etag_of(ReportSchema().dump(found))


def _values(data: dict, found: StoreReport | None = None) -> services.ReportValues:
    known = product_line_ids(services.report_lines(found))
    stock = data.get("closing_stock")
    return services.ReportValues(
        actuals=figures(data["lines"], ("product_line_id",), known),
        footfall=data.get("footfall"),
        closing_stock_minor=None if stock is None else parse_amount(stock, "closing_stock"),
        staff_count=data.get("staff_count"),
        issues=data["issues"],
        customer_feedback=data["customer_feedback"],
        competitors=[
            (row["competitor"], row["kind"].value, row["observation"])
            for row in data["competitors"]
        ],
    )


@bp.route("/reports", methods=["POST"])
@roles(Role.DEALER)
@bp.arguments(NewReportIn)
@bp.response(201, ReportSchema)
@bp.alt_response(200, schema=ReportSchema, description="The same report was already created")
@answers(bp, *WRITE_ERRORS)
def create_report(data: dict):
    """Create a store's draft report for a period (a resent identical request answers 200)."""
    store = access.get_store_or_404(current_user, data["store_id"])
    if not access.can_create_report(current_user, store):
        raise ApiProblem(404)
    values = _values(data)
    window = services.report_window(clock.today(), current_app.config)
    try:
        created = services.create_report(
            store=store, period=data["period"], values=values, actor=current_user, window=window
        )
    except services.ReportExists as exists:
        db.session.rollback()
        existing = db.session.get(StoreReport, exists.report.id)
        if services.same_content(existing, values):
            return one(ReportSchema, existing)
        raise conflict(EXISTS, _current(existing)) from None
    except services.ReportError as error:
        raise refused(error) from None
    db.session.commit()
    response = one(ReportSchema, created, status=201)
    response.headers["Location"] = url_for("api.report", report_id=created.id)
    return response


@bp.route("/reports/<int:report_id>", methods=["PUT"])
@roles(Role.DEALER)
@bp.arguments(ReportIn)
@bp.response(200, ReportSchema)
@answers(bp, *WRITE_ERRORS)
def update_report(data: dict, report_id: int):
    """Replace a draft or returned report's content (If-Match required)."""
    found = access.get_report_or_404(current_user, report_id, for_update=True)
    return step(
        found,
        ReportSchema,
        allowed=lambda record: access.can_edit_report(current_user, record),
        change=lambda: services.update_report(
            found, values=_values(data, found), actor=current_user
        ),
        refusal=services.ReportError,
    )


@bp.route("/reports/<int:report_id>/submit", methods=["POST"])
@roles(Role.DEALER)
@bp.response(200, ReportSchema)
@answers(bp, *WRITE_ERRORS)
def submit_report(report_id: int):
    """Submit a draft or returned report for review (If-Match required)."""
    found = access.get_report_or_404(current_user, report_id, for_update=True)
    return step(
        found,
        ReportSchema,
        allowed=lambda record: access.can_edit_report(current_user, record),
        change=lambda: services.submit_report(found, actor=current_user),
        refusal=services.ReportError,
    )


def _review(report_id: int, data: dict, decide) -> object:
    found = access.get_report_or_404(current_user, report_id, for_update=True)
    return step(
        found,
        ReportSchema,
        allowed=lambda record: access.can_review_report(current_user, record),
        change=lambda: decide(found, actor=current_user, comment=data["comment"]),
        refusal=services.ReportError,
    )


@bp.route("/reports/<int:report_id>/review", methods=["POST"])
@staff_only
@bp.arguments(CommentIn)
@bp.response(200, ReportSchema)
@answers(bp, *WRITE_ERRORS)
def review_report(data: dict, report_id: int):
    """Mark a submitted report reviewed (supervisors of its region, admins; If-Match)."""
    return _review(report_id, data, services.review_report)


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
@staff_only
@bp.arguments(CommentIn)
@bp.response(200, ReportSchema)
@answers(bp, *WRITE_ERRORS)
def return_report(data: dict, report_id: int):
    """Return a submitted report to the dealer with a comment (If-Match required)."""
    return _review(report_id, data, services.return_report)
