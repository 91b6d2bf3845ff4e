"""The kinds of qualification document (admins): their names, whether they expire, and the
dealer kinds that must hold a valid one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import admin_only
from portal.contracts import services
from portal.contracts.blueprint import bp
from portal.contracts.forms import DocumentKindForm
from portal.contracts.pages import show_error
from portal.extensions import db
from portal.models import DealerKind, DocumentKind


@bp.route("/kinds")
@admin_only
def kinds():
    found = db.session.scalars(
        select(DocumentKind)
        .options(selectinload(DocumentKind.requirements))
        .order_by(DocumentKind.sort_order, DocumentKind.name)
    ).all()
    return render_template("contracts/kinds.html", kinds=found)


def _save(kind: DocumentKind | None):
    form = DocumentKindForm(obj=kind) if kind is not None else DocumentKindForm()
    if kind is not None and not form.is_submitted():
        form.required_for.data = sorted(k.value for k in kind.required_for)
        form.adopt_version(kind)

    def render(status: int = 200):
        return render_template("contracts/kind.html", kind=kind, form=form), status

    if not form.validate_on_submit():
        return render(422 if form.is_submitted() else 200)
    try:
        saved = services.save_document_kind(
            kind,
            code=form.code.data,
            name=form.name.data,
            name_zh=form.name_zh.data or "",
            expires=form.expires.data,
            active=form.active.data,
            required_for=[DealerKind(value) for value in form.required_for.data or []],
            version=form.version.data if form.version.raw_data else None,
            actor=current_user,
        )
    except services.ContractError as error:
        db.session.rollback()
        show_error(form, error, "code")
        return render(409 if error.field == "version" else 422)
    db.session.commit()
    flash(_("%(kind)s saved.", kind=saved.label), "success")
    return redirect(url_for("contracts.kinds"))


@bp.route("/kinds/new", methods=["GET", "POST"])
@admin_only
def kind_new():
    return _save(None)


@bp.route("/kinds/<int:document_kind_id>", methods=["GET", "POST"])
@admin_only
def kind_edit(document_kind_id: int):
    kind = db.get_or_404(DocumentKind, document_kind_id)
    return _save(kind)
