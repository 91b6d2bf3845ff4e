"""The complaint settings pages, for admins: categories, each region's business calendar
(time zone, opening hours, after-sales contact), holidays and the complaints CSV import.
The rules are in admin.py and csv_import.py; these views validate, commit and redirect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import extract, select
from sqlalchemy.orm import selectinload

from portal import activity, clock, listing
from portal.access import admin_only
from portal.access.complaints import can_manage_complaint_settings
from portal.complaints import admin, csv_import, services
from portal.complaints.blueprint import bp
from portal.complaints.hours import DEFAULT_HOURS
from portal.complaints.settings_forms import (
    CalendarForm,
    CategoryForm,
    HolidayForm,
    ImportForm,
)
from portal.csvio import CsvRejected, template_response
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import ComplaintCategory, Holiday, Region

WEEKDAYS = range(7)


def _allowed() -> None:
    if not can_manage_complaint_settings(current_user):
        abort(403)


@bp.route("/settings/")
@admin_only
def settings_index():
    _allowed()
    return render_template("complaints/settings/index.html")


# Categories


@bp.route("/settings/categories/")
@admin_only
def categories():
    _allowed()
    return render_template(
        "complaints/settings/categories.html",
        categories=admin.categories(),
        button=ButtonForm(),
    )


@bp.route("/settings/categories/defaults", methods=["POST"])
@admin_only
def category_defaults():
    _allowed()
    if not ButtonForm().validate_on_submit():
        abort(400)
    added = services.ensure_default_categories()
    if added:
        activity.record("complaint_category.defaults", details={"created": added})
    db.session.commit()
    flash(_("%(count)d categories added.", count=added), "success")
    return redirect(url_for("complaints.categories"))


def _save_category(form: CategoryForm, category: ComplaintCategory | None):
    """(saved category, conflicts); neither when the form is shown again."""
    if not form.validate_on_submit():
        return None, []
    if category is not None and form.is_stale(category):
        conflicts = form.conflicts(category)
        form.adopt_version(category)
        return None, conflicts
    try:
        if category is None:
            category = admin.create_category(form.data)
        else:
            admin.update_category(category, form.data)
    except admin.SettingsError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return None, []
    db.session.commit()
    return category, []


@bp.route("/settings/categories/new", methods=["GET", "POST"])
@admin_only
def category_new():
    _allowed()
    form = CategoryForm()
    category, _conflicts = _save_category(form, None)
    if category is not None:
        flash(_("Category %(code)s created.", code=category.code), "success")
        return redirect(url_for("complaints.categories"))
    return render_template("complaints/settings/category.html", form=form, category=None)


@bp.route("/settings/categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_only
def category_edit(category_id: int):
    _allowed()
    category = db.get_or_404(ComplaintCategory, category_id)
    form = CategoryForm(obj=category)
    saved, conflicts = _save_category(form, category)
    if saved is not None:
        flash(_("Category %(code)s saved.", code=category.code), "success")
        return redirect(url_for("complaints.categories"))
    return render_template(
        "complaints/settings/category.html",
        form=form,
        category=category,
        conflicts=conflicts,
        history=activity.history_for(category),
    ), (409 if conflicts else 200)


# Business calendars


@bp.route("/settings/regions/")
@admin_only
def calendars():
    _allowed()
    regions = db.session.scalars(
        select(Region)
        .options(selectinload(Region.after_sales_user))
        .order_by(Region.active.desc(), Region.code)
    ).all()
    return render_template("complaints/settings/calendars.html", regions=regions)


def _calendar_form(region: Region) -> CalendarForm:
    form = CalendarForm(obj=region)
    form.timezone.choices = [(name, name) for name in admin.time_zones()]
    contacts = admin.contact_choices(region)
    form.after_sales_user_id.choices = [(0, _("No one"))] + [
        (user.id, f"{user.name} <{user.email}>") for user in contacts
    ]
    if request.method == "GET":
        form.after_sales_user_id.data = region.after_sales_user_id or 0
        hours = admin.hours_of(region)
        for weekday, entry in zip(WEEKDAYS, form.days.entries, strict=True):
            opens, closes = hours.get(weekday, DEFAULT_HOURS[0][0])
            entry.form.open.data = weekday in hours
            entry.form.opens.data = opens
            entry.form.closes.data = closes
    return form


def _hours_posted(form: CalendarForm) -> dict[int, tuple[time, time]]:
    return {
        weekday: (entry.form.opens.data, entry.form.closes.data)
        for weekday, entry in zip(WEEKDAYS, form.days.entries, strict=True)
        if entry.form.open.data
    }


@bp.route("/settings/regions/<int:region_id>", methods=["GET", "POST"])
@admin_only
def calendar_edit(region_id: int):
    _allowed()
    region = db.get_or_404(Region, region_id)
    form = _calendar_form(region)
    stale = False
    if form.validate_on_submit():
        if form.is_stale(region):
            stale = True
            form.adopt_version(region)
        else:
            try:
                admin.save_calendar(
                    region,
                    timezone=form.timezone.data,
                    hours=_hours_posted(form),
                    after_sales_user_id=form.after_sales_user_id.data or None,
                    after_sales_email=form.after_sales_email.data or "",
                )
            except admin.SettingsError as error:
                db.session.rollback()
                target = getattr(form, error.field, form.days)
                target.errors = [*(target.errors or []), error.message]
            else:
                db.session.commit()
                flash(_("The calendar of %(name)s is saved.", name=region.name), "success")
                return redirect(url_for("complaints.calendar_edit", region_id=region.id))
    holidays = db.session.scalars(
        select(Holiday)
        .where(Holiday.region_id == region.id, Holiday.day >= clock.today())
        .order_by(Holiday.day)
        .limit(50)
    ).all()
    return render_template(
        "complaints/settings/calendar.html",
        region=region,
        form=form,
        stale=stale,
        own_hours=admin.has_own_hours(region),
        holidays=holidays,
        history=activity.history_for(region),
        button=ButtonForm(),
        weekdays=_weekday_names(),
    ), (409 if stale else 200)


def _weekday_names() -> list[str]:
    return [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]


# Holidays


def _year() -> int:
    year = request.args.get("year", type=int)
    today = clock.today()
    return year if year is not None and 1900 <= year <= 2999 else today.year


def _region_choices() -> list[tuple[int, str]]:
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return [(0, _("The whole network"))] + [(r.id, f"{r.code} {r.name}") for r in regions]


@bp.route("/settings/holidays/", methods=["GET", "POST"])
@admin_only
def holidays():
    _allowed()
    year = _year()
    form = HolidayForm()
    form.region_id.choices = _region_choices()
    if form.validate_on_submit():
        region = db.session.get(Region, form.region_id.data) if form.region_id.data else None
        if form.region_id.data and region is None:
            form.region_id.errors.append(_("Choose a region."))
        else:
            try:
                holiday = admin.add_holiday(form.day.data, form.name.data or "", region)
            except admin.SettingsError as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(error.message)
            else:
                db.session.commit()
                flash(_("Holiday added: %(day)s.", day=holiday.day.isoformat()), "success")
                return redirect(url_for("complaints.holidays", year=holiday.day.year))
    params = listing.read_params(("day",), "day", ("region",))
    query = (
        select(Holiday)
        .options(selectinload(Holiday.region))
        .where(extract("year", Holiday.day) == year)
    )
    region_filter = params.filters.get("region")
    if region_filter == "network":
        query = query.where(Holiday.region_id.is_(None))
    elif (region_id := params.id_filter("region")) is not None:
        query = query.where(Holiday.region_id == region_id)
    page = listing.paginate(query.order_by(Holiday.day, Holiday.region_id, Holiday.id), params)
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return render_template(
        "complaints/settings/holidays.html",
        form=form,
        page=page,
        params=params,
        year=year,
        regions=regions,
        button=ButtonForm(),
    ), (422 if form.errors else 200)


@bp.route("/settings/holidays/<int:holiday_id>/delete", methods=["POST"])
@admin_only
def holiday_delete(holiday_id: int):
    _allowed()
    if not ButtonForm().validate_on_submit():
        abort(400)
    holiday = db.get_or_404(Holiday, holiday_id)
    year = holiday.day.year
    admin.delete_holiday(holiday)
    db.session.commit()
    flash(_("Holiday removed."), "success")
    return redirect(url_for("complaints.holidays", year=year))


def _import_page(
    importer: Callable[..., csv_import.ImportResult],
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    title: str,
    intro: str,
    back: str,
    template: str,
    done: Callable[[csv_import.ImportResult], str],
):
    """Upload, all-or-nothing import, per-row errors (422) or a summary."""
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            result = importer(form.file.data, user=current_user)
        except CsvRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
        else:
            db.session.commit()
            flash(done(result), "success")
            return redirect(url_for(back))
    page = render_template(
        "complaints/settings/import.html",
        form=form,
        errors=errors,
        columns=columns,
        required=required,
        title=title,
        intro=intro,
        back=url_for(back),
        template=url_for(template),
    )
    return page, (422 if errors else 200)


@bp.route("/settings/holidays/import", methods=["GET", "POST"])
@admin_only
def holiday_import():
    _allowed()
    return _import_page(
        csv_import.import_holidays,
        columns=csv_import.HOLIDAY_COLUMNS,
        required=("date",),
        title=_("Import holidays"),
        intro=_(
            "One holiday a row: its date (YYYY-MM-DD), a name, and the code of the region "
            "it closes (empty: the whole network). Holidays already there are left as they "
            "are. If any row has a problem, nothing is saved."
        ),
        back="complaints.holidays",
        template="complaints.holiday_template",
        done=lambda result: _(
            "Holidays imported: %(created)d added, %(unchanged)d already there.",
            created=result.created,
            unchanged=result.unchanged,
        ),
    )


@bp.route("/settings/holidays/template.csv")
@admin_only
def holiday_template():
    _allowed()
    return template_response(
        "holidays-template.csv", csv_import.HOLIDAY_COLUMNS, csv_import.holiday_example()
    )


@bp.route("/settings/import", methods=["GET", "POST"])
@admin_only
def import_complaints():
    _allowed()
    return _import_page(
        csv_import.import_complaints,
        columns=csv_import.COMPLAINT_COLUMNS,
        required=csv_import.COMPLAINT_REQUIRED,
        title=_("Import complaints"),
        intro=_(
            "One complaint a row, recorded as if entered on the portal: its clock starts "
            "when it was received (a time without an offset is the store's region's time). "
            "Rows already imported (the same external key, or the same row) are skipped. "
            "If any row has a problem, nothing is saved."
        ),
        back="complaints.settings_index",
        template="complaints.import_template",
        done=lambda result: _(
            "Complaints imported: %(created)d recorded, %(unchanged)d already there.",
            created=result.created,
            unchanged=result.unchanged,
        ),
    )


@bp.route("/settings/import/template.csv")
@admin_only
def import_template():
    _allowed()
    return template_response(
        "complaints-template.csv", csv_import.COMPLAINT_COLUMNS, csv_import.complaint_example()
    )
