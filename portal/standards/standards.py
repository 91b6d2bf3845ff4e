"""Standards and their versions: list, create, import, publish, export, retire."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import activity
from portal.access import admin_only, staff_only
from portal.access import audits as access
from portal.blueprints import AreaBlueprint
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import Standard, StandardPurpose, StandardSection, StandardVersion
from portal.standards import editing, services, transfer
from portal.standards.forms import (
    ImportForm,
    PublishForm,
    RenameStandardForm,
    StandardForm,
)

bp = AreaBlueprint("standards", __name__, url_prefix="/standards")


@bp.route("/")
@staff_only
def index():
    standards = db.session.scalars(
        select(Standard)
        .options(
            selectinload(Standard.versions)
            .selectinload(StandardVersion.sections)
            .selectinload(StandardSection.items)
        )
        .order_by(Standard.active.desc(), Standard.code)
    ).all()
    rows = [(s, services.current_version(s), services.draft_of(s)) for s in standards]
    return render_template("standards/index.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = StandardForm()
    if form.validate_on_submit():
        ok, result = editing.run(
            lambda: services.create_standard(
                code=form.code.data,
                name=form.name.data,
                actor=current_user,
                purpose=StandardPurpose(form.purpose.data),
            ),
            lambda error: form[error.field or "code"].errors.append(error.message),
        )
        if ok:
            flash(_("Standard created. Add its sections and items, then publish it."), "success")
            return redirect(editing.version_url(result))
    return render_template("standards/new.html", form=form)


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def import_json():
    form = ImportForm()
    problems: list[transfer.ImportProblem] = []
    if form.validate_on_submit():
        data = form.file.data.stream.read(current_limit() + 1)
        try:
            if len(data) > current_limit():
                raise transfer.ImportRejected(
                    [transfer.ImportProblem("file", _("The file is too large."))]
                )
            version = transfer.import_standard(data, actor=current_user)
        except transfer.ImportRejected as rejected:
            db.session.rollback()
            problems = rejected.problems
        else:
            db.session.commit()
            flash(_("Imported as draft version %(number)d.", number=version.number), "success")
            return redirect(editing.version_url(version))
    status = 422 if problems else 200
    return render_template("standards/import.html", form=form, problems=problems), status


def current_limit() -> int:
    from flask import current_app

    return int(current_app.config["STANDARD_IMPORT_MAX_BYTES"])


def _with_content(query):
    return query.options(selectinload(StandardVersion.sections).selectinload(StandardSection.items))


@bp.route("/<int:standard_id>")
@staff_only
def detail(standard_id: int):
    standard = access.get_standard_or_404(current_user, standard_id)
    db.session.scalars(
        _with_content(select(StandardVersion).where(StandardVersion.standard_id == standard.id))
    ).all()
    versions = list(reversed(standard.versions))
    return render_template(
        "standards/detail.html",
        standard=standard,
        versions=versions,
        current=services.current_version(standard),
        draft=services.draft_of(standard),
        audit_counts=services.audit_counts([v.id for v in versions]),
        history=activity.history_for(standard),
        can_manage=access.can_manage_standards(current_user),
        button=ButtonForm(),
    )


@bp.route("/<int:standard_id>/rename", methods=["GET", "POST"])
@admin_only
def rename(standard_id: int):
    standard = access.get_standard_or_404(current_user, standard_id)
    form = RenameStandardForm(obj=standard)
    conflicts = []
    if form.validate_on_submit():
        if form.is_stale(standard):
            conflicts = form.conflicts(standard)
            form.adopt_version(standard)
        else:
            services.rename_standard(standard, name=form.name.data, actor=current_user)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("standards.detail", standard_id=standard.id))
    return render_template(
        "standards/rename.html", form=form, standard=standard, conflicts=conflicts
    ), (409 if conflicts else 200)


@bp.route("/<int:standard_id>/edit", methods=["POST"])
@admin_only
def edit(standard_id: int):
    """Start (or return to) the draft version: published versions are never edited."""
    standard = access.get_standard_or_404(current_user, standard_id)
    editing.require_button()
    draft = services.start_draft(standard, actor=current_user)
    db.session.commit()
    return redirect(editing.version_url(draft))


@bp.route("/<int:standard_id>/active", methods=["POST"])
@admin_only
def set_active(standard_id: int):
    standard = access.get_standard_or_404(current_user, standard_id)
    editing.require_button()
    services.set_active(standard, request.form.get("active") == "1", actor=current_user)
    db.session.commit()
    flash(_("Reactivated.") if standard.active else _("Retired: no new audits use it."), "success")
    return redirect(url_for("standards.detail", standard_id=standard.id))


@bp.route("/versions/<int:version_id>")
@staff_only
def version(version_id: int):
    version = access.get_standard_version_or_404(current_user, version_id)
    return _version_page(version)


def _version_page(version: StandardVersion, stale_publish: PublishForm | None = None) -> str:
    """The version with its content; `stale_publish` is a refused publish, shown again."""
    db.session.scalars(
        _with_content(select(StandardVersion).where(StandardVersion.id == version.id))
    ).all()
    editable = version.is_draft and access.can_manage_standards(current_user)
    publish_form = stale_publish
    if publish_form is None and editable:
        publish_form = PublishForm(obj=version)
    return render_template(
        "standards/version.html",
        version=version,
        standard=version.standard,
        editable=editable,
        problems=services.publish_problems(version) if editable else [],
        publish_form=publish_form,
        stale=stale_publish is not None,
        history=activity.history_for(version),
        button=ButtonForm(),
    )


@bp.route("/versions/<int:version_id>/export.json")
@staff_only
def export(version_id: int):
    version = access.get_standard_version_or_404(current_user, version_id)
    body = json.dumps(transfer.export_version(version), ensure_ascii=False, indent=2)
    name = f"standard-{version.standard.code}-v{version.number}.json"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@admin_only
def publish(version_id: int):
    version = access.get_standard_version_or_404(current_user, version_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if version.is_draft and form.is_stale(version):
        # Show the draft as it is now; publishing again from this page publishes what it shows.
        form.adopt_version(version)
        return _version_page(version, form), 409
    ok, result = editing.run(
        lambda: services.publish(version, notes=form.notes.data or "", actor=current_user),
        editing.back_to(version),
    )
    if not ok:
        return result
    flash(
        _("Version %(number)d published. New audits use it from now on.", number=version.number),
        "success",
    )
    return redirect(editing.version_url(version))


@bp.route("/versions/<int:version_id>/discard", methods=["POST"])
@admin_only
def discard(version_id: int):
    version = access.get_standard_version_or_404(current_user, version_id)
    editing.require_button()
    ok, result = editing.run(
        lambda: services.discard_draft(version, actor=current_user), editing.back_to(version)
    )
    if not ok:
        return result
    flash(_("Draft discarded."), "success")
    if result is None:
        return redirect(url_for("standards.index"))
    return redirect(url_for("standards.detail", standard_id=result.id))
