"""Tracking a notice: who read, acknowledged and carried it out, the laggards, CSV exports.

Every figure and row is limited to the dealers the viewer may see, for every role.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal import activity, clock
from portal.access import notices as notice_access
from portal.access import staff_only
from portal.csvio import csv_response
from portal.extensions import db
from portal.metrics import notices as metrics
from portal.models import Notice
from portal.notices.blueprint import bp


def _notice(notice_id: int) -> Notice:
    return notice_access.get_notice_or_404(current_user, notice_id)


@bp.route("/<int:notice_id>/tracking")
@staff_only
def tracking(notice_id: int):
    notice = _notice(notice_id)
    today = clock.today()
    dealers = metrics.dealer_lines(notice, current_user, today)
    stores = metrics.store_lines(notice, current_user, today)
    dealer_laggards = sorted(
        (line for line in dealers if not line.acknowledged),
        key=lambda line: (-line.days_overdue, line.dealer.code),
    )
    store_laggards = sorted(
        (line for line in stores if line.execution is None),
        key=lambda line: (-line.days_overdue, line.store.code),
    )
    return render_template(
        "notices/tracking.html",
        notice=notice,
        progress=metrics.progress(notice, current_user, today),
        dealers=dealers,
        stores=stores,
        dealer_laggards=dealer_laggards,
        store_laggards=store_laggards,
        photos=[line for line in stores if line.execution and line.execution.photo],
        today=today,
    )


def _status(acknowledged: bool, days_overdue: int) -> str:
    if acknowledged:
        return "acknowledged"
    return "overdue" if days_overdue else "pending"


@bp.route("/<int:notice_id>/acknowledgements.csv")
@staff_only
def export_acknowledgements(notice_id: int):
    notice = _notice(notice_id)
    lines = metrics.dealer_lines(notice, current_user)
    header = [
        "dealer_code",
        "dealer_name",
        "region",
        "version",
        "read_at",
        "read_by",
        "acknowledged_at",
        "acknowledged_by",
        "status",
        "days_overdue",
    ]
    rows = [
        [
            line.dealer.code,
            line.dealer.name,
            line.dealer.region.code,
            notice.current_version,
            line.receipt.read_at.isoformat() if line.receipt and line.receipt.read_at else "",
            line.receipt.read_by.email if line.receipt and line.receipt.read_by else "",
            line.receipt.acknowledged_at.isoformat() if line.acknowledged else "",
            line.receipt.acknowledged_by.email
            if line.acknowledged and line.receipt.acknowledged_by
            else "",
            _status(line.acknowledged, line.days_overdue),
            line.days_overdue,
        ]
        for line in lines
    ]
    activity.record("notice.export", notice, details={"export": "acknowledgements"})
    db.session.commit()
    return csv_response(f"notice-{notice.id}-acknowledgements.csv", header, rows)


@bp.route("/<int:notice_id>/executions.csv")
@staff_only
def export_executions(notice_id: int):
    notice = _notice(notice_id)
    lines = metrics.store_lines(notice, current_user)
    header = [
        "store_code",
        "store_name",
        "dealer_code",
        "version",
        "status",
        "reported_at",
        "reported_by",
        "late",
        "reason",
        "photo",
        "days_overdue",
    ]
    rows = []
    for line in lines:
        execution = line.execution
        rows.append(
            [
                line.store.code,
                line.store.name,
                line.store.dealer.code,
                notice.current_version,
                execution.status if execution else "not_reported",
                execution.reported_at.isoformat() if execution else "",
                execution.reported_by.email if execution and execution.reported_by else "",
                ("yes" if execution.late else "no") if execution else "",
                execution.reason if execution else "",
                execution.photo.filename if execution and execution.photo else "",
                line.days_overdue,
            ]
        )
    activity.record("notice.export", notice, details={"export": "executions"})
    db.session.commit()
    return csv_response(f"notice-{notice.id}-executions.csv", header, rows)
