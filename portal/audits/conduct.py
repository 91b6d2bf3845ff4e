"""Conducting an audit on a phone: start, answer item by item (saved as given), complete.

Each item is its own small form. Without JavaScript its Save button posts it and the page
comes back at that item; with JavaScript (static/js/audits.js) every change is posted at
once to the same URL asking for JSON, and retried until the server has it.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.access import audits as audit_access
from portal.access import staff_only
from portal.audits import forms, photos, report, services
from portal.audits.services import AuditError, AuditIncomplete
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import AnswerResult, Attachment, Audit, AuditAnswer, AuditStatus

bp = Blueprint("conduct", __name__, url_prefix="/audits")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _conductable(audit_id: int) -> Audit:
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_conduct_audit(current_user, audit):
        if audit.status == AuditStatus.COMPLETED and not _wants_json():
            flash(_("This audit is completed: its answers can no longer change."), "warning")
            abort(redirect(url_for("audits.detail", audit_id=audit.id)))
        abort(409)
    return audit


def _page_url(audit: Audit, item_id: int | None = None) -> str:
    anchor = f"item-{item_id}" if item_id else None
    return url_for("conduct.page", audit_id=audit.id, _anchor=anchor)


def _progress(audit: Audit) -> dict[str, int]:
    answered = sum(1 for answer in audit.answers if answer.result is not None)
    return {"answered": answered, "total": len(audit.answers)}


def _photo_json(audit: Audit, photos: list[Attachment]) -> list[dict[str, Any]]:
    return [
        {
            "id": photo.id,
            "url": url_for("attachments.download", attachment_id=photo.id),
            "name": photo.filename,
            "delete": url_for("conduct.remove_photo", audit_id=audit.id, attachment_id=photo.id),
        }
        for photo in photos
    ]


@bp.route("/<int:audit_id>/start", methods=["POST"])
@staff_only
def start(audit_id: int):
    audit = _conductable(audit_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if audit.status == AuditStatus.SCHEDULED:
        try:
            services.start(audit, actor=current_user)
        except AuditError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
            return redirect(url_for("audits.detail", audit_id=audit.id))
        db.session.commit()
    return redirect(_page_url(audit))


@bp.route("/<int:audit_id>/conduct")
@staff_only
def page(audit_id: int):
    audit = _conductable(audit_id)
    if audit.status == AuditStatus.SCHEDULED:
        return redirect(url_for("audits.detail", audit_id=audit.id))
    return _render_page(audit, forms.CompleteForm(), problems=[])


def _render_page(audit: Audit, complete_form: forms.CompleteForm, problems: list, status=200):
    services.load_for_page(audit)
    problem_items = {p.item_id: p.message for p in problems if p.item_id is not None}
    return render_template(
        "audits/conduct.html",
        audit=audit,
        sections=report.sections_of(audit),
        photos=services.photos_of(audit.answers),
        previous=services.previous_answers(audit),
        progress=_progress(audit),
        complete_form=complete_form,
        problems=problems,
        problem_items=problem_items,
        results=list(AnswerResult),
    ), status


@bp.route("/<int:audit_id>/items/<int:item_id>", methods=["POST"])
@staff_only
def answer(audit_id: int, item_id: int):
    audit = _conductable(audit_id)
    answer = services.answer_for(audit, item_id)
    if answer is None:
        abort(404)
    form = forms.AnswerForm()
    try:
        if not form.validate_on_submit():
            field, messages = next(iter(form.errors.items()))
            raise AuditError(messages[0] if messages else _("Check the answer."), field)
        new_photos = _checked_photos(form)
        if new_photos:  # checking them ended the transaction: load the audit again
            audit = _conductable(audit_id)
            answer = services.answer_for(audit, item_id)
            if answer is None:
                abort(404)
        _save(audit, answer, form, new_photos)
    except AuditError as error:
        db.session.rollback()
        if _wants_json():
            return jsonify({"ok": False, "field": error.field, "message": str(error.message)}), 422
        flash(
            _("%(code)s not saved: %(problem)s", code=answer.item.code, problem=error.message),
            "danger",
        )
        return redirect(_page_url(audit, item_id))
    db.session.commit()
    if _wants_json():
        return jsonify(_answer_json(audit, answer))
    flash(_("%(code)s saved.", code=answer.item.code), "success")
    return redirect(_page_url(audit, item_id))


def _checked_photos(form: forms.AnswerForm) -> list[storage.CheckedUpload]:
    """The answer's new photos, decoded before anything is written (S20)."""
    try:
        return photos.check_photos(
            form.photos.data, lambda limit: _("At most %(limit)d photos per item.", limit=limit)
        )
    except storage.UploadRejected as rejected:
        raise AuditError(str(rejected), "photo") from None


def _save(
    audit: Audit,
    answer: AuditAnswer,
    form: forms.AnswerForm,
    new_photos: list[storage.CheckedUpload],
) -> None:
    result = AnswerResult(form.result.data) if form.result.data else None
    services.save_answer(
        audit, answer, result=result, note=form.note.data or "", actor=current_user
    )
    for photo in new_photos:
        services.add_photo(audit, answer, photo, actor=current_user)


def _answer_json(audit: Audit, answer: AuditAnswer) -> dict[str, Any]:
    return {
        "ok": True,
        "item_id": answer.item_id,
        "result": answer.result.value if answer.result else None,
        "note": answer.note,
        "photos": _photo_json(audit, services.photos_of([answer])[answer.id]),
        "saved_at": answer.answered_at.isoformat() if answer.answered_at else None,
        **_progress(audit),
    }


@bp.route("/<int:audit_id>/photos/<int:attachment_id>/delete", methods=["POST"])
@staff_only
def remove_photo(audit_id: int, attachment_id: int):
    audit = _conductable(audit_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    answer = db.session.get(AuditAnswer, attachment.owner_id or 0)
    try:
        services.remove_photo(audit, attachment, actor=current_user)
    except AuditError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    if _wants_json():
        return jsonify(_answer_json(audit, answer))
    flash(_("Photo removed."), "success")
    return redirect(_page_url(audit, answer.item_id if answer else None))


@bp.route("/<int:audit_id>/complete", methods=["POST"])
@staff_only
def complete(audit_id: int):
    audit = _conductable(audit_id)
    form = forms.CompleteForm()
    if not form.validate_on_submit():
        return _render_page(audit, form, problems=[], status=422)
    try:
        result = services.complete(audit, summary=form.summary.data or "", actor=current_user)
    except AuditIncomplete as incomplete:
        db.session.rollback()
        return _render_page(audit, form, problems=incomplete.problems, status=422)
    except AuditError as error:
        db.session.rollback()
        form.summary.errors.append(error.message)
        return _render_page(audit, form, problems=[], status=422)
    db.session.commit()
    flash(
        _("Audit completed: %(score)s%% (%(grade)s).", score=result.percentage, grade=result.grade),
        "success",
    )
    return redirect(url_for("audits.detail", audit_id=audit.id))
