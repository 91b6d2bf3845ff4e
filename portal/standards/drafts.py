"""Building a draft: its sections and items, their order. Published versions refuse all."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import admin_only
from portal.access import audits as access
from portal.extensions import db
from portal.models import StandardItem, StandardSection, StandardVersion
from portal.standards import editing, services
from portal.standards.forms import ItemForm, SectionForm

bp = Blueprint("drafts", __name__, url_prefix="/standards")


# Sections


def _get_section(section_id: int) -> StandardSection:
    section = db.session.get(StandardSection, section_id)
    if section is None or not access.can_view_standards(current_user):
        abort(404)
    return section


def _get_item(item_id: int) -> StandardItem:
    item = db.session.get(StandardItem, item_id)
    if item is None or not access.can_view_standards(current_user):
        abort(404)
    return item


@bp.route("/versions/<int:version_id>/sections/new", methods=["GET", "POST"])
@admin_only
def add_section(version_id: int):
    version = access.get_standard_version_or_404(current_user, version_id)
    if not version.is_draft:
        return editing.frozen_page(services.StandardFrozen())
    form = SectionForm()
    if form.validate_on_submit():
        ok, result = editing.run(
            lambda: services.add_section(version, title=form.title.data, actor=current_user),
            lambda error: form.title.errors.append(error.message),
        )
        if ok:
            return redirect(editing.version_url(version, f"section-{result.id}"))
        if result is not None:
            return result
    return render_template("standards/section.html", form=form, version=version, section=None)


@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_section(section_id: int):
    section = _get_section(section_id)
    if not section.version.is_draft:
        return editing.frozen_page(services.StandardFrozen())
    version = section.version
    # Sections have no version column of their own: the draft's version guards them.
    form = SectionForm(data={"title": section.title, "version": version.version})
    conflicts = []
    if form.validate_on_submit():
        # A stale form that asks for the title the section now has overwrites nothing.
        conflicts = form.conflicts(section) if form.is_stale(version) else []
        if conflicts:
            form.adopt_version(version)
        else:
            ok, result = editing.run(
                lambda: services.rename_section(section, title=form.title.data, actor=current_user),
                lambda error: form.title.errors.append(error.message),
            )
            if ok:
                return redirect(editing.version_url(version, f"section-{section.id}"))
            if result is not None:
                return result
    return render_template(
        "standards/section.html", form=form, version=version, section=section, conflicts=conflicts
    ), (409 if conflicts else 200)


@bp.route("/sections/<int:section_id>/delete", methods=["POST"])
@admin_only
def delete_section(section_id: int):
    section = _get_section(section_id)
    version = section.version
    editing.require_button()
    ok, result = editing.run(
        lambda: services.delete_section(section, actor=current_user), editing.back_to(version)
    )
    if not ok:
        return result
    flash(_("Section deleted."), "success")
    return redirect(editing.version_url(version))


@bp.route("/sections/<int:section_id>/move", methods=["POST"])
@admin_only
def move_section(section_id: int):
    section = _get_section(section_id)
    editing.require_button()
    direction = -1 if request.form.get("direction") == "up" else 1
    ok, result = editing.run(
        lambda: services.move_section(section, direction, actor=current_user),
        editing.back_to(section.version),
    )
    if not ok:
        return result
    return redirect(editing.version_url(section.version, f"section-{section.id}"))


# Items


def _item_form(version: StandardVersion, item: StandardItem | None) -> ItemForm:
    form = ItemForm(obj=item)
    form.section_id.choices = [(s.id, s.title) for s in version.sections]
    return form


@bp.route("/sections/<int:section_id>/items/new", methods=["GET", "POST"])
@admin_only
def add_item(section_id: int):
    section = _get_section(section_id)
    version = section.version
    if not version.is_draft:
        return editing.frozen_page(services.StandardFrozen())
    form = _item_form(version, None)
    if request.method == "GET":
        form.section_id.data = section.id
        form.code.data = services.next_item_code(version)
    if form.validate_on_submit():
        target = db.session.get(StandardSection, form.section_id.data)
        if target is None or target.version is not version:
            target = section
        ok, result = editing.run(
            lambda: services.add_item(target, form.data, actor=current_user),
            lambda error: form[error.field or "code"].errors.append(error.message),
        )
        if ok:
            flash(_("Item %(code)s added.", code=result.code), "success")
            return redirect(editing.version_url(version, f"item-{result.id}"))
        if result is not None:
            return result
    return render_template("standards/item.html", form=form, version=version, item=None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_item(item_id: int):
    item = _get_item(item_id)
    version = item.section.version
    if not version.is_draft:
        return editing.frozen_page(services.StandardFrozen())
    form = _item_form(version, item)
    conflicts = []
    if form.validate_on_submit():
        if form.is_stale(item):
            conflicts = form.conflicts(item)
            form.adopt_version(item)
        else:
            target = db.session.get(StandardSection, form.section_id.data)
            ok, result = editing.run(
                lambda: services.update_item(item, form.data, actor=current_user, section=target),
                lambda error: form[error.field or "code"].errors.append(error.message),
            )
            if ok:
                flash(_("Item %(code)s saved.", code=item.code), "success")
                return redirect(editing.version_url(version, f"item-{item.id}"))
            if result is not None:
                return result
    return render_template(
        "standards/item.html", form=form, version=version, item=item, conflicts=conflicts
    ), (409 if conflicts else 200)


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@admin_only
def delete_item(item_id: int):
    item = _get_item(item_id)
    version = item.section.version
    editing.require_button()
    ok, result = editing.run(
        lambda: services.delete_item(item, actor=current_user), editing.back_to(version)
    )
    if not ok:
        return result
    flash(_("Item deleted."), "success")
    return redirect(editing.version_url(version))


@bp.route("/items/<int:item_id>/move", methods=["POST"])
@admin_only
def move_item(item_id: int):
    item = _get_item(item_id)
    editing.require_button()
    direction = -1 if request.form.get("direction") == "up" else 1
    ok, result = editing.run(
        lambda: services.move_item(item, direction, actor=current_user),
        editing.back_to(item.section.version),
    )
    if not ok:
        return result
    return redirect(editing.version_url(item.section.version, f"item-{item.id}"))
