"""The edit flow shared by registry pages: validate, check the version, save, commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, request
from flask_babel import gettext as _

from portal.extensions import db
from portal.forms import ButtonForm, VersionedForm
from portal.network import services


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
