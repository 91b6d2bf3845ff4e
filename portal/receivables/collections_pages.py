"""Collection tasks: the staff's list in scope, a task's page with its contacts, and logging
a call, visit or letter with the promised day."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import clock, listing
from portal.access import receivables as rules
from portal.access import staff_only
from portal.extensions import db
from portal.models import CollectionTask, ContactKind, Dealer, Invoice, TaskStatus
from portal.receivables import collections
from portal.receivables.blueprint import bp
from portal.receivables.forms import ContactForm
from portal.receivables.services import ReceivablesError

SORTABLE = {
    "due": Invoice.due_on,
    "promise": CollectionTask.promise_on,
    "dealer": Dealer.code,
    "status": CollectionTask.status,
}
ACTIVE = (TaskStatus.OPEN, TaskStatus.PROMISED, TaskStatus.ESCALATED)


@bp.route("/collections/")
@staff_only
def collections_index():
    params = listing.read_params(tuple(SORTABLE), "due", ("status",))
    query = (
        rules.visible_collection_tasks(current_user)
        .join(Invoice, Invoice.id == CollectionTask.invoice_id)
        .join(Dealer, Dealer.id == CollectionTask.dealer_id)
        .options(joinedload(CollectionTask.invoice), joinedload(CollectionTask.dealer))
    )
    status = params.filters.get("status")
    if status in {s.value for s in TaskStatus}:
        query = query.where(CollectionTask.status == TaskStatus(status))
    else:
        query = query.where(CollectionTask.status.in_(ACTIVE))
    query = listing.search(query, (Dealer.code, Dealer.name, Invoice.number), params.q)
    page = listing.paginate(listing.order(query, params, SORTABLE, CollectionTask.id), params)
    return render_template(
        "receivables/collections.html",
        page=page,
        params=params,
        statuses=TaskStatus,
        today=clock.today(),
    )


@bp.route("/collections/<int:task_id>")
@staff_only
def collection(task_id: int):
    task = rules.get_task_or_404(current_user, task_id)
    form = ContactForm(contacted_on=clock.today())
    return _task_page(task, form)


def _task_page(task: CollectionTask, form: ContactForm, status: int = 200):
    page = render_template(
        "receivables/collection.html",
        task=task,
        form=form,
        can_log=rules.can_log_contact(current_user, task) and task.status != TaskStatus.CLOSED,
        today=clock.today(),
    )
    return page, status


@bp.route("/collections/<int:task_id>/contact", methods=["POST"])
@staff_only
def log_contact(task_id: int):
    task = rules.get_task_or_404(current_user, task_id, for_update=True)
    if not rules.can_log_contact(current_user, task):
        abort(403)
    form = ContactForm()
    if not form.validate_on_submit():
        return _task_page(task, form, 422)
    try:
        collections.log_contact(
            task,
            kind=ContactKind(form.kind.data),
            contacted_on=form.contacted_on.data,
            promise_on=form.promise_on.data,
            note=form.note.data or "",
            actor=current_user,
        )
    except ReceivablesError as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        if field is not None:
            field.errors = [*field.errors, str(error.message)]
        else:
            flash(str(error.message), "danger")
        return _task_page(task, form, 422)
    db.session.commit()
    flash(_("Contact logged."), "success")
    return redirect(url_for("receivables.collection", task_id=task.id))
