"""A region's monthly forecast: started from the suggestion, overridden with a comment,
submitted; head office may ask for a revision."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, money, periods
from portal.access import staff_only
from portal.access import targets as rules
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import Forecast
from portal.targets import services
from portal.targets.blueprint import bp
from portal.targets.forms import ForecastForm, RevisionForm, posted_cells


@bp.route("/regions/<int:region_id>/forecasts", methods=["POST"])
@staff_only
def start_forecast(region_id: int):
    """This month's forecast of the region (one per region and month)."""
    region = rules.get_target_region_or_404(current_user, region_id)
    if not rules.can_start_forecast(current_user, region.id):
        abort(403)
    period = periods.of(clock.today())
    try:
        forecast = services.start_forecast(region=region, period=period, actor=current_user)
    except services.TargetExists as exists:
        db.session.rollback()
        forecast = exists.record
    else:
        db.session.commit()
    return redirect(url_for("targets.forecast", forecast_id=forecast.id))


def render_forecast(forecast: Forecast, form=None, errors=None, status: int = 200):
    lines = services.product_lines()
    months = sorted({line.period for line in forecast.lines})
    cells = {(line.product_line_id, line.period): line for line in forecast.lines}
    previous = figures.forecast_of([forecast.region_id], periods.shift(forecast.period, -1))
    before = previous.get(forecast.region_id)
    before_lines = figures.forecast_lines([before.id])[before.id] if before else {}
    target = figures.region_targets(periods.split(forecast.period)[0], [forecast.region_id])
    form = form or ForecastForm(obj=forecast)
    if not form.version.raw_data:
        form.adopt_version(forecast)
    return render_template(
        "targets/forecast.html",
        money_input=money.input_text,
        forecast=forecast,
        lines=lines,
        months=months,
        cells=cells,
        previous=before_lines,
        target={(pl, m): a for (_, pl, m), a in target.items()},
        form=form,
        errors=errors or {},
        revision_form=RevisionForm(formdata=None),
        can_edit=rules.can_edit_forecast(current_user, forecast),
        can_revise=rules.can_request_forecast_revision(current_user, forecast),
    ), status


@bp.route("/forecasts/<int:forecast_id>")
@staff_only
def forecast(forecast_id: int):
    return render_forecast(rules.get_forecast_or_404(current_user, forecast_id))


@bp.route("/forecasts/<int:forecast_id>/save", methods=["POST"])
@staff_only
def save_forecast(forecast_id: int):
    forecast = rules.get_forecast_or_404(current_user, forecast_id, for_update=True)
    if not rules.can_edit_forecast(current_user, forecast):
        abort(403)
    form = ForecastForm()
    keys = {f"{line.product_line_id}-{line.period}": line for line in forecast.lines}
    current = {name: (line.revenue_minor, line.units) for name, line in keys.items()}
    found, errors = posted_cells(request.form, current)
    cells = {
        (keys[name].product_line_id, keys[name].period): amount for name, amount in found.items()
    }
    if not form.validate_on_submit() or errors:
        return render_forecast(forecast, form, errors, 422)
    if form.is_stale(forecast):
        flash(_("This forecast changed since you opened it. Check it and save again."), "warning")
        return redirect(url_for("targets.forecast", forecast_id=forecast.id))
    try:
        services.save_forecast(
            forecast, cells=cells, comment=form.comment.data or "", actor=current_user
        )
        if request.form.get("submit"):
            services.submit_forecast(forecast, actor=current_user)
    except services.TargetError as error:
        db.session.rollback()
        form.comment.errors = [*form.comment.errors, str(error.message)]
        forecast = rules.get_forecast_or_404(current_user, forecast_id)
        return render_forecast(forecast, form, status=422)
    db.session.commit()
    flash(
        _("Forecast submitted.") if request.form.get("submit") else _("Forecast saved."), "success"
    )
    return redirect(url_for("targets.forecast", forecast_id=forecast.id))


@bp.route("/forecasts/<int:forecast_id>/revision", methods=["POST"])
@staff_only
def request_revision(forecast_id: int):
    forecast = rules.get_forecast_or_404(current_user, forecast_id, for_update=True)
    if not rules.can_request_forecast_revision(current_user, forecast):
        abort(403)
    form = RevisionForm()
    if not form.validate_on_submit() or form.is_stale(forecast):
        flash(_("This forecast changed since you opened it. Check it and try again."), "warning")
        return redirect(url_for("targets.forecast", forecast_id=forecast.id))
    try:
        services.request_revision(forecast, actor=current_user, comment=form.comment.data or "")
    except services.TargetError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("Revision asked: the supervisor will submit the forecast again."), "success")
    return redirect(url_for("targets.forecast", forecast_id=forecast.id))
