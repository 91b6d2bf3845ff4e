"""Taking a prospect a step on, losing it, and head office's decision on its proposal.

Each POST loads the prospect with its row locked (PostgreSQL; SQLite's write transaction
already runs alone), refuses a page older than the prospect (its version), then takes the
one step the button names: a double click or two people at once move it one step, never
two, and sign it once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import decisions
from portal.access import admin_only, staff_only
from portal.access import prospects as rules
from portal.extensions import db
from portal.lifecycle_text import CHANGED
from portal.models import ProspectAction
from portal.prospects import screening, services, signing
from portal.prospects.blueprint import bp
from portal.prospects.forms import LoseForm, ReviewForm, StepForm

STEPS = {
    ProspectAction.CONTACT: services.contact,
    ProspectAction.SCREEN: screening.start,
    ProspectAction.VISIT: screening.finish_visit,
    ProspectAction.PROPOSE: services.propose,
}
DONE = {
    ProspectAction.CONTACT: _l("Marked as contacted."),
    ProspectAction.SCREEN: _l("Screening started: answer each criterion."),
    ProspectAction.VISIT: _l("Site visit recorded: draft the proposal."),
    ProspectAction.PROPOSE: _l("Proposal sent to head office for approval."),
}


@bp.route("/<int:prospect_id>/step", methods=["POST"])
@staff_only
def step(prospect_id: int):
    prospect = rules.get_prospect_or_404(current_user, prospect_id, for_update=True)
    page = url_for("prospects.detail", prospect_id=prospect.id)
    form = StepForm()
    try:
        action = ProspectAction(request.form.get("action", ""))
    except ValueError:
        abort(400)
    if action not in (*STEPS, ProspectAction.SIGN) or not form.validate_on_submit():
        abort(400)
    if not rules.can_work_prospect(current_user, prospect):
        flash(_("This prospect can no longer be changed."), "warning")
        return redirect(page)
    if form.is_stale(prospect):
        flash(str(CHANGED["prospect"]), "warning")
        return redirect(page)
    try:
        if action == ProspectAction.SIGN:
            dealer = signing.sign(prospect, actor=current_user, comment=form.comment.data or "")
        else:
            STEPS[action](prospect, actor=current_user, comment=form.comment.data or "")
    except services.ProspectError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(page)
    db.session.commit()
    if action == ProspectAction.SIGN:
        flash(
            _(
                "Signed: dealer %(code)s is active with its stores.",
                code=dealer.code,
            ),
            "success",
        )
        return redirect(url_for("dealers.detail", dealer_id=dealer.id))
    flash(str(DONE[action]), "success")
    return redirect(page)


@bp.route("/<int:prospect_id>/lose", methods=["POST"])
@staff_only
def lose(prospect_id: int):
    prospect = rules.get_prospect_or_404(current_user, prospect_id, for_update=True)
    page = url_for("prospects.detail", prospect_id=prospect.id)
    form = LoseForm()
    if not rules.can_work_prospect(current_user, prospect):
        flash(_("This prospect can no longer be changed."), "warning")
        return redirect(page)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "danger")
        return redirect(page + "#lose")
    if form.is_stale(prospect):
        flash(str(CHANGED["prospect"]), "warning")
        return redirect(page)
    try:
        services.lose(prospect, actor=current_user, reason=form.reason.data or "")
    except services.ProspectError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(page + "#lose")
    db.session.commit()
    flash(_("Prospect marked as lost."), "success")
    return redirect(page)


@bp.route("/<int:prospect_id>/review", methods=["POST"])
@admin_only
def review(prospect_id: int):
    """Head office approves the proposal or returns it to the region, saying why."""
    prospect = rules.get_prospect_or_404(current_user, prospect_id, for_update=True)
    return decisions.decide(services.PROSPECTS, prospect, rules.can_review_prospect, ReviewForm)
