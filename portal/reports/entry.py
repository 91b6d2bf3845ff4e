"""Store report pages: list, write (new and edit), the report page, submit, attachments."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager, selectinload

from portal import access, clock, listing, periods
from portal.access import roles, signed_in
from portal.extensions import db
from portal.forms import ButtonForm, VersionedForm
from portal.i18n import money, number
from portal.ids import to_id
from portal.metrics import plans as metrics
from portal.metrics.timeliness import reports_timeliness
from portal.models import (
    Attachment,
    Dealer,
    ReportStatus,
    ReportTransition,
    Role,
    Store,
    StoreReport,
)
from portal.reports import services
from portal.reports.blueprint import bp
from portal.reports.forms import BLANK_COMPETITOR_ROWS, ReviewForm, report_form_class
from portal.storage import CheckedUpload

SORTABLE = {
    "period": StoreReport.period,
    "store": Store.code,
    "dealer": Dealer.code,
    "status": StoreReport.status,
    "submitted": StoreReport.submitted_at,
}
FILTERS = ("period", "status", "region", "dealer", "store")


def _window() -> tuple[str, str]:
    return services.report_window(clock.today(), current_app.config)


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "-period", FILTERS)
    query = access.visible_reports(current_user).join(StoreReport.store).join(StoreReport.dealer)
    query = listing.search(query, [Store.code, Store.name, Dealer.code, Dealer.name], params.q)
    filters = params.filters
    if periods.PERIOD_PATTERN.match(filters.get("period", "")):
        query = query.where(StoreReport.period == filters["period"])
    if filters.get("status") in ReportStatus.__members__.values():
        query = query.where(StoreReport.status == filters["status"])
    query = listing.where_ids(
        query,
        params,
        {
            "region": Dealer.region_id,
            "dealer": StoreReport.dealer_id,
            "store": StoreReport.store_id,
        },
    )
    query = listing.order(query, params, SORTABLE, StoreReport.id).options(
        contains_eager(StoreReport.store), contains_eager(StoreReport.dealer)
    )
    page = listing.paginate(query, params)
    due_days = current_app.config["REPORT_DUE_DAYS"]
    now = clock.today()
    due_now = _due_now(now) if current_user.is_dealer else None
    return render_template(
        "reports/index.html",
        page=page,
        params=params,
        statuses=ReportStatus,
        regions=db.session.scalars(access.visible_regions(current_user)).all(),
        timeliness=reports_timeliness(page.items, due_days, now),
        due_now=due_now,
    )


def _due_now(now: date):
    """For a dealer user: last month's report of each store, and where it stands."""
    period = periods.shift(periods.of(now), -1)
    states = metrics.report_states(
        [current_user.dealer_id],
        period,
        due_days=current_app.config["REPORT_DUE_DAYS"],
        today=now,
    )[current_user.dealer_id]
    stores = services.reporting_stores(current_user.dealer_id)
    return {
        "period": period,
        "due": metrics.report_due(period, current_app.config["REPORT_DUE_DAYS"]),
        "stores": [(store, states.get(store.id, metrics.OPEN)) for store in stores],
    }


def _new_form(lines, stores, window):
    form_class = report_form_class(lines, creating=True)
    form = form_class()
    form.store_id.choices = [(store.id, f"{store.code} {store.name}") for store in stores]
    form.period.choices = [(p, p) for p in reversed(periods.span(*window))]
    return form


def _pad_competitors(form) -> None:
    while len(form.competitors) < min(
        len(form.competitor_rows()) + BLANK_COMPETITOR_ROWS, form.competitors.max_entries
    ):
        form.competitors.append_entry()


def _values(form) -> services.ReportValues:
    return services.ReportValues(
        actuals=form.actuals(),
        footfall=form.footfall.data,
        closing_stock_minor=form.closing_stock.data,
        staff_count=form.staff_count.data,
        issues=form.issues.data or "",
        customer_feedback=form.customer_feedback.data or "",
        competitors=form.competitor_rows(),
    )


def _render_edit(form, report, store, period, lines, *, status=200, conflicts=None):
    _pad_competitors(form)
    return render_template(
        "reports/edit.html",
        form=form,
        report=report,
        store=store,
        period=period,
        lines=lines,
        conflicts=conflicts,
        attachments=services.attachments_of(report) if report else [],
        button=ButtonForm(),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.DEALER)
def new():
    window = _window()
    stores = services.reporting_stores(current_user.dealer_id)
    lines = services.report_lines()
    form = _new_form(lines, stores, window)
    if request.method == "GET":
        form.period.data = request.args.get("period") or periods.shift(
            periods.of(clock.today()), -1
        )
        store_id = to_id(request.args.get("store"))
        if store_id is not None:
            form.store_id.data = store_id
            existing = services.find_report(store_id, form.period.data)
            if existing is not None and access.can_view_report(current_user, existing):
                return redirect(url_for("reports.detail", report_id=existing.id))
        return _render_edit(form, None, None, None, lines)
    if not form.validate_on_submit():
        return _render_edit(form, None, None, None, lines, status=422)
    store = next(s for s in stores if s.id == form.store_id.data)
    values = _values(form)
    saved = []
    try:
        files = _checked_files(form)
        report = services.create_report(
            store=store, period=form.period.data, values=values, actor=current_user, window=window
        )
        saved = services.add_attachments(report, files, actor=current_user)
        if request.form.get("action") == "submit":
            services.submit_report(report, actor=current_user)
    except services.ReportExists as exists:
        return _resent_or_conflict(exists.report, form, values, lines)
    except services.ReportError as error:
        db.session.rollback()
        services.forget_files(saved)
        _show_error(form, error)
        return _render_edit(form, None, None, None, lines, status=422)
    db.session.commit()
    _flash_saved(report)
    return redirect(url_for("reports.detail", report_id=report.id))


def _checked_files(form) -> list[CheckedUpload]:
    """The form's files checked and cleaned before anything is written, the read ended
    first: a POST's transaction holds SQLite's write lock, and every other writer would
    wait for the seconds large photos take to decode (S20)."""
    if not any(upload.filename for upload in (form.files.data or [])):
        return []
    db.session.commit()  # nothing is written yet
    return services.check_attachments(form.files.data)


def _stale_edit(report: StoreReport, form, values, has_files: bool, lines):
    """The answer to an edit of an older version, or of a report no longer editable;
    None when the edit may go ahead."""
    if not form.is_stale(report) and access.can_edit_report(current_user, report):
        return None
    if services.same_content(report, values) and not has_files:
        flash(_("This report was already saved."), "info")
        return redirect(url_for("reports.detail", report_id=report.id))
    return _conflict(report, form, values, lines)


def _show_error(form, error: services.ReportError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        flash(str(error.message), "danger")
    else:
        field.errors = [*field.errors, error.message]


def _resent_or_conflict(report: StoreReport, form, values, lines):
    db.session.rollback()
    report = db.session.get(StoreReport, report.id)
    if services.same_content(report, values) and not (
        form.files.data and any(f.filename for f in form.files.data)
    ):
        flash(_("This report was already saved."), "info")
        return redirect(url_for("reports.detail", report_id=report.id))
    return _conflict(report, form, values, lines)


def _conflict(report: StoreReport, form, values, lines):
    conflicts = _field_conflicts(report, values, lines)
    form.version.data = report.version
    if any(upload.filename for upload in (form.files.data or [])):
        flash(_("The files you chose were not uploaded; add them again."), "warning")
    return _render_edit(
        form, report, report.store, report.period, lines, status=409, conflicts=conflicts
    )


def _field_conflicts(report, values, lines) -> list[tuple[str, str, str]]:
    current = services.values_of(report)
    rows = []
    names = {line.id: line.label for line in lines}
    for line_id in sorted(set(current.actuals) | set(values.actuals)):
        mine, now = values.actuals.get(line_id), current.actuals.get(line_id)
        if mine != now:
            rows.append(
                (
                    names.get(line_id, str(line_id)),
                    f"{money(mine[0])} / {number(mine[1])}" if mine else "—",
                    f"{money(now[0])} / {number(now[1])}" if now else "—",
                )
            )
    labels = {
        "footfall": _("Footfall (visitors)"),
        "closing_stock_minor": _("Closing stock value"),
        "staff_count": _("Staff"),
        "issues": _("Issues"),
        "customer_feedback": _("Customer feedback"),
    }
    for name, label in labels.items():
        mine, now = getattr(values, name), getattr(current, name)
        if mine != now:
            show = money if name == "closing_stock_minor" else (lambda v: v)
            rows.append(
                (
                    label,
                    show(mine) if mine not in (None, "") else "—",
                    show(now) if now not in (None, "") else "—",
                )
            )
    if values.competitors != current.competitors:
        rows.append(
            (_("Competitor activity"), str(len(values.competitors)), str(len(current.competitors)))
        )
    return rows


def _flash_saved(report: StoreReport) -> None:
    if report.status == ReportStatus.SUBMITTED:
        flash(
            _(
                "Report of %(store)s for %(period)s submitted.",
                store=report.store.code,
                period=report.period,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Report of %(store)s for %(period)s saved as a draft.",
                store=report.store.code,
                period=report.period,
            ),
            "success",
        )


def _load_full(report_id: int) -> StoreReport:
    return db.session.scalar(
        db.select(StoreReport)
        .where(StoreReport.id == report_id)
        .options(
            selectinload(StoreReport.lines),
            selectinload(StoreReport.competitor_activities),
            selectinload(StoreReport.transitions).joinedload(ReportTransition.actor),
        )
    )


@bp.route("/<int:report_id>")
@signed_in
def detail(report_id: int):
    report = _load_full(access.get_report_or_404(current_user, report_id).id)
    lines = services.report_lines(report)
    due = metrics.report_due(report.period, current_app.config["REPORT_DUE_DAYS"])
    plan_targets = metrics.plan_vs_actual(
        ("product_line_id",),
        first=report.period,
        last=report.period,
        dealers=[report.dealer_id],
        store_id=report.store_id,
    )
    return render_template(
        "reports/detail.html",
        report=report,
        lines=lines,
        actuals={line.product_line_id: line for line in report.lines},
        targets={key[0]: figures for key, figures in plan_targets.items()},
        attachments=services.attachments_of(report),
        due=due,
        timeliness=metrics.timeliness(report.first_submitted_at, due, clock.today()),
        submit_form=VersionedForm(obj=report),
        review_form=ReviewForm(obj=report),
        can_edit=access.can_edit_report(current_user, report),
        can_review=access.can_review_report(current_user, report),
    )


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@roles(Role.DEALER)
def edit(report_id: int):
    report = access.get_report_or_404(current_user, report_id, for_update=request.method == "POST")
    lines = services.report_lines(report)
    form_class = report_form_class(lines)
    if request.method == "GET":
        if not access.can_edit_report(current_user, report):
            flash(
                _("This report is %(status)s and cannot be changed.", status=report.status.label),
                "warning",
            )
            return redirect(url_for("reports.detail", report_id=report.id))
        form = form_class(obj=report, data=_form_data(report))
        return _render_edit(form, report, report.store, report.period, lines)
    form = form_class()
    if not form.validate_on_submit():
        return _render_edit(form, report, report.store, report.period, lines, status=422)
    values = _values(form)
    has_files = any(f.filename for f in (form.files.data or []))
    stale = _stale_edit(report, form, values, has_files, lines)
    if stale is not None:
        return stale
    files = []
    if has_files:
        try:
            files = _checked_files(form)  # this ends the transaction and its row lock
        except services.ReportError as error:
            _show_error(form, error)
            return _render_edit(form, report, report.store, report.period, lines, status=422)
        report = access.get_report_or_404(current_user, report_id, for_update=True)
        stale = _stale_edit(report, form, values, has_files, lines)
        if stale is not None:
            return stale
    saved = []
    try:
        services.update_report(report, values=values, actor=current_user)
        saved = services.add_attachments(report, files, actor=current_user)
        if request.form.get("action") == "submit":
            services.submit_report(report, actor=current_user)
    except services.ReportError as error:
        db.session.rollback()
        services.forget_files(saved)
        _show_error(form, error)
        return _render_edit(form, report, report.store, report.period, lines, status=422)
    db.session.commit()
    _flash_saved(report)
    return redirect(url_for("reports.detail", report_id=report.id))


def _form_data(report: StoreReport) -> dict:
    data = {
        "footfall": report.footfall,
        "closing_stock": report.closing_stock_minor,
        "staff_count": report.staff_count,
        "competitors": [
            {"competitor": row.competitor, "kind": row.kind.value, "observation": row.observation}
            for row in report.competitor_activities
        ],
    }
    for line in report.lines:
        data[f"revenue_{line.product_line_id}"] = line.revenue_minor
        data[f"units_{line.product_line_id}"] = line.units
    return data


@bp.route("/<int:report_id>/submit", methods=["POST"])
@roles(Role.DEALER)
def submit(report_id: int):
    report = access.get_report_or_404(current_user, report_id, for_update=True)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    if report.status == ReportStatus.SUBMITTED and form.version.data == report.version - 1:
        flash(_("This report was already submitted."), "info")
    elif not access.can_edit_report(current_user, report):
        flash(
            _("This report is %(status)s and cannot be submitted.", status=report.status.label),
            "warning",
        )
    elif form.is_stale(report):
        flash(_("This report changed since you opened it. Check it and submit again."), "warning")
    else:
        try:
            services.submit_report(report, actor=current_user)
        except services.ReportError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            _flash_saved(report)
    return redirect(url_for("reports.detail", report_id=report.id))


@bp.route("/<int:report_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@roles(Role.DEALER)
def remove_attachment(report_id: int, attachment_id: int):
    report = access.get_report_or_404(current_user, report_id, for_update=True)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not ButtonForm().validate_on_submit():
        abort(404)
    if not access.can_edit_report(current_user, report):
        abort(404)
    try:
        services.remove_attachment(report, attachment, actor=current_user)
    except services.ReportError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("File removed."), "success")
    return redirect(url_for("reports.edit", report_id=report.id))
