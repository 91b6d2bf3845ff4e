"""Actuals pushed by an ERP or POS, and plan against actual read back.

A push is the CSV import in JSON: the rows go through `portal.reports.csv_import` itself,
so the same rules apply (the token's stores only, active product lines, months in the
window, reports still drafts), all or nothing, with one error per problem naming the row and
field. Sending the same rows again changes nothing; with an `Idempotency-Key` a retried push
gets the first answer back without running again.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import marshmallow as ma
from flask import abort, current_app
from flask_login import current_user
from marshmallow import fields, validate

from portal import access, clock
from portal.access import signed_in
from portal.api import bp
from portal.api.idempotency import KEY_PARAMETER, run_once
from portal.api.paging import check_period, id_field, period_field
from portal.api.problems import rows_refused
from portal.api.schemas import FiguresSchema
from portal.api.spec import answers, statuses
from portal.api.writing import money_in
from portal.csvio import CsvRejected, safe_cell
from portal.extensions import db
from portal.metrics import figures as metrics
from portal.models import Dealer
from portal.reports import csv_import, services

GROUPINGS = {
    "dealer": ("dealer_id", "period"),
    "store": ("dealer_id", "period", "store_id"),
    "product_line": ("dealer_id", "period", "product_line_id"),
}


class ActualRowIn(ma.Schema):
    store_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    period = fields.String(required=True, validate=validate.Length(max=20))
    product_line = fields.String(
        required=True, validate=validate.Length(min=1, max=40), metadata={"description": "Code"}
    )
    revenue = money_in(required=True)
    units = fields.Integer(allow_none=True, validate=validate.Range(min=0))


class ActualsIn(ma.Schema):
    rows = fields.List(
        fields.Nested(ActualRowIn), required=True, validate=validate.Length(min=1, max=20000)
    )


class ActualsResultSchema(ma.Schema):
    rows = fields.Integer()
    reports_created = fields.Integer()
    lines_changed = fields.Integer()
    lines_unchanged = fields.Integer()


def _as_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_import.COLUMNS)
    for row in rows:
        units = row.get("units")
        writer.writerow(
            [
                safe_cell(row["store_code"]),
                safe_cell(row["period"]),
                safe_cell(row["product_line"]),
                safe_cell(str(row["revenue"])),
                "" if units is None else str(units),
            ]
        )
    return buffer.getvalue().encode()


@bp.route("/actuals", methods=["POST"])
@signed_in
@bp.arguments(ActualsIn)
@bp.doc(parameters=[KEY_PARAMETER])
@bp.response(200, ActualsResultSchema)
@answers(bp, *statuses(400, 409, 422))
def push_actuals(data: dict):
    """Upsert actuals per store, product line and month: all rows or none."""
    if not access.can_upload_actuals(current_user):
        abort(404)
    raw = _as_csv(data["rows"])
    config = current_app.config

    def write() -> tuple[dict, int]:
        try:
            result = csv_import.import_actuals(
                raw,
                user=current_user,
                window=services.report_window(clock.today(), config),
                max_money=config["MONEY_MAX"],
                max_count=config["COUNT_MAX"],
            )
        except CsvRejected as rejected:
            raise rows_refused(rejected) from None
        db.session.flush()
        body = {
            "rows": result.rows,
            "reports_created": result.reports_created,
            "lines_changed": result.lines_changed,
            "lines_unchanged": result.lines_unchanged,
        }
        return body, 200

    return run_once(current_user, write)


class FiguresArgs(ma.Schema):
    period = period_field(required=True)
    region = id_field()
    dealer = id_field()
    by = fields.String(load_default="dealer", validate=validate.OneOf(list(GROUPINGS)))


class FiguresPage(ma.Schema):
    items = fields.List(fields.Nested(FiguresSchema))


@bp.route("/plan-vs-actual")
@signed_in
@bp.arguments(FiguresArgs, location="query")
@bp.response(200, FiguresPage)
@answers(bp, *statuses(400, 422))
def plan_vs_actual(args: dict):
    """Plan against actual for one month, per dealer (or per store or product line), over the
    dealers this token may see; the same figures as the portal's pages."""
    period = check_period(args["period"])
    dealers = access.visible_dealers(current_user).with_only_columns(Dealer.id)
    if args.get("region") is not None:
        dealers = dealers.where(Dealer.region_id == args["region"])
    if args.get("dealer") is not None:
        dealers = dealers.where(Dealer.id == args["dealer"])
    group_by = GROUPINGS[args["by"]]
    found = metrics.plan_vs_actual(group_by, first=period, last=period, dealers=dealers)
    items = []
    for key, values in sorted(found.items(), key=lambda pair: tuple(str(k) for k in pair[0])):
        row = dict(zip(group_by, key, strict=True))
        row.update(_figures_dict(values))
        items.append(row)
    return {"items": items}


def _figures_dict(values: metrics.Figures) -> dict[str, Any]:
    return {name: getattr(values, name) for name in metrics.Figures.__dataclass_fields__}
