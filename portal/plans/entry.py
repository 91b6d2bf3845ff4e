"""Plan pages for everyone: list, the grid (new and edit), the plan page, submitting."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from portal import access, clock, listing, periods
from portal.access import roles, signed_in
from portal.extensions import db
from portal.i18n import number
from portal.metrics import plans as metrics
from portal.metrics import targets as target_metrics
from portal.metrics.totals import plan_totals
from portal.models import Dealer, PlanStatus, PlanTransition, Role, SalesPlan
from portal.money import to_decimal
from portal.plans import grid as plan_grid
from portal.plans import services
from portal.plans.blueprint import bp
from portal.plans.forms import PeriodChoiceForm, PlanForm, ReopenForm, ReviewForm, SubmitForm

SORTABLE = {
    "period": SalesPlan.period,
    "dealer": Dealer.code,
    "status": SalesPlan.status,
    "submitted": SalesPlan.submitted_at,
}
FILTERS = ("period", "status", "region", "dealer")


def _window() -> tuple[str, str]:
    return services.period_window(clock.today(), current_app.config)


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "-period", FILTERS)
    query = access.visible_plans(current_user).join(SalesPlan.dealer)
    query = listing.search(query, [Dealer.code, Dealer.name], params.q)
    filters = params.filters
    if filters.get("period", "") and periods.PERIOD_PATTERN.match(filters["period"]):
        query = query.where(SalesPlan.period == filters["period"])
    if filters.get("status") in PlanStatus.__members__.values():
        query = query.where(SalesPlan.status == filters["status"])
    query = listing.where_ids(
        query, params, {"region": Dealer.region_id, "dealer": SalesPlan.dealer_id}
    )
    query = listing.order(query, params, SORTABLE, SalesPlan.id).options(
        contains_eager(SalesPlan.dealer)
    )
    page = listing.paginate(query, params)
    due_day = current_app.config["PLAN_DUE_DAY"]
    now = clock.today()
    timeliness = {
        plan.id: metrics.timeliness(
            plan.first_submitted_at, metrics.plan_due(plan.period, due_day), now
        )
        for plan in page.items
    }
    return render_template(
        "plans/index.html",
        page=page,
        params=params,
        totals=plan_totals([plan.id for plan in page.items]),
        timeliness=timeliness,
        statuses=PlanStatus,
        regions=db.session.scalars(access.visible_regions(current_user)).all(),
        next_period=periods.shift(periods.of(now), 1),
    )


def _period_choices(window: tuple[str, str]) -> list[tuple[str, str]]:
    return [(p, p) for p in reversed(periods.span(*window))]


def _choose_period(chooser: PeriodChoiceForm, dealer: Dealer, window, *, status: int = 200):
    """Every month the dealer may plan, newest first, with the plan it already has."""
    months = [value for value, _label in chooser.period.choices]
    existing = services.plans_by_period(dealer.id, months)
    page = render_template(
        "plans/choose_period.html", chooser=chooser, months=months, existing=existing
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.DEALER)
def new():
    if not access.can_create_plan(current_user):
        abort(404)
    dealer = current_user.dealer
    window = _window()
    chooser = PeriodChoiceForm(request.args, meta={"csrf": False})
    chooser.period.choices = _period_choices(window)
    if request.method == "GET" and not request.args.get("period"):
        return _choose_period(chooser, dealer, window)  # "Plan another month"
    text = request.values.get("period") or periods.shift(periods.of(clock.today()), 1)
    try:
        period = periods.check_in_window(periods.parse(text), *window)
    except periods.PeriodError as error:
        chooser.period.errors = [str(error.message)]
        return _choose_period(chooser, dealer, window, status=422)
    chooser.period.data = period
    existing = services.find_plan(dealer.id, period)
    if request.method == "GET" and existing is not None:
        return redirect(url_for("plans.detail", plan_id=existing.id))
    stores, lines = services.grid_stores(dealer), services.grid_lines()
    form = PlanForm()
    if request.method == "GET":
        form.period.data = period
        grid = plan_grid.from_values(stores, lines, _copied_values(dealer.id, period))
        return render_template(
            "plans/edit.html",
            form=form,
            grid=grid,
            plan=None,
            dealer=dealer,
            period=period,
            chooser=chooser,
            allocation=target_metrics.dealer_allocation(dealer.id, period),
        )
    grid = _parse(stores, lines)
    if not form.validate_on_submit() or grid.has_errors:
        return _render_edit(form, grid, None, dealer, period, status=422)
    values, note = grid.values(), form.note.data or ""
    try:
        plan = services.create_plan(
            dealer=dealer,
            period=period,
            values=values,
            note=note,
            actor=current_user,
            window=window,
            below_target_reason=form.below_target_reason.data or "",
        )
        if request.form.get("action") == "submit":
            services.submit_plan(plan, actor=current_user)
    except services.PlanExists as exists:
        return _resent_or_conflict(exists.plan, form, grid, dealer)
    except services.PlanError as error:
        db.session.rollback()
        return _render_error(form, grid, None, dealer, period, error)
    db.session.commit()
    _flash_saved(plan)
    return redirect(url_for("plans.detail", plan_id=plan.id))


def _copied_values(dealer_id: int, period: str) -> plan_grid.Values:
    if request.args.get("copy") != "1":
        return {}
    previous = services.previous_plan(dealer_id, period)
    if previous is None:
        flash(_("There is no earlier plan to copy from."), "info")
        return {}
    flash(
        _(
            "Filled in from your plan for %(period)s. Check the figures, then save.",
            period=previous.period,
        ),
        "info",
    )
    return services.values_of(previous)


def _parse(stores, lines) -> plan_grid.Grid:
    return plan_grid.parse(
        request.form,
        stores,
        lines,
        max_money=current_app.config["MONEY_MAX"],
        max_count=current_app.config["COUNT_MAX"],
    )


def _render_edit(form, grid, plan, dealer, period, *, status=200, conflicts=None):
    return render_template(
        "plans/edit.html",
        form=form,
        grid=grid,
        plan=plan,
        dealer=dealer,
        period=period,
        conflicts=conflicts,
        chooser=None,
        allocation=target_metrics.dealer_allocation(dealer.id, period),
    ), status


def _render_error(form, grid, plan, dealer, period, error: services.PlanError):
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and error.field != "period":
        target.errors = [*target.errors, error.message]
    else:
        grid.errors.append(str(error.message))
    return _render_edit(form, grid, plan, dealer, period, status=422)


def _resent_or_conflict(plan: SalesPlan, form: PlanForm, grid, dealer):
    """The plan exists already: a resent form is fine; different figures are a conflict."""
    db.session.rollback()
    plan = db.session.get(SalesPlan, plan.id)
    if services.same_content(plan, grid.values(), form.note.data or ""):
        flash(_("This plan was already saved."), "info")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    return _conflict(plan, form, grid)


def _conflict(plan: SalesPlan, form: PlanForm, grid):
    conflicts = _cell_conflicts(plan, grid, form.note.data or "")
    form.version.data = plan.version
    return _render_edit(form, grid, plan, plan.dealer, plan.period, status=409, conflicts=conflicts)


def _cell_conflicts(plan: SalesPlan, grid, note: str) -> list[tuple[str, str, str]]:
    """(what, your value, current value) for each cell and the note where they differ."""
    current = services.values_of(plan)
    yours = grid.values()
    stores = {store.id: store for store in grid.stores}
    lines = {line.id: line for line in grid.lines}
    rows = []
    for key in sorted(set(current) | set(yours)):
        if current.get(key) == yours.get(key):
            continue
        store, line = stores.get(key[0]), lines.get(key[1])
        label = f"{store.code if store else key[0]} · {line.label if line else key[1]}"
        rows.append((label, _cell_text(yours.get(key)), _cell_text(current.get(key))))
    if plan.note != note:
        rows.append((_("Note"), note or "—", plan.note or "—"))
    return rows


def _cell_text(value: tuple[int, int] | None) -> str:
    if value is None:
        return "—"
    revenue, units = value
    return _(
        "%(revenue)s / %(units)s units", revenue=number(to_decimal(revenue), 2), units=number(units)
    )


def _flash_saved(plan: SalesPlan) -> None:
    if plan.status == PlanStatus.SUBMITTED:
        flash(_("Plan for %(period)s submitted for review.", period=plan.period), "success")
    else:
        flash(_("Plan for %(period)s saved as a draft.", period=plan.period), "success")


@bp.route("/<int:plan_id>")
@signed_in
def detail(plan_id: int):
    plan = access.get_plan_or_404(current_user, plan_id)
    plan = db.session.scalar(
        select(SalesPlan)
        .where(SalesPlan.id == plan.id)
        .options(
            selectinload(SalesPlan.lines),
            selectinload(SalesPlan.transitions).joinedload(PlanTransition.actor),
        )
    )
    stores, lines = services.grid_stores(plan.dealer, plan), services.grid_lines(plan)
    grid = plan_grid.from_values(stores, lines, services.values_of(plan))
    previous = services.previous_plan(plan.dealer_id, plan.period)
    actual_period = metrics.last_actual_period(plan.dealer_id, before=plan.period)
    actuals = {}
    if actual_period:
        actuals = metrics.plan_vs_actual(
            ("store_id",), first=actual_period, last=actual_period, dealers=[plan.dealer_id]
        )
    due = metrics.plan_due(plan.period, current_app.config["PLAN_DUE_DAY"])
    return render_template(
        "plans/detail.html",
        plan=plan,
        grid=grid,
        previous=previous,
        comparison=services.comparison_rows(stores, plan, previous),
        allocation=target_metrics.dealer_allocation(plan.dealer_id, plan.period),
        actual_period=actual_period,
        actuals={key[0]: figures for key, figures in actuals.items()},
        due=due,
        timeliness=metrics.timeliness(plan.first_submitted_at, due, clock.today()),
        submit_form=SubmitForm(obj=plan),
        review_form=ReviewForm(obj=plan),
        reopen_form=ReopenForm(obj=plan),
        can_edit=access.can_edit_plan(current_user, plan),
        can_review=access.can_review_plan(current_user, plan),
        can_reopen=access.can_reopen_plan(current_user, plan),
    )


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@roles(Role.DEALER)
def edit(plan_id: int):
    plan = access.get_plan_or_404(current_user, plan_id, for_update=request.method == "POST")
    stores, lines = services.grid_stores(plan.dealer, plan), services.grid_lines(plan)
    if request.method == "GET":
        if not access.can_edit_plan(current_user, plan):
            flash(
                _("This plan is %(status)s and cannot be changed.", status=plan.status.label),
                "warning",
            )
            return redirect(url_for("plans.detail", plan_id=plan.id))
        values = _copied_values(plan.dealer_id, plan.period) or services.values_of(plan)
        form = PlanForm(obj=plan)
        grid = plan_grid.from_values(stores, lines, values)
        return _render_edit(form, grid, plan, plan.dealer, plan.period)
    form = PlanForm()
    grid = _parse(stores, lines)
    if not form.validate_on_submit() or grid.has_errors:
        return _render_edit(form, grid, plan, plan.dealer, plan.period, status=422)
    values, note = grid.values(), form.note.data or ""
    if form.is_stale(plan) or not access.can_edit_plan(current_user, plan):
        if services.same_content(plan, values, note):
            flash(_("This plan was already saved."), "info")
            return redirect(url_for("plans.detail", plan_id=plan.id))
        return _conflict(plan, form, grid)
    try:
        services.update_plan(
            plan,
            values=values,
            note=note,
            actor=current_user,
            below_target_reason=form.below_target_reason.data or "",
        )
        if request.form.get("action") == "submit":
            services.submit_plan(plan, actor=current_user)
    except services.PlanError as error:
        db.session.rollback()
        return _render_error(form, grid, plan, plan.dealer, plan.period, error)
    db.session.commit()
    _flash_saved(plan)
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/submit", methods=["POST"])
@roles(Role.DEALER)
def submit(plan_id: int):
    plan = access.get_plan_or_404(current_user, plan_id, for_update=True)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    if plan.status == PlanStatus.SUBMITTED and form.version.data == plan.version - 1:
        flash(_("This plan was already submitted."), "info")  # a resent click
    elif not access.can_submit_plan(current_user, plan):
        flash(
            _("This plan is %(status)s and cannot be submitted.", status=plan.status.label),
            "warning",
        )
    elif form.is_stale(plan):
        flash(_("This plan changed since you opened it. Check it and submit again."), "warning")
    else:
        try:
            services.submit_plan(plan, actor=current_user)
        except services.PlanError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            _flash_saved(plan)
    return redirect(url_for("plans.detail", plan_id=plan.id))
