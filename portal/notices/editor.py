"""Authoring pages: new notice, edit (draft, typo fix or material change), publish, archive."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.access import dealer_scope, region_ids_of, staff_only, visible_dealers
from portal.access import notices as notice_access
from portal.extensions import db
from portal.forms import VersionedForm
from portal.models import (
    Audience,
    Dealer,
    Notice,
    NoticeKind,
    NoticeStatus,
    Region,
    Store,
    StoreStatus,
)
from portal.notices import files as notice_files
from portal.notices import services
from portal.notices.blueprint import bp
from portal.notices.forms import NewNoticeForm, NoticeForm, RevisionForm
from portal.storage import CheckedUpload


def _fill_choices(form: NoticeForm, notice: Notice | None) -> None:
    """Only what the author may address: supervisors see their regions, dealers and stores."""
    user = current_user
    audiences = list(Audience) if user.is_admin else [a for a in Audience if a != Audience.NETWORK]
    form.audience.choices = [(a.value, a.label) for a in audiences]
    regions = select(Region).where(Region.active.is_(True)).order_by(Region.name)
    if not user.is_admin:
        regions = regions.where(Region.id.in_(region_ids_of(user)))
    form.region_ids.choices = [(r.id, r.name) for r in db.session.scalars(regions)]
    dealers = visible_dealers(user).where(Dealer.active.is_(True)).order_by(Dealer.code)
    form.dealer_ids.choices = [(d.id, f"{d.code} {d.name}") for d in db.session.scalars(dealers)]
    stores = (
        select(Store.id, Store.code, Store.name, Dealer.code.label("dealer_code"))
        .join(Dealer, Store.dealer_id == Dealer.id)
        .where(dealer_scope(user, Store.dealer_id), Dealer.active.is_(True))
        .where(Store.active.is_(True), Store.status == StoreStatus.OPEN)
        .order_by(Store.code)
    )
    form.store_ids.choices = [
        (s.id, f"{s.code} {s.name} ({s.dealer_code})") for s in db.session.execute(stores)
    ]
    current = notice.current_files() if notice is not None else []
    form.remove_file_ids.choices = [(f.id, f.attachment.filename) for f in current]


def _prefill(form: NoticeForm, notice: Notice) -> None:
    form.region_ids.data = [r.id for r in notice.regions]
    form.dealer_ids.data = [d.id for d in notice.dealers]
    form.store_ids.data = [s.id for s in notice.stores]
    form.audience_kind.data = notice.audience_kind.value if notice.audience_kind else ""
    form.audience.data = notice.audience


def _show_error(form: NoticeForm, error: services.NoticeError) -> None:
    db.session.rollback()
    field = getattr(form, error.field, None)
    if field is not None and error.field != "version" and isinstance(field.errors, list):
        field.errors.append(error.message)
    else:
        flash(error.message, "danger")


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def create():
    if not notice_access.can_author_notices(current_user):
        abort(403)
    wanted = request.args.get("kind", "")
    kind = NoticeKind(wanted) if wanted in NoticeKind.__members__.values() else NoticeKind.POLICY
    form = NewNoticeForm()
    _fill_choices(form, None)
    if request.method == "GET":
        form.effective_from.data = clock.today()
        form.audience.data = Audience.REGIONS
    if form.validate_on_submit():
        values = {**form.data, "kind": kind}
        try:
            notice, created = services.create_notice(
                values,
                author=current_user,
                files=notice_files.check_files(form.files.data or []),
                token=form.submission_token.data,
            )
        except services.NoticeError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            if created:
                flash(_("Draft saved. Check it, then publish it."), "success")
            return redirect(url_for("notices.detail", notice_id=notice.id))
    return render_template("notices/edit.html", form=form, notice=None, kind=kind)


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(notice_id: int):
    notice = notice_access.get_manageable_notice_or_404(current_user, notice_id)
    if notice.status == NoticeStatus.ARCHIVED:
        flash(_("Archived notices cannot be changed."), "warning")
        return redirect(url_for("notices.detail", notice_id=notice.id))
    form_class = NoticeForm if notice.is_draft else RevisionForm
    form = form_class(obj=notice)
    _fill_choices(form, notice)
    if request.method == "GET":
        _prefill(form, notice)
    conflicts = []
    if form.validate_on_submit():
        try:
            files = _checked_files(form, notice)
        except services.NoticeError as error:
            _show_error(form, error)
        else:
            notice = notice_access.get_manageable_notice_or_404(
                current_user, notice_id, for_update=True
            )
            if form.is_stale(notice):
                conflicts = form.conflicts(notice)
                form.version.data = notice.version
            elif _save(form, notice, files):
                db.session.commit()
                return redirect(url_for("notices.detail", notice_id=notice.id))
    return render_template(
        "notices/edit.html", form=form, notice=notice, kind=notice.kind, conflicts=conflicts
    ), (409 if conflicts else 200)


def _checked_files(form: NoticeForm, notice: Notice) -> list[FileStorage | CheckedUpload]:
    """New files, decoded before anything is locked or written (S20); a typo fix refuses
    files anyway, so they are not decoded for it."""
    if not notice.is_draft and form.change.data == "typo":
        return [f for f in form.files.data or [] if isinstance(f, FileStorage) and f.filename]
    return list(notice_files.check_files(form.files.data or []))


def _save(form: NoticeForm, notice: Notice, files: list[FileStorage | CheckedUpload]) -> bool:
    remove = form.remove_file_ids.data or []
    try:
        if notice.is_draft:
            services.update_draft(
                notice, form.data, actor=current_user, files=files, remove_file_ids=remove
            )
            flash(_("Draft saved."), "success")
        elif form.change.data == "typo":
            if files or remove:
                raise services.NoticeError(
                    "change", _("Adding or removing files is a material change.")
                )
            changed = services.correct_typo(notice, form.data, actor=current_user)
            if changed:
                flash(_("Corrected. The version stays %(n)s.", n=notice.current_version), "success")
            else:
                flash(_("Nothing was changed."), "info")
        else:
            services.make_material_change(
                notice,
                form.data,
                actor=current_user,
                change_note=form.change_note.data or "",
                files=files,
                remove_file_ids=remove,
            )
            flash(
                _(
                    "Version %(n)s published. The audience must acknowledge it again.",
                    n=notice.current_version,
                ),
                "success",
            )
    except services.NoticeError as error:
        _show_error(form, error)
        db.session.refresh(notice)  # the page shows the record as stored, not half-changed
        return False
    return True


def _checked_button(notice: Notice) -> bool:
    """The action buttons post the version they were shown with."""
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    if form.is_stale(notice):
        flash(_("This notice was changed by someone else. Check it and try again."), "warning")
        return False
    return True


@bp.route("/<int:notice_id>/publish", methods=["POST"])
@staff_only
def publish(notice_id: int):
    notice = notice_access.get_manageable_notice_or_404(current_user, notice_id, for_update=True)
    if not notice.is_draft:
        flash(_("This notice is already published."), "info")
    elif _checked_button(notice):
        try:
            services.publish(notice, actor=current_user)
        except services.NoticeError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Published. The audience has been told."), "success")
    return redirect(url_for("notices.detail", notice_id=notice_id))


@bp.route("/<int:notice_id>/archive", methods=["POST"])
@staff_only
def archive(notice_id: int):
    notice = notice_access.get_manageable_notice_or_404(current_user, notice_id, for_update=True)
    if notice.is_published and _checked_button(notice):
        services.archive(notice, actor=current_user)
        db.session.commit()
        flash(_("Archived. Dealers no longer answer it."), "success")
    return redirect(url_for("notices.detail", notice_id=notice_id))


@bp.route("/<int:notice_id>/delete", methods=["POST"])
@staff_only
def delete(notice_id: int):
    notice = notice_access.get_manageable_notice_or_404(current_user, notice_id, for_update=True)
    if not _checked_button(notice):
        return redirect(url_for("notices.detail", notice_id=notice_id))
    try:
        services.delete_draft(notice, actor=current_user)
    except services.NoticeError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("notices.detail", notice_id=notice_id))
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("notices.index"))
