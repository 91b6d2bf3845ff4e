"""A complaint's steps, one POST each: forward, start (take in hand), resolve, close, reopen.

Each form carries the version of the complaint it was shown with; the complaint is read
locked, and a form older than the complaint is refused with nothing saved, so two people
acting on one complaint never undo each other's step. Who may take which step is
`portal.access.complaints`; what each step requires is `services`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.access import complaints as access
from portal.access import signed_in
from portal.complaints import forms, pages, services
from portal.complaints.blueprint import bp
from portal.extensions import db
from portal.models import Complaint, ComplaintAction, Remedy


def _forward(complaint: Complaint, form: Any) -> None:
    services.forward(complaint, actor=current_user, comment=form.comment.data or "")


def _start(complaint: Complaint, form: Any) -> None:
    services.start(complaint, actor=current_user, comment=form.comment.data or "")


def _resolve(complaint: Complaint, form: Any) -> None:
    services.resolve(
        complaint,
        actor=current_user,
        remedy=Remedy(form.remedy.data),
        comment=form.comment.data or "",
        cost_minor=form.cost.data,
        satisfaction=form.satisfaction.data,
    )


def _close(complaint: Complaint, form: Any) -> None:
    services.close(
        complaint,
        actor=current_user,
        comment=form.comment.data or "",
        satisfaction=form.satisfaction.data,
    )


def _reopen(complaint: Complaint, form: Any) -> None:
    services.reopen(complaint, actor=current_user, reason=form.reason.data or "")


TAKE: dict[ComplaintAction, Callable[[Complaint, Any], None]] = {
    ComplaintAction.FORWARD: _forward,
    ComplaintAction.START: _start,
    ComplaintAction.RESOLVE: _resolve,
    ComplaintAction.CLOSE: _close,
    ComplaintAction.REOPEN: _reopen,
}
DONE = {
    ComplaintAction.FORWARD: _l("Forwarded to after-sales."),
    ComplaintAction.START: _l("Handling started."),
    ComplaintAction.RESOLVE: _l("Resolved."),
    ComplaintAction.CLOSE: _l("Closed."),
    ComplaintAction.REOPEN: _l("Reopened: a new resolution target runs from now."),
}


def _show_error(form: Any, error: services.ComplaintError) -> None:
    """The refusal beside its field (the comment of a reopening is its reason), else on top."""
    name = "reason" if error.field == "comment" and "reason" in form else error.field
    if name and name in form:
        form[name].errors = [*form[name].errors, error.message]
    else:
        flash(str(error.message), "danger")


@bp.route(
    "/<int:complaint_id>/<any(forward, start, resolve, close, reopen):action>",
    methods=["POST"],
)
@signed_in
def step(complaint_id: int, action: str):
    chosen = ComplaintAction(action)
    complaint = access.get_complaint_or_404(current_user, complaint_id, for_update=True)
    if not access.can_take_step(current_user, complaint, chosen):
        abort(403)
    form = forms.STEP_FORMS[chosen]()
    if not form.validate_on_submit():
        db.session.rollback()
        return pages.render_detail(complaint, 422, (chosen, form))
    if form.is_stale(complaint):
        db.session.rollback()
        flash(
            _(
                "This complaint changed since you opened it: nothing was saved. "
                "Check it as it is now and try again."
            ),
            "warning",
        )
        return pages.render_detail(complaint, 409)
    try:
        TAKE[chosen](complaint, form)
    except services.ComplaintError as error:
        db.session.rollback()
        _show_error(form, error)
        return pages.render_detail(complaint, 422, (chosen, form))
    db.session.commit()
    flash(str(DONE[chosen]), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))
