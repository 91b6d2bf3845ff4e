"""Supervisor pages for store reports: the queue and the review decision."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal import access, clock, listing
from portal.access import staff_only
from portal.extensions import db
from portal.metrics import plans as metrics
from portal.models import Dealer, ReportStatus, StoreReport, StoreReportLine
from portal.reports import services
from portal.reports.blueprint import bp
from portal.reports.forms import ReviewForm


@bp.route("/review")
@staff_only
def review_queue():
    params = listing.read_params(("submitted",), "submitted")
    page = listing.paginate(
        access.visible_reports(current_user)
        .join(StoreReport.store)
        .join(StoreReport.dealer)
        .where(StoreReport.status == ReportStatus.SUBMITTED)
        .options(
            contains_eager(StoreReport.store),
            contains_eager(StoreReport.dealer).joinedload(Dealer.region),
        )
        .order_by(StoreReport.submitted_at, StoreReport.id),
        params,
    )
    reports = page.items
    totals = _report_totals([report.id for report in reports])
    due_days = current_app.config["REPORT_DUE_DAYS"]
    return render_template(
        "reports/review.html",
        reports=reports,
        page=page,
        params=params,
        totals=totals,
        timeliness={
            report.id: metrics.timeliness(
                report.first_submitted_at,
                metrics.report_due(report.period, due_days),
                clock.today(),
            )
            for report in reports
        },
    )


def _report_totals(report_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not report_ids:
        return {}
    rows = db.session.execute(
        select(
            StoreReportLine.report_id,
            func.sum(StoreReportLine.revenue_minor),
            func.sum(StoreReportLine.units),
        )
        .where(StoreReportLine.report_id.in_(report_ids))
        .group_by(StoreReportLine.report_id)
    )
    return {report_id: (int(revenue), int(units)) for report_id, revenue, units in rows}


@bp.route("/<int:report_id>/review", methods=["POST"])
@staff_only
def review(report_id: int):
    report = access.get_report_or_404(current_user, report_id, for_update=True)
    form = ReviewForm()
    back = url_for("reports.detail", report_id=report.id)
    if not form.validate_on_submit():
        flash(_("The comment is too long."), "danger")
        return redirect(back)
    if not access.can_review_report(current_user, report):
        flash(
            _("This report is %(status)s: there is nothing to review.", status=report.status.label),
            "warning",
        )
        return redirect(back)
    if form.is_stale(report):
        flash(_("This report changed since you opened it. Check it and decide again."), "warning")
        return redirect(back)
    decision = request.form.get("decision")
    try:
        if decision == "review":
            services.review_report(report, actor=current_user, comment=form.comment.data or "")
        elif decision == "return":
            services.return_report(report, actor=current_user, comment=form.comment.data or "")
        else:
            abort(400)
    except services.ReportError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(back + "#review")
    db.session.commit()
    if report.status == ReportStatus.REVIEWED:
        flash(
            _(
                "Report of %(store)s for %(period)s marked as reviewed.",
                store=report.store.code,
                period=report.period,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Report of %(store)s for %(period)s returned to the dealer.",
                store=report.store.code,
                period=report.period,
            ),
            "success",
        )
    return redirect(url_for("reports.review_queue"))
