"""The overview of target, allocation, plan, forecast and actual (per region for head office,
per dealer of a region), its CSV and chart, and the admin's page setting a region's target."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portal import activity, charts, clock, periods
from portal.access import admin_only, staff_only
from portal.access import targets as rules
from portal.csvio import csv_response
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import Dealer, Region
from portal.money import to_decimal
from portal.targets import services
from portal.targets.blueprint import bp
from portal.targets.forms import SeasonalityForm, TargetForm

WINDOWS = ("month", "quarter", "year")


def _period() -> str:
    try:
        return periods.parse(request.args.get("period") or periods.of(clock.today()))
    except periods.PeriodError:
        abort(404)


def window_labels() -> dict[str, str]:
    return {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}


def chart(grid: figures.Grid, group: int | None, year: int) -> Markup:
    """Monthly revenue: target as bars, actual (or the forecast where no actual) as a line."""
    months = figures.year_periods(year)
    target = [to_decimal(amount[0]) for amount in grid.monthly("target", group, months)]
    landing = []
    actuals = grid.monthly("actual", group, months)
    forecasts = grid.monthly("forecast", group, months)
    for (actual, _units), (forecast, _forecast_units) in zip(actuals, forecasts, strict=True):
        landing.append(to_decimal(actual or forecast) if (actual or forecast) else None)
    return charts.bar_line_chart(
        [m[5:] for m in months],
        charts.Series(_("Target"), target),
        charts.Series(_("Actual, then forecast"), landing),
        title=_("Revenue: target against actual and forecast"),
    )


def _region_rows(regions: list[Region], period: str) -> tuple[Any, list, Any]:
    region_ids = [region.id for region in regions]
    grid = figures.region_grid(region_ids, period)
    spans = figures.windows_of(period)
    rows = [
        (region, {name: figures.window(grid, region.id, spans[name]) for name in WINDOWS})
        for region in regions
    ]
    return grid, rows, {name: figures.window(grid, None, spans[name]) for name in WINDOWS}


@bp.route("/")
@staff_only
def index():
    """Every region in scope: target, allocation, plans, forecast and actual."""
    period = _period()
    regions = list(db.session.scalars(rules.target_regions(current_user)))
    region_ids = [region.id for region in regions]
    grid, rows, network = _region_rows(regions, period)
    return render_template(
        "targets/index.html",
        period=period,
        rows=rows,
        network=network,
        accuracy=figures.forecast_accuracy(region_ids, period, grid),
        movement=figures.forecast_movement(grid, region_ids, period),
        allocations=services.find_allocations(region_ids, periods.split(period)[0]),
        windows=window_labels(),
        chart=chart(grid, None, periods.split(period)[0]),
    )


@bp.route("/regions/<int:region_id>")
@staff_only
def region(region_id: int):
    """One region's dealers: allocation, plans and actuals."""
    region = rules.get_target_region_or_404(current_user, region_id)
    period = _period()
    year = periods.split(period)[0]
    grid = figures.dealer_grid([region.id], period)
    region_grid, rows, _network = _region_rows([region], period)
    spans = figures.windows_of(period)
    dealers = db.session.scalars(
        select(Dealer).where(Dealer.region_id == region.id).order_by(Dealer.code)
    ).all()
    dealer_rows = [
        (dealer, {name: figures.window(grid, dealer.id, spans[name]) for name in WINDOWS})
        for dealer in dealers
    ]
    return render_template(
        "targets/region.html",
        region=region,
        period=period,
        year=year,
        region_row=rows[0][1],
        dealer_rows=dealer_rows,
        windows=window_labels(),
        allocation=services.find_allocation(region.id, year),
        forecast=services.find_forecast(region.id, period),
        targets=services.targets_of(region.id, year),
        can_set=rules.can_set_targets(current_user),
        can_start=rules.can_start_allocation(current_user, region.id),
        chart=chart(region_grid, region.id, year),
    )


EXPORT_HEADER = [
    "region",
    "window",
    "first_month",
    "last_month",
    *(f"{m}_{k}" for m in figures.MEASURES for k in ("revenue", "units")),
    "gap_revenue",
    "attainment_percent",
]


@bp.route("/export.csv")
@staff_only
def export():
    period = _period()
    regions = list(db.session.scalars(rules.target_regions(current_user)))
    _grid, rows, _network = _region_rows(regions, period)
    spans = figures.windows_of(period)
    out = []
    for region, windows in rows:
        for name in WINDOWS:
            w = windows[name]
            values = []
            for measure in figures.MEASURES:
                amount = getattr(w, measure)
                values += [to_decimal(amount[0]), amount[1]]
            attainment = w.attainment_bp
            out.append(
                [
                    region.code,
                    name,
                    spans[name][0],
                    spans[name][-1],
                    *values,
                    to_decimal(w.gap),
                    "" if attainment is None else f"{attainment / 100:.2f}",
                ]
            )
    activity.record("targets.export", details={"period": period})
    db.session.commit()
    return csv_response(f"targets-{period}.csv", EXPORT_HEADER, out)


@bp.route("/regions/<int:region_id>/target", methods=["GET", "POST"])
@admin_only
def set_target(region_id: int):
    region = rules.get_target_region_or_404(current_user, region_id)
    lines = services.product_lines()
    form = TargetForm()
    form.product_line_id.choices = [(line.id, f"{line.code} {line.label}") for line in lines]
    status = 200
    if request.method == "GET":
        _show_target(form, region, lines)
    if form.validate_on_submit():
        line = next(line for line in lines if line.id == form.product_line_id.data)
        current = services.find_target(region.id, form.year.data, line.id, for_update=True)
        if current is not None and form.is_stale(current):
            # Saving again knowingly replaces the version now shown in the list below.
            form.adopt_version(current)
            flash(
                _(
                    "This target was changed by someone else (now version %(revision)d): "
                    "check it below and save again.",
                    revision=current.revision,
                ),
                "warning",
            )
            status = 409
        else:
            status = _save_target(form, region, line)
            if status is None:
                flash(_("Target saved."), "success")
                return redirect(url_for("targets.region", region_id=region.id))
    year = form.year.data or clock.today().year
    return render_template(
        "targets/set_target.html",
        region=region,
        form=form,
        targets=services.targets_of(region.id, year),
        weights=services.weights_for(region.id),
    ), (422 if form.errors else status)


def _show_target(form: TargetForm, region: Region, lines: list) -> None:
    """A GET: this year, or the year and line the link names with that target's figures."""
    form.year.data = request.args.get("year", type=int) or clock.today().year
    line_id = request.args.get("line", type=int)
    if line_id not in {line.id for line in lines}:
        return
    form.product_line_id.data = line_id
    current = services.find_target(region.id, form.year.data, line_id)
    if current is not None:
        form.revenue.data, form.units.data = current.revenue_minor, current.units
        form.adopt_version(current)


def _save_target(form: TargetForm, region: Region, line: Any) -> int | None:
    """Save the validated, up-to-date form and commit (None), else the refusal's status."""
    try:
        services.set_target(
            region=region,
            year=form.year.data,
            product_line=line,
            revenue_minor=form.revenue.data,
            units=form.units.data,
            months=None,
            reason=form.reason.data or "",
            actor=current_user,
            today=clock.today(),
        )
    except services.TargetError as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        if field is not None:
            field.errors = [*field.errors, str(error.message)]
        else:
            flash(str(error.message), "danger")
        return 422
    db.session.commit()
    return None


@bp.route("/seasonality", methods=["GET", "POST"])
@admin_only
def seasonality():
    """The default seasonality profile."""
    return _profile(None)


@bp.route("/regions/<int:region_id>/seasonality", methods=["GET", "POST"])
@admin_only
def region_seasonality(region_id: int):
    """A region's own seasonality profile (overrides the default)."""
    return _profile(rules.get_target_region_or_404(current_user, region_id))


def _profile(region: Region | None):
    form = SeasonalityForm()
    refused = False
    if request.method == "GET":
        current = services.weights_for(region.id) if region else services.default_weights()
        for entry, weight in zip(form.weights.entries, current, strict=True):
            entry.data = weight
    elif form.validate_on_submit():
        try:
            services.set_profile(
                region=region, weights=[e.data for e in form.weights.entries], actor=current_user
            )
        except services.TargetError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
            refused = True
        else:
            db.session.commit()
            flash(_("Seasonality profile saved."), "success")
            if region is None:
                return redirect(url_for("targets.seasonality"))
            return redirect(url_for("targets.region_seasonality", region_id=region.id))
    months = [f"{month:02d}" for month in range(1, 13)]
    status = 422 if form.errors or refused else 200
    return render_template(
        "targets/seasonality.html", form=form, region=region, months=months
    ), status
