"""Supervisor pages: the review queue, approving or returning a plan, reopening one."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import contains_eager

from portal import access, clock, listing
from portal.access import staff_only
from portal.extensions import db
from portal.metrics import plans as metrics
from portal.models import Dealer, PlanStatus, ReportStatus, SalesPlan, StoreReport
from portal.plans import services
from portal.plans.blueprint import bp
from portal.plans.entry import plan_totals
from portal.plans.forms import ReopenForm, ReviewForm


@bp.route("/review")
@staff_only
def review_queue():
    params = listing.read_params(("submitted",), "submitted")
    page = listing.paginate(
        access.visible_plans(current_user)
        .join(SalesPlan.dealer)
        .where(SalesPlan.status == PlanStatus.SUBMITTED)
        .options(contains_eager(SalesPlan.dealer).joinedload(Dealer.region))
        .order_by(SalesPlan.submitted_at, SalesPlan.id),
        params,
    )
    plans = page.items
    previous = services.previous_plans(plans)
    last_actuals = metrics.last_actuals(plans)
    ids = [plan.id for plan in plans] + [p.id for p in previous.values() if p is not None]
    due_day = current_app.config["PLAN_DUE_DAY"]
    return render_template(
        "plans/review.html",
        plans=plans,
        page=page,
        params=params,
        previous=previous,
        last_actuals=last_actuals,
        totals=plan_totals(ids),
        timeliness={
            plan.id: metrics.timeliness(
                plan.first_submitted_at, metrics.plan_due(plan.period, due_day), clock.today()
            )
            for plan in plans
        },
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
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("The comment is too long."), "danger")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    decision = request.form.get("decision")
    if not access.can_review_plan(current_user, plan):
        flash(
            _("This plan is %(status)s: there is nothing to review.", status=plan.status.label),
            "warning",
        )
        return redirect(url_for("plans.detail", plan_id=plan.id))
    if form.is_stale(plan):
        flash(_("This plan changed since you opened it. Check it and decide again."), "warning")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    try:
        if decision == "approve":
            services.approve_plan(plan, actor=current_user, comment=form.comment.data or "")
        elif decision == "return":
            services.return_plan(plan, actor=current_user, comment=form.comment.data or "")
        else:
            abort(400)
    except services.PlanError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("plans.detail", plan_id=plan.id) + "#review")
    db.session.commit()
    if plan.status == PlanStatus.APPROVED:
        flash(
            _(
                "Plan of %(dealer)s for %(period)s approved.",
                dealer=plan.dealer.code,
                period=plan.period,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Plan of %(dealer)s for %(period)s returned to the dealer.",
                dealer=plan.dealer.code,
                period=plan.period,
            ),
            "success",
        )
    return redirect(url_for("plans.review_queue"))


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
