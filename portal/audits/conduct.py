"""Conducting an audit on a phone: start, answer item by item (saved as given), complete.

Each item is its own small form. Without JavaScript its Save button posts it and the page
comes back at that item. With JavaScript (static/js/audits.js) every change goes into the
phone's offline queue (static/js/offline.js), which posts it to the same URLs asking for JSON,
with a key per change (once.py): in order, each once, whenever there is a connection.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import (
    Blueprint,
    Response,
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
from sqlalchemy.orm.exc import StaleDataError

from portal import storage
from portal.access import audits as audit_access
from portal.access import staff_only
from portal.audits import forms, once, photos, report, services
from portal.audits.services import AnswerConflict, AuditError, AuditIncomplete
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import AnswerResult, Attachment, Audit, AuditAnswer, AuditStatus

bp = Blueprint("conduct", __name__, url_prefix="/audits")


@bp.errorhandler(once.KeyRefused)
def _key_refused(error: once.KeyRefused):
    db.session.rollback()
    return jsonify(ok=False, message=error.message), 422


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _refusal(message: str, status: int) -> Response:
    response = jsonify(ok=False, message=message)
    response.status_code = status
    return response


def _conductable(audit_id: int) -> Audit:
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_conduct_audit(current_user, audit):
        if audit.status == AuditStatus.COMPLETED:
            message = _("This audit is completed: its answers can no longer change.")
        else:
            message = _("This audit was cancelled.")
        if _wants_json():
            abort(_refusal(message, 409))
        if audit.status == AuditStatus.COMPLETED:
            flash(message, "warning")
            abort(redirect(url_for("audits.detail", audit_id=audit.id)))
        abort(409)
    return audit


def _answer_or_404(audit: Audit, item_id: int) -> AuditAnswer:
    answer = services.answer_for(audit, item_id)
    if answer is None:
        if _wants_json() and audit.status == AuditStatus.SCHEDULED:
            abort(_refusal(_("Start the audit before answering."), 422))
        if _wants_json():  # the queue tells the auditor, and keeps the change until they decide
            abort(_refusal(_("This item is no longer part of the audit."), 404))
        abort(404)
    return answer


def _page_url(audit: Audit, item_id: int | None = None) -> str:
    anchor = f"item-{item_id}" if item_id else None
    return url_for("conduct.page", audit_id=audit.id, _anchor=anchor)


def _progress(answers: list[AuditAnswer]) -> dict[str, int]:
    answered = sum(1 for answer in answers if answer.result is not None)
    return {"answered": answered, "total": len(answers)}


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
    if _wants_json():
        return _start_queued(audit_id)
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


def _start_queued(audit_id: int) -> Response:
    """Start from the queue: an audit begun offline starts when its first change arrives, on
    the standard version the phone's copy was made with (`standard_version`) if still known."""
    audit_access.get_audit_or_404(current_user, audit_id)  # out of scope: no replay either
    replay = once.replayed(current_user)
    if replay is not None:
        return replay
    audit = _conductable(audit_id)
    offline_version = request.form.get("standard_version", type=int)

    def write() -> tuple[dict[str, Any], int]:
        if audit.status == AuditStatus.SCHEDULED:
            try:
                services.start(audit, actor=current_user, version_id=offline_version)
            except AuditError as error:
                return {"ok": False, "message": str(error.message)}, 409
        return {
            "ok": True,
            "status": audit.status.value,
            "standard_version": audit.standard_version_id,
        }, 200

    return once.run_once(current_user, write)


@bp.route("/<int:audit_id>/conduct")
@staff_only
def page(audit_id: int):
    audit = _conductable(audit_id)
    if audit.status == AuditStatus.SCHEDULED:
        return redirect(url_for("audits.detail", audit_id=audit.id))
    return _render_page(audit, forms.CompleteForm(), problems=[])


@bp.route("/<int:audit_id>/conduct/offline-copy")
@staff_only
def offline_copy(audit_id: int):
    """The conduct page as the phone keeps it for offline use; a scheduled audit shows the
    items starting it would lay out (it starts when the first change is sent)."""
    audit = _conductable(audit_id)
    return _render_page(audit, forms.CompleteForm(), problems=[])


def _render_page(audit: Audit, complete_form: forms.CompleteForm, problems: list, status=200):
    services.load_for_page(audit)
    version, answers = services.planned_answers(audit)
    if version is None:
        abort(404)
    started = audit.status != AuditStatus.SCHEDULED
    problem_items = {p.item_id: p.message for p in problems if p.item_id is not None}
    return render_template(
        "audits/conduct.html",
        audit=audit,
        standard_version=version,
        sections=report.sections_of(audit, answers=answers, version_id=version.id),
        photos=services.photos_of(answers) if started else defaultdict(list),
        previous=services.previous_answers(audit),
        progress=_progress(answers),
        complete_form=complete_form,
        problems=problems,
        problem_items=problem_items,
        results=list(AnswerResult),
    ), status


@bp.route("/<int:audit_id>/items/<int:item_id>", methods=["POST"])
@staff_only
def answer(audit_id: int, item_id: int):
    if _wants_json():
        audit_access.get_audit_or_404(current_user, audit_id)  # out of scope: no replay either
    replay = once.replayed(current_user) if _wants_json() else None
    if replay is not None:
        return replay
    audit = _conductable(audit_id)
    answer = _answer_or_404(audit, item_id)
    form = forms.AnswerForm()
    try:
        if not form.validate_on_submit():
            field, messages = next(iter(form.errors.items()))
            raise AuditError(messages[0] if messages else _("Check the answer."), field)
        new_photos = _checked_photos(form)
        if new_photos:  # checking them ended the transaction: load the audit again
            audit = _conductable(audit_id)
            answer = _answer_or_404(audit, item_id)
    except AuditError as error:
        db.session.rollback()
        if _wants_json():
            return jsonify({"ok": False, "field": error.field, "message": str(error.message)}), 422
        flash(
            _("%(code)s not saved: %(problem)s", code=answer.item.code, problem=error.message),
            "danger",
        )
        return redirect(_page_url(audit, item_id))
    if _wants_json():
        return once.run_once(current_user, lambda: _save_queued(audit, answer, form, new_photos))
    return _save_posted(audit, answer, form, new_photos)


def _save_queued(audit, answer, form, new_photos) -> tuple[dict[str, Any], int]:
    try:
        _save(audit, answer, form, new_photos)
        db.session.flush()
    except (AnswerConflict, StaleDataError):
        db.session.rollback()
        return _conflict_json(audit, answer), 409
    except AuditError as error:
        return {"ok": False, "field": error.field, "message": str(error.message)}, 422
    return _answer_json(audit, answer), 200


def _conflict_json(audit: Audit, answer: AuditAnswer) -> dict[str, Any]:
    """The answer as it is now, for the auditor to compare with their own change."""
    db.session.refresh(answer)
    return {
        "ok": False,
        "conflict": True,
        "message": _("This item was changed on another device since this one last saw it."),
        "current": _answer_json(audit, answer),
    }


def _save_posted(audit, answer, form, new_photos):
    """The answer posted without JavaScript: saved, or the page says why not."""
    code = answer.item.code
    try:
        _save(audit, answer, form, new_photos)
        db.session.flush()
    except (AnswerConflict, StaleDataError):
        db.session.rollback()
        flash(
            _("%(code)s was changed on another device: its answer now is shown.", code=code),
            "warning",
        )
        return redirect(_page_url(audit, answer.item_id))
    except AuditError as error:
        db.session.rollback()
        flash(_("%(code)s not saved: %(problem)s", code=code, problem=error.message), "danger")
        return redirect(_page_url(audit, answer.item_id))
    db.session.commit()
    flash(_("%(code)s saved.", code=code), "success")
    return redirect(_page_url(audit, answer.item_id))


def _checked_photos(form: forms.AnswerForm | forms.PhotosForm) -> list[storage.CheckedUpload]:
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
        audit,
        answer,
        result=result,
        note=form.note.data or "",
        actor=current_user,
        expected_version=form.version.data,
    )
    for photo in new_photos:
        services.add_photo(audit, answer, photo, actor=current_user)


def _answer_json(audit: Audit, answer: AuditAnswer) -> dict[str, Any]:
    return {
        "ok": True,
        "item_id": answer.item_id,
        "code": answer.item.code,
        "result": answer.result.value if answer.result else None,
        "result_label": str(answer.result.label) if answer.result else None,
        "note": answer.note,
        "version": answer.version,
        "photos": _photo_json(audit, services.photos_of([answer])[answer.id]),
        "saved_at": answer.answered_at.isoformat() if answer.answered_at else None,
        **_progress(audit.answers),
    }


@bp.route("/<int:audit_id>/items/<int:item_id>/photos", methods=["POST"])
@staff_only
def add_photos(audit_id: int, item_id: int):
    """New photos of one item, its answer untouched: the queue sends each photo alone."""
    audit_access.get_audit_or_404(current_user, audit_id)  # out of scope: no replay either
    replay = once.replayed(current_user)
    if replay is not None:
        return replay
    audit = _conductable(audit_id)
    _answer_or_404(audit, item_id)
    form = forms.PhotosForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        new_photos = _checked_photos(form)
    except AuditError as error:
        db.session.rollback()
        return _refusal(str(error.message), 422)
    audit = _conductable(audit_id)  # checking the photos ended the transaction
    answer = _answer_or_404(audit, item_id)

    def write() -> tuple[dict[str, Any], int]:
        try:
            for photo in new_photos:
                services.add_photo(audit, answer, photo, actor=current_user)
            db.session.flush()
        except AuditError as error:
            return {"ok": False, "field": "photo", "message": str(error.message)}, 422
        return _answer_json(audit, answer), 200

    return once.run_once(current_user, write)


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
    if _wants_json():
        return _complete_queued(audit_id)
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
    _flash_completed(result)
    return redirect(url_for("audits.detail", audit_id=audit.id))


def _flash_completed(result) -> None:
    flash(
        _("Audit completed: %(score)s%% (%(grade)s).", score=result.percentage, grade=result.grade),
        "success",
    )


def _complete_queued(audit_id: int) -> Response:
    """Completion from the queue, sent after the audit's answers and photos: the server
    checks it like any other completion."""
    audit_access.get_audit_or_404(current_user, audit_id)  # out of scope: no replay either
    replay = once.replayed(current_user)
    if replay is not None:
        return replay
    audit = _conductable(audit_id)
    form = forms.CompleteForm()
    if not form.validate_on_submit():
        messages = next(iter(form.errors.values()))
        return _refusal(str(messages[0]) if messages else _("Check the summary."), 422)

    def write() -> tuple[dict[str, Any], int]:
        try:
            result = services.complete(audit, summary=form.summary.data or "", actor=current_user)
        except AuditIncomplete as incomplete:
            problems = "; ".join(str(problem.message) for problem in incomplete.problems)
            return {"ok": False, "message": f"{incomplete.message} {problems}"}, 422
        except AuditError as error:
            return {"ok": False, "message": str(error.message)}, 422
        _flash_completed(result)
        return {
            "ok": True,
            "score": str(result.percentage),
            "grade": result.grade,
            "url": url_for("audits.detail", audit_id=audit.id),
        }, 200

    return once.run_once(current_user, write)
