"""Supervisor pages for store reports: the queue and the review decision."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from portal import access, clock, decisions
from portal.access import staff_only
from portal.metrics.timeliness import reports_timeliness
from portal.metrics.totals import report_totals
from portal.models import Dealer, ReportStatus, StoreReport
from portal.reports import services
from portal.reports.blueprint import bp
from portal.reports.forms import ReviewForm


@bp.route("/review")
@staff_only
def review_queue():
    waiting = access.visible_reports(current_user).join(StoreReport.store).join(StoreReport.dealer)
    eager = contains_eager(StoreReport.dealer).joinedload(Dealer.region)
    params, page = decisions.queue(
        waiting.options(contains_eager(StoreReport.store), eager),
        StoreReport,
        ReportStatus.SUBMITTED,
    )
    reports = page.items
    return render_template(
        "reports/review.html",
        reports=reports,
        page=page,
        params=params,
        totals=report_totals([report.id for report in reports]),
        timeliness=reports_timeliness(
            reports, current_app.config["REPORT_DUE_DAYS"], clock.today()
        ),
    )


@bp.route("/<int:report_id>/review", methods=["POST"])
@staff_only
def review(report_id: int):
    report = access.get_report_or_404(current_user, report_id, for_update=True)
    return decisions.decide(services.LIFECYCLE, report, access.can_review_report, ReviewForm)
