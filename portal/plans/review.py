"""Supervisor pages: the review queue, approving or returning a plan, reopening one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import contains_eager

from portal import access, clock, decisions
from portal.access import staff_only
from portal.extensions import db
from portal.metrics import plans as metrics
from portal.metrics import targets as target_metrics
from portal.metrics.timeliness import plans_timeliness
from portal.metrics.totals import plan_totals
from portal.models import Dealer, PlanStatus, ReportStatus, SalesPlan, StoreReport
from portal.plans import services
from portal.plans.blueprint import bp
from portal.plans.forms import ReopenForm, ReviewForm


@bp.route("/review")
@staff_only
def review_queue():
    waiting = access.visible_plans(current_user).join(SalesPlan.dealer)
    params, page = decisions.queue(
        waiting.options(contains_eager(SalesPlan.dealer).joinedload(Dealer.region)),
        SalesPlan,
        PlanStatus.SUBMITTED,
    )
    plans = page.items
    previous = services.previous_plans(plans)
    ids = [plan.id for plan in plans] + [p.id for p in previous.values() if p is not None]
    return render_template(
        "plans/review.html",
        plans=plans,
        page=page,
        params=params,
        previous=previous,
        last_actuals=metrics.last_actuals(plans),
        totals=plan_totals(ids),
        allocations=target_metrics.month_allocations((p.dealer_id, p.period) for p in plans),
        timeliness=plans_timeliness(plans, current_app.config["PLAN_DUE_DAY"], clock.today()),
        waiting_reports=_waiting_reports(),
    )


def _waiting_reports() -> int:
    # A plain count (not over a subquery of whole rows): read from the partial index alone.
    query = access.visible_reports(current_user).where(StoreReport.status == ReportStatus.SUBMITTED)
    return db.session.scalar(query.with_only_columns(func.count(StoreReport.id))) or 0


@bp.route("/<int:plan_id>/review", methods=["POST"])
@staff_only
def review(plan_id: int):
    plan = access.get_plan_or_404(current_user, plan_id, for_update=True)
    return decisions.decide(services.LIFECYCLE, plan, access.can_review_plan, ReviewForm)


@bp.route("/<int:plan_id>/reopen", methods=["POST"])
@staff_only
def reopen(plan_id: int):
    plan = access.get_plan_or_404(current_user, plan_id, for_update=True)
    form = ReopenForm()
    if not access.can_reopen_plan(current_user, plan):
        flash(_("Only an approved plan can be reopened."), "warning")
    elif not form.validate_on_submit():
        for message in form.reason.errors:
            flash(str(message), "danger")
    elif form.is_stale(plan):
        flash(_("This plan changed since you opened it. Check it and try again."), "warning")
    else:
        try:
            services.reopen_plan(plan, actor=current_user, reason=form.reason.data)
        except services.PlanError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            flash(_("Plan reopened: the dealer can change it and submit it again."), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))
