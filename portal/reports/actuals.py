"""Uploading actuals as CSV: dealers for their own stores, supervisors for their regions."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import access, clock
from portal.access import signed_in
from portal.csvio import CsvRejected, template_response
from portal.extensions import db
from portal.reports import csv_import, services
from portal.reports.blueprint import bp
from portal.reports.forms import ImportActualsForm


@bp.route("/import", methods=["GET", "POST"])
@signed_in
def import_actuals():
    if not access.can_upload_actuals(current_user):
        abort(404)
    form = ImportActualsForm()
    errors = []
    if form.validate_on_submit():
        try:
            result = csv_import.import_actuals(
                form.file.data,
                user=current_user,
                window=services.report_window(clock.today(), current_app.config),
                max_money=current_app.config["MONEY_MAX"],
                max_count=current_app.config["COUNT_MAX"],
            )
        except CsvRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
        else:
            db.session.commit()
            if result.unchanged:
                flash(
                    _(
                        "Nothing changed: the %(rows)d rows match what the reports already hold.",
                        rows=result.rows,
                    ),
                    "info",
                )
            else:
                flash(
                    _(
                        "Actuals imported: %(rows)d rows, %(created)d new draft reports, "
                        "%(changed)d figures changed.",
                        rows=result.rows,
                        created=result.reports_created,
                        changed=result.lines_changed,
                    ),
                    "success",
                )
            return redirect(url_for("reports.import_actuals"))
    page = render_template(
        "reports/import.html",
        form=form,
        errors=errors,
        columns=csv_import.COLUMNS,
        product_lines=csv_import.active_product_lines(),
    )
    return page, (422 if errors else 200)


@bp.route("/import/template.csv")
@signed_in
def import_template():
    if not access.can_upload_actuals(current_user):
        abort(404)
    window = services.report_window(clock.today(), current_app.config)
    example = csv_import.example_row(current_user, window)
    return template_response("actuals-template.csv", csv_import.COLUMNS, example)
