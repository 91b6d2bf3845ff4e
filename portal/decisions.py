"""A reviewer's decision on a record waiting for one: approving or returning a plan, marking a
report reviewed or returning it (complaints and contracts next).

The areas' `review` views and review queues share these: one POST flow (form, right,
version, step, commit, message, redirect) and one page of waiting records. Words come from
`portal.lifecycle_text`; pages follow the area's endpoint names: a refusal goes back to
`<blueprint>.detail` (same view arguments), a decision on to `<blueprint>.review_queue`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select
from werkzeug.wrappers import Response

from portal import listing
from portal.extensions import db
from portal.forms import VersionedForm
from portal.lifecycle import Lifecycle
from portal.lifecycle_text import CHANGED, DECIDED, NOT_WAITING


def queue(query: Select[Any], model: Any, waiting: Any) -> tuple[listing.ListParams, Any]:
    """A page of the records in `waiting`, oldest submission first (the one order the
    review queue's partial index serves)."""
    params = listing.read_params(("submitted",), "submitted")
    query = query.where(model.status == waiting).order_by(model.submitted_at, model.id)
    return params, listing.paginate(query, params)


def decide(
    lifecycle: Lifecycle,
    record: Any,
    allowed: Callable[[Any, Any], bool],
    form_class: type[VersionedForm],
) -> Response:
    """Take the step the reviewer chose (the form's `decision`: one of the workflow's
    decisions, else 400) with the form's comment, if the reviewer is `allowed` and the
    record has not changed since the page was rendered; commit and say so."""
    workflow = lifecycle.workflow
    form = form_class()
    page = url_for(f"{request.blueprint}.detail", **(request.view_args or {}))
    if not form.validate_on_submit():
        flash(_("The comment is too long."), "danger")
        return redirect(page)
    if not allowed(current_user, record):
        flash(NOT_WAITING[workflow.name] % {"status": record.status.label}, "warning")
        return redirect(page)
    if form.is_stale(record):
        flash(str(CHANGED[workflow.name]), "warning")
        return redirect(page)
    action = {action.value: action for action in workflow.decisions}.get(
        request.form.get("decision", "")
    )
    if action is None:
        abort(400)
    try:
        lifecycle.move(record, action, actor=current_user, comment=form.comment.data or "")
    except lifecycle.error as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(page + "#review")
    db.session.commit()
    flash(DECIDED[workflow.key(action)] % lifecycle.decided(record), "success")
    return redirect(url_for(f"{request.blueprint}.review_queue"))
