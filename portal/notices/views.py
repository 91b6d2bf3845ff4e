"""Reading notices: the dealer's inbox, the staff list, a notice and its versions, and the
dealers' answers (read, acknowledge, execution per store)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, listing
from portal.access import notices as notice_access
from portal.access import roles, signed_in
from portal.extensions import db
from portal.forms import ButtonForm
from portal.metrics import notices as metrics
from portal.models import (
    ExecutionStatus,
    Notice,
    NoticeFile,
    NoticeKind,
    NoticeReceipt,
    NoticeStatus,
    NoticeVersion,
    Role,
)
from portal.notices import responses, services
from portal.notices.blueprint import bp
from portal.notices.forms import AcknowledgeForm, ExecutionForm
from portal.richtext import stored

SORTABLE = {
    "published": Notice.published_at,
    "title": Notice.title,
    "effective_from": Notice.effective_from,
    "status": Notice.status,
}
FILTERS = ("status", "kind")


@bp.route("/")
@signed_in
def index():
    if current_user.is_dealer:
        return _dealer_inbox()
    params = listing.read_params(SORTABLE, "-published", FILTERS)
    query = notice_access.visible_notices(current_user)
    query = listing.search(query, [Notice.title], params.q)
    if params.filters.get("status") in NoticeStatus.__members__.values():
        query = query.where(Notice.status == params.filters["status"])
    if params.filters.get("kind") in NoticeKind.__members__.values():
        query = query.where(Notice.kind == params.filters["kind"])
    page = listing.paginate(listing.order(query, params, SORTABLE, Notice.id.desc()), params)
    ids = [notice.id for notice in page.items]
    progress = metrics.progress_by_notice(current_user, Notice.id.in_(ids)) if ids else {}
    return render_template(
        "notices/index.html",
        page=page,
        params=params,
        progress=progress,
        statuses=NoticeStatus,
        kinds=NoticeKind,
        can_author=notice_access.can_author_notices(current_user),
    )


def _dealer_inbox():
    box = request.args.get("box", "to_acknowledge")
    if box not in metrics.INBOX_BOXES:
        box = "to_acknowledge"
    today = clock.today()
    query = (
        metrics.dealer_notices(current_user, Notice)
        .where(metrics.inbox_condition(box, today))
        .order_by(Notice.published_at.desc(), Notice.id.desc())
    )
    page = db.paginate(query, page=listing.page_arg(), per_page=25, error_out=False)
    receipts = _receipts_of(current_user.dealer_id, page.items)
    return render_template(
        "notices/inbox.html",
        page=page,
        box=box,
        counts=metrics.inbox_counts(current_user, today),
        receipts=receipts,
        today=today,
        button=ButtonForm(),
    )


def _receipts_of(dealer_id: int, notices: list[Notice]) -> dict[int, NoticeReceipt]:
    """The dealer's receipt of each notice's current version."""
    if not notices:
        return {}
    current = {n.id: n.current_version for n in notices}
    rows = db.session.scalars(
        select(NoticeReceipt)
        .where(NoticeReceipt.dealer_id == dealer_id, NoticeReceipt.notice_id.in_(current))
        .options(joinedload(NoticeReceipt.read_by), joinedload(NoticeReceipt.acknowledged_by))
    )
    return {r.notice_id: r for r in rows if r.version_number == current[r.notice_id]}


def _load(notice_id: int) -> Notice:
    """The notice (already access-checked) with everything its pages show, loaded at once."""
    return db.session.scalars(
        select(Notice)
        .where(Notice.id == notice_id)
        .options(
            selectinload(Notice.versions).joinedload(NoticeVersion.published_by),
            selectinload(Notice.files).joinedload(NoticeFile.attachment),
            selectinload(Notice.regions),
            selectinload(Notice.dealers),
            selectinload(Notice.stores),
            joinedload(Notice.created_by),
        )
        .execution_options(populate_existing=True)
    ).one()


@bp.route("/<int:notice_id>")
@signed_in
def detail(notice_id: int):
    notice_access.get_notice_or_404(current_user, notice_id)
    return _render_detail(_load(notice_id))


def _render_detail(notice: Notice, *, errors: dict[int, str] | None = None, status: int = 200):
    today = clock.today()
    context = {
        "notice": notice,
        "body_html": stored(notice.body_html),
        "files": notice.current_files(),
        "today": today,
        "errors": errors or {},
    }
    if current_user.is_dealer:
        context.update(
            receipt=_receipts_of(current_user.dealer_id, [notice]).get(notice.id),
            store_lines=metrics.store_lines(notice, current_user, today),
            can_respond=notice_access.can_respond(current_user, notice),
            ack_form=AcknowledgeForm(version=notice.current_version),
            execution_form=ExecutionForm(version=notice.current_version),
        )
    else:
        can_manage = notice_access.can_manage_notice(current_user, notice)
        context.update(
            chosen=notice_access.chosen_in_scope(current_user, notice),
            progress=metrics.progress(notice, current_user, today),
            can_manage=can_manage,
            history=services.authoring_history(notice) if can_manage else [],
        )
    return render_template("notices/detail.html", **context), status


@bp.route("/<int:notice_id>/versions/<int:number>")
@signed_in
def version(notice_id: int, number: int):
    notice_access.get_notice_or_404(current_user, notice_id)
    notice = _load(notice_id)
    shown = next((v for v in notice.versions if v.number == number), None)
    if shown is None:
        abort(404)
    receipt = None
    if current_user.is_dealer:
        receipt = db.session.scalar(
            select(NoticeReceipt)
            .where(
                NoticeReceipt.notice_id == notice.id,
                NoticeReceipt.dealer_id == current_user.dealer_id,
                NoticeReceipt.version_number == number,
            )
            .options(joinedload(NoticeReceipt.acknowledged_by))
        )
    return render_template(
        "notices/version.html",
        notice=notice,
        shown=shown,
        body_html=stored(shown.body_html),
        files=notice.files_of_version(number),
        receipt=receipt,
    )


def _respondable(notice_id: int) -> Notice:
    """A published notice addressed to the signed-in dealer user (locked for this answer)."""
    notice = notice_access.get_notice_or_404(current_user, notice_id, for_update=True)
    if not notice.is_published:
        message = _("This notice is archived and takes no more answers.")
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
            "application/json"
        ):  # the phone's offline queue: it shows the reason
            response = jsonify(ok=False, message=message)
            response.status_code = 409
            abort(response)
        flash(message, "warning")
        abort(redirect(url_for("notices.detail", notice_id=notice.id)))
    return notice


@bp.route("/<int:notice_id>/open", methods=["POST"])
@roles(Role.DEALER)
def open_notice(notice_id: int):
    """Open from the inbox: marks the current version read, then shows it."""
    notice = notice_access.get_notice_or_404(current_user, notice_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if responses.mark_read(notice, user=current_user):
        db.session.commit()
    return redirect(url_for("notices.detail", notice_id=notice.id))


@bp.route("/<int:notice_id>/read", methods=["POST"])
@roles(Role.DEALER)
def mark_read(notice_id: int):
    """Sent by notices.js when a dealer user opens a notice by its address."""
    notice = notice_access.get_notice_or_404(current_user, notice_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if responses.mark_read(notice, user=current_user):
        db.session.commit()
    return "", 204


@bp.route("/<int:notice_id>/acknowledge", methods=["POST"])
@roles(Role.DEALER)
def acknowledge(notice_id: int):
    notice = _respondable(notice_id)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        recorded = responses.acknowledge(notice, user=current_user, version=form.version.data)
    except services.NoticeError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        if recorded:
            flash(
                _("You acknowledged version %(number)s.", number=notice.current_version),
                "success",
            )
        else:
            flash(_("Your dealer had already acknowledged this version."), "info")
    return redirect(url_for("notices.detail", notice_id=notice.id))


@bp.route("/<int:notice_id>/stores/<int:store_id>/execution", methods=["POST"])
@roles(Role.DEALER)
def report_execution(notice_id: int, store_id: int):
    """A store's execution report. From a phone's offline queue (asking for JSON) it may come
    twice: the report is kept once per notice, store and version, so the second changes
    nothing and is answered the same."""
    queued = request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )
    notice = notice_access.get_notice_or_404(current_user, notice_id)
    store = notice_access.get_target_store_or_404(current_user, notice, store_id)
    form = ExecutionForm()
    if not form.validate_on_submit():
        if queued:
            return jsonify(ok=False, message=_("This report is incomplete.")), 422
        abort(400)
    try:
        photo = responses.check_photo(form.photo.data)  # before the notice is locked (S20)
        notice = _respondable(notice_id)
        store = notice_access.get_target_store_or_404(current_user, notice, store_id)
        _execution, changed = responses.report_execution(
            notice,
            store,
            user=current_user,
            version=form.version.data,
            status=form.status.data,
            reason=form.reason.data,
            photo=photo,
        )
    except services.NoticeError as error:
        db.session.rollback()
        if queued:
            status = 409 if error.field == "version" else 422
            return jsonify(ok=False, message=str(error.message)), status
        if error.field == "version":
            flash(error.message, "warning")
            return redirect(url_for("notices.detail", notice_id=notice.id))
        return _render_detail(_load(notice.id), errors={store.id: error.message}, status=422)
    db.session.commit()
    if not changed:
        flash(_("Store %(code)s had already reported.", code=store.code), "info")
    elif form.status.data == ExecutionStatus.DONE:
        flash(_("Execution confirmed for store %(code)s.", code=store.code), "success")
    else:
        flash(_("Reported not possible for store %(code)s.", code=store.code), "success")
    url = url_for("notices.detail", notice_id=notice.id, _anchor=f"store-{store.id}")
    return jsonify(ok=True, url=url) if queued else redirect(url)
