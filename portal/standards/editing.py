"""The change flow shared by the standards pages: run a service, commit or explain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from portal.errors import render_error
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import StandardVersion
from portal.standards import services


def frozen_page(error: services.StandardError):
    db.session.rollback()
    return render_error(409, _("This version is frozen"), str(error.message))


def version_url(version: StandardVersion, anchor: str | None = None) -> str:
    return url_for("standards.version", version_id=version.id, _anchor=anchor)


def run(change: Callable[[], Any], on_error: Callable[[services.StandardError], Any]):
    """Call a service; commit on success, roll back and hand the error over otherwise."""
    try:
        result = change()
    except services.StandardFrozen as error:
        return False, frozen_page(error)
    except services.StandardError as error:
        db.session.rollback()
        return False, on_error(error)
    db.session.commit()
    return True, result


def back_to(version: StandardVersion) -> Callable[[services.StandardError], Any]:
    def on_error(error: services.StandardError):
        flash(str(error.message), "danger")
        return redirect(version_url(version))

    return on_error


def require_button() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)
