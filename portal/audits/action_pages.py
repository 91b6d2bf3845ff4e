"""Corrective-action pages: open and overdue lists for both sides, respond, verify, reopen."""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from portal import access, activity, clock, listing
from portal.access import audits as audit_access
from portal.access import roles, signed_in, staff_only
from portal.audits import corrective, forms, once, services
from portal.audits.corrective import ActionError
from portal.extensions import db
from portal.models import (
    ActionStatus,
    ActionStep,
    CorrectiveAction,
    Dealer,
    Role,
    StandardItem,
    Store,
)

bp = Blueprint("actions", __name__, url_prefix="/actions")


@bp.errorhandler(once.KeyRefused)
def _key_refused(error: once.KeyRefused):
    db.session.rollback()
    return jsonify(ok=False, message=error.message), 422


SORTABLE = {
    "due": CorrectiveAction.due_on,
    "store": Store.code,
    "status": CorrectiveAction.status,
    "item": StandardItem.code,
}
FILTERS = ("state", "region", "store", "audit")
STATES = ("open", "overdue", "responded", "verified", "all")


def _list_query(params: listing.ListParams, today):
    query = (
        audit_access.visible_actions(current_user)
        .join(CorrectiveAction.store)
        .join(Dealer, Dealer.id == CorrectiveAction.dealer_id)
        .join(CorrectiveAction.item)
    )
    query = listing.search(
        query,
        [
            Store.code,
            Store.name,
            Dealer.code,
            Dealer.name,
            StandardItem.code,
            StandardItem.question,
            StandardItem.question_zh,
        ],
        params.q,
    )
    state = params.filters.get("state", "open")
    if state == "open":
        query = query.where(CorrectiveAction.status != ActionStatus.VERIFIED)
    elif state == "overdue":
        query = query.where(
            CorrectiveAction.status != ActionStatus.VERIFIED, CorrectiveAction.due_on < today
        )
    elif state == "responded":
        query = query.where(CorrectiveAction.status == ActionStatus.RESPONDED)
    elif state == "verified":
        query = query.where(CorrectiveAction.status == ActionStatus.VERIFIED)
    query = listing.where_ids(
        query,
        params,
        {
            "region": Dealer.region_id,
            "store": CorrectiveAction.store_id,
            "audit": CorrectiveAction.audit_id,
        },
    )
    query = query.options(
        contains_eager(CorrectiveAction.store),
        contains_eager(CorrectiveAction.item),
        joinedload(CorrectiveAction.dealer),
    )
    return listing.order(query, params, SORTABLE, CorrectiveAction.id)


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "due", FILTERS)
    if "state" not in params.filters:
        params.filters["state"] = "open"
    today = clock.today()
    page = listing.paginate(_list_query(params, today), params)
    regions = (
        []
        if current_user.is_dealer
        else db.session.scalars(access.visible_regions(current_user)).all()
    )
    return render_template(
        "actions/index.html",
        page=page,
        params=params,
        today=today,
        states=STATES,
        regions=regions,
    )


def _load_for_page(action: CorrectiveAction) -> None:
    """What the action's page shows, in one query (none from the template)."""
    db.session.scalars(
        db.select(CorrectiveAction)
        .where(CorrectiveAction.id == action.id)
        .options(
            joinedload(CorrectiveAction.store),
            joinedload(CorrectiveAction.dealer),
            joinedload(CorrectiveAction.item),
            joinedload(CorrectiveAction.answer),
            joinedload(CorrectiveAction.audit),
        )
    ).all()


@bp.route("/<int:action_id>")
@signed_in
def detail(action_id: int):
    action = audit_access.get_action_or_404(current_user, action_id)
    _load_for_page(action)
    steps = db.session.scalars(
        db.select(ActionStep)
        .where(ActionStep.action_id == action.id)
        .options(joinedload(ActionStep.actor))
        .order_by(ActionStep.id)
    ).all()
    respond_form = forms.RespondForm()
    respond_form.token.data = forms.new_token()
    return render_template(
        "actions/detail.html",
        action=action,
        audit=action.audit,
        steps=steps,
        evidence=corrective.evidence_of(steps),
        finding_photos=services.photos_of([action.answer])[action.answer_id],
        today=clock.today(),
        can_respond=audit_access.can_respond_action(current_user, action),
        can_verify=audit_access.can_verify_action(current_user, action),
        respond_form=respond_form,
        verify_form=forms.VerifyForm(),
        reopen_form=forms.ReopenForm(),
        history=[] if current_user.is_dealer else activity.history_for(action),
    )


def _redirect(action: CorrectiveAction):
    return redirect(url_for("actions.detail", action_id=action.id))


@bp.route("/<int:action_id>/respond", methods=["POST"])
@roles(Role.DEALER)
def respond(action_id: int):
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return _respond_queued(action_id)
    action = audit_access.get_action_or_404(current_user, action_id)
    form = forms.RespondForm()
    if form.validate_on_submit():
        if not audit_access.can_respond_action(current_user, action) and (
            corrective.existing_step(form.token.data) is None
        ):
            flash(_("This action is not waiting for your response."), "warning")
            return _redirect(action)
        photos = [photo for photo in form.photos.data or [] if photo and photo.filename]
        if photos:
            try:  # ends the transaction (nothing is written yet): decoding holds no lock
                photos = corrective.check_evidence(photos)
            except ActionError as error:
                form[error.field or "comment"].errors.append(error.message)
                return _render_with_errors(action, respond_form=form)
            action = audit_access.get_action_or_404(current_user, action_id)
        try:
            corrective.respond(
                action,
                comment=form.comment.data,
                photos=photos,
                actor=current_user,
                token=form.token.data,
            )
            db.session.commit()
        except ActionError as error:
            db.session.rollback()
            form[error.field or "comment"].errors.append(error.message)
        except IntegrityError:
            # The same form posted twice at once: the other request stored it.
            db.session.rollback()
            if corrective.existing_step(form.token.data) is None:
                raise
            return _redirect(action)
        else:
            flash(_("Thank you: your response was sent for verification."), "success")
            return _redirect(action)
    return _render_with_errors(action, respond_form=form)


def _render_with_errors(action: CorrectiveAction, **forms_in_error):
    db.session.rollback()
    _load_for_page(action)
    steps = db.session.scalars(
        db.select(ActionStep)
        .where(ActionStep.action_id == action.id)
        .options(joinedload(ActionStep.actor))
        .order_by(ActionStep.id)
    ).all()
    context = {
        "action": action,
        "audit": action.audit,
        "steps": steps,
        "evidence": corrective.evidence_of(steps),
        "finding_photos": services.photos_of([action.answer])[action.answer_id],
        "today": clock.today(),
        "can_respond": audit_access.can_respond_action(current_user, action),
        "can_verify": audit_access.can_verify_action(current_user, action),
        "respond_form": forms.RespondForm(formdata=None),
        "verify_form": forms.VerifyForm(formdata=None),
        "reopen_form": forms.ReopenForm(formdata=None),
        "history": [] if current_user.is_dealer else activity.history_for(action),
    }
    context.update(forms_in_error)
    return render_template("actions/detail.html", **context), 422


@bp.route("/<int:action_id>/verify", methods=["POST"])
@staff_only
def verify(action_id: int):
    action = audit_access.get_action_or_404(current_user, action_id)
    form = forms.VerifyForm()
    if not form.validate_on_submit():
        return _render_with_errors(action, verify_form=form)
    if not audit_access.can_verify_action(current_user, action):
        flash(_("This action is not waiting for verification."), "warning")
        return _redirect(action)
    corrective.verify(action, comment=form.comment.data or "", actor=current_user)
    db.session.commit()
    flash(_("Verified and closed."), "success")
    return _redirect(action)


@bp.route("/<int:action_id>/reopen", methods=["POST"])
@staff_only
def reopen(action_id: int):
    action = audit_access.get_action_or_404(current_user, action_id)
    form = forms.ReopenForm()
    if not form.validate_on_submit():
        return _render_with_errors(action, reopen_form=form)
    if not audit_access.can_verify_action(current_user, action):
        flash(_("This action is not waiting for verification."), "warning")
        return _redirect(action)
    try:
        corrective.reopen(
            action, comment=form.comment.data, due_on=form.due_on.data, actor=current_user
        )
    except ActionError as error:
        form[error.field or "comment"].errors.append(error.message)
        return _render_with_errors(action, reopen_form=form)
    db.session.commit()
    flash(_("Reopened: the dealer has been told why."), "success")
    return _redirect(action)


def _respond_queued(action_id: int) -> Response:
    """The response (and its evidence photos) sent by the phone's offline queue: applied once
    per key, and once per form token like the posted form."""
    action = audit_access.get_action_or_404(current_user, action_id)  # out of scope: no replay
    replay = once.replayed(current_user)
    if replay is not None:
        return replay
    form = forms.RespondForm()
    if not form.validate_on_submit():
        messages = next(iter(form.errors.values()))
        return _refused(str(messages[0]) if messages else _("Write what was done."), 422)
    answered = corrective.existing_step(form.token.data) is not None
    if not answered and not audit_access.can_respond_action(current_user, action):
        return _refused(_("This action is not waiting for your response."), 409)
    photos = [photo for photo in form.photos.data or [] if photo and photo.filename]
    try:  # ends the transaction (nothing is written yet): decoding holds no lock
        checked = corrective.check_evidence(photos) if photos else []
    except ActionError as error:
        db.session.rollback()
        return _refused(str(error.message), 422)
    action = audit_access.get_action_or_404(current_user, action_id)

    def write() -> tuple[dict, int]:
        try:
            corrective.respond(
                action,
                comment=form.comment.data,
                photos=checked,
                actor=current_user,
                token=form.token.data,
            )
            db.session.flush()
        except ActionError as error:
            return {"ok": False, "message": str(error.message)}, 422
        flash(_("Thank you: your response was sent for verification."), "success")
        return {"ok": True, "url": url_for("actions.detail", action_id=action.id)}, 200

    return once.run_once(current_user, write)


def _refused(message: str, status: int) -> Response:
    response = jsonify(ok=False, message=message)
    response.status_code = status
    return response
