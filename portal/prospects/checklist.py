"""The screening checklist: each criterion's result, note and documents, saved together."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.access import prospects as rules
from portal.access import staff_only
from portal.extensions import db
from portal.models import AnswerResult
from portal.prospects import screening, services
from portal.prospects.blueprint import bp
from portal.prospects.forms import ScreeningForm
from portal.prospects.pages import load_for_page, ordered_answers


def _page(prospect, form: ScreeningForm, *, posted: bool = False, status: int = 200):
    editable = rules.can_edit_screening(current_user, prospect)
    return render_template(
        "prospects/screening.html",
        prospect=prospect,
        answers=ordered_answers(prospect),
        documents=screening.documents_of(prospect),
        score=screening.score_of(prospect),
        form=form,
        editable=editable,
        posted=posted,
        results=[(result.value, result.label) for result in AnswerResult],
        documents_max=screening.DOCUMENTS_MAX,
    ), status


@bp.route("/<int:prospect_id>/screening")
@staff_only
def screening_page(prospect_id: int):
    prospect = load_for_page(prospect_id)
    if prospect.standard_version_id is None:
        flash(_("The screening starts once the prospect has been contacted."), "info")
        return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    return _page(prospect, ScreeningForm(obj=prospect, formdata=None))


@bp.route("/<int:prospect_id>/screening/save", methods=["POST"])
@staff_only
def save_screening(prospect_id: int):
    prospect = rules.get_prospect_or_404(current_user, prospect_id)
    form = ScreeningForm()
    if not form.validate_on_submit():
        abort(400)
    if not rules.can_edit_screening(current_user, prospect):
        flash(_("The screening can be changed only while the prospect is in it."), "warning")
        return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    answer_ids = {answer.id: answer.item_id for answer in prospect.answers}
    files = {
        answer_id: request.files.getlist(f"documents-{item_id}")
        for answer_id, item_id in answer_ids.items()
    }
    try:
        # Files are decoded in a child before anything is written (check S20).
        checked = {
            answer_id: storage.check_before_writing(uploads)
            for answer_id, uploads in files.items()
            if any(upload.filename for upload in uploads)
        }
    except storage.UploadRejected as rejected:
        db.session.rollback()
        prospect = load_for_page(prospect_id)
        flash(str(rejected), "danger")
        return _page(prospect, form, posted=True, status=422)
    prospect = rules.get_prospect_or_404(current_user, prospect_id, for_update=True)
    prospect = load_for_page(prospect.id)
    if form.is_stale(prospect):
        form.adopt_version(prospect)
        flash(
            _(
                "Someone else changed this screening while you were answering. Nothing was "
                "saved: check the answers below (yours), choose any documents again, and save."
            ),
            "warning",
        )
        return _page(prospect, form, posted=True, status=409)
    values = {
        item_id: (
            request.form.get(f"result-{item_id}", ""),
            request.form.get(f"note-{item_id}", ""),
        )
        for item_id in answer_ids.values()
    }
    documents = screening.documents_of(prospect)
    try:
        screening.save_answers(prospect, values, actor=current_user)
        for answer in prospect.answers:
            if answer.id in checked:
                screening.add_documents(
                    prospect,
                    answer,
                    checked[answer.id],
                    actor=current_user,
                    existing=len(documents.get(answer.id, [])),
                )
        db.session.commit()
    except (services.ProspectError, storage.UploadRejected) as error:
        db.session.rollback()
        prospect = load_for_page(prospect_id)
        flash(str(getattr(error, "message", error)), "danger")
        return _page(prospect, form, posted=True, status=422)
    result = screening.score_of(prospect)
    if result is None:
        flash(_("Saved. Answer the remaining criteria to get the score."), "success")
    else:
        flash(
            _(
                "Saved. Screening score: %(score)s%% (%(grade)s).",
                score=result.percentage,
                grade=result.grade,
            ),
            "success",
        )
    return redirect(url_for("prospects.detail", prospect_id=prospect.id))
