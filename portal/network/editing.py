"""The edit flow shared by registry pages: validate, check the version, save, commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.csvio import CsvRejected
from portal.extensions import db
from portal.forms import ButtonForm, VersionedForm
from portal.network import services
from portal.network.forms import ImportForm


def save_form(
    form: VersionedForm,
    record: Any,
    create: Callable[[dict], Any],
    update: Callable[[Any, dict], Any],
) -> tuple[Any | None, list]:
    """Returns (saved record, conflicts); neither when the form must be shown again."""
    if not form.validate_on_submit():
        return None, []
    if record is not None and form.is_stale(record):
        conflicts = form.conflicts(record)
        form.adopt_version(record)
        return None, conflicts
    try:
        if record is None:
            record = create(form.data)
        else:
            update(record, form.data)
    except services.RegistryError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return None, []
    db.session.commit()
    return record, []


def toggle_active(record: Any) -> None:
    """The deactivate / reactivate button (a POST form with the wanted state)."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.set_active(record, request.form.get("active") == "1")
    db.session.commit()
    flash(_("Reactivated.") if record.active else _("Deactivated."), "success")


def import_page(
    importer: Callable[[Any], Any],
    *,
    columns: tuple[str, ...],
    title: str,
    back: str,
    template: str,
):
    """The CSV import page: upload, all-or-nothing import, per-row errors (422) or success."""
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            result = importer(form.file.data)
        except CsvRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
        else:
            db.session.commit()
            message = _(
                "Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            )
            flash(message, "success")
            return redirect(url_for(back))
    page = render_template(
        "network/import.html",
        form=form,
        errors=errors,
        columns=columns,
        title=title,
        back=url_for(back),
        template=url_for(template),
    )
    return page, (422 if errors else 200)
