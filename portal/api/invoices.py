"""Invoices pushed by the ERP, and a dealer's receivables read back.

A push is the invoices CSV import in JSON: the rows go through
`portal.receivables.csv_import` itself, so the same rules apply (the token's dealers only:
admins any, supervisors their regions'), all or nothing, with one error per problem naming
the row and field. Sending the same rows again changes nothing but payments that grew; with
an `Idempotency-Key` a retried push gets the first answer back without running again.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import marshmallow as ma
from flask import abort
from flask_login import current_user
from marshmallow import fields, validate

from portal import clock, money
from portal.access import receivables as rules
from portal.access import signed_in
from portal.api import bp
from portal.api.idempotency import KEY_PARAMETER, run_once
from portal.api.problems import rows_refused
from portal.api.spec import answers, statuses
from portal.api.writing import money_in
from portal.csvio import CsvRejected, safe_cell
from portal.extensions import db
from portal.metrics import receivables as metrics
from portal.receivables import csv_import


class InvoiceRowIn(ma.Schema):
    dealer_code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    issued_on = fields.Date(required=True)
    due_on = fields.Date(allow_none=True, load_default=None)
    amount = money_in(required=True)
    currency = fields.String(load_default="CNY", validate=validate.Length(equal=3))
    paid_amount = money_in(load_default=None, allow_none=True)
    paid_on = fields.Date(allow_none=True, load_default=None)


class InvoicesIn(ma.Schema):
    rows = fields.List(
        fields.Nested(InvoiceRowIn),
        required=True,
        validate=validate.Length(min=1, max=csv_import.MAX_ROWS),
    )


class InvoicesResultSchema(ma.Schema):
    rows = fields.Integer()
    created = fields.Integer()
    paid = fields.Integer()
    unchanged = fields.Integer()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _as_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_import.COLUMNS)
    for row in rows:
        writer.writerow(
            [
                safe_cell(row["dealer_code"]),
                safe_cell(row["number"]),
                _text(row["issued_on"]),
                _text(row.get("due_on")),
                _text(row["amount"]),
                safe_cell(row.get("currency") or ""),
                _text(row.get("paid_amount")),
                _text(row.get("paid_on")),
            ]
        )
    return buffer.getvalue().encode()


@bp.route("/invoices", methods=["POST"])
@signed_in
@bp.arguments(InvoicesIn)
@bp.doc(parameters=[KEY_PARAMETER])
@bp.response(200, InvoicesResultSchema)
@answers(bp, *statuses(400, 404, 409, 422))
def push_invoices(data: dict):
    """Record invoices and their payments so far, per dealer and number: all rows or none."""
    if not rules.can_import_invoices(current_user):
        abort(404)
    raw = _as_csv(data["rows"])

    def write() -> tuple[dict, int]:
        try:
            result = csv_import.import_invoices(raw, user=current_user)
        except CsvRejected as rejected:
            raise rows_refused(rejected) from None
        db.session.flush()
        body = {
            "rows": result.rows,
            "created": result.created,
            "paid": result.paid,
            "unchanged": result.unchanged,
        }
        return body, 200

    return run_once(current_user, write)


class AgingSchema(ma.Schema):
    dealer_id = fields.Integer()
    as_of = fields.Date()
    open = fields.String(metadata={"description": "Major units"})
    buckets = fields.Dict(keys=fields.String(), values=fields.Dict())
    dso = fields.String(allow_none=True)
    credit_limit = fields.String(allow_none=True)
    on_hold = fields.Boolean()


def _major(minor: int | None) -> str | None:
    return None if minor is None else str(money.to_decimal(minor))


@bp.route("/dealers/<int:dealer_id>/receivables")
@signed_in
@bp.response(200, AgingSchema)
@answers(bp, *statuses(404))
def dealer_receivables(dealer_id: int):
    """A dealer's aging, DSO and credit, as its statement shows them."""
    dealer = rules.get_statement_dealer_or_404(current_user, dealer_id)
    today = clock.today()
    standing = metrics.dealer_standing(dealer.id, today, late_share=metrics.late_share_limit())
    return {
        "dealer_id": dealer.id,
        "as_of": today,
        "open": _major(standing.aging.open_minor),
        "buckets": {
            key: {"amount": _major(bucket.amount_minor), "count": bucket.count}
            for key, bucket in standing.aging.buckets.items()
        },
        "dso": None if standing.dso is None else str(standing.dso),
        "credit_limit": _major(standing.limit_minor),
        "on_hold": standing.on_hold,
    }
