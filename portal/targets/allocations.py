"""A region's allocation: starting it from the suggestion, editing one product line's grid
(dealers by months), submitting it, head office's decision and queue, moving target."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, decisions, money, periods
from portal.access import admin_only, staff_only
from portal.access import targets as rules
from portal.extensions import db
from portal.metrics import targets as figures
from portal.models import AllocationLine, AllocationStatus, Dealer, TargetAllocation
from portal.targets import services
from portal.targets.blueprint import bp
from portal.targets.forms import AllocationForm, MoveForm, ReopenForm, ReviewForm, posted_cells

MEASURES = ("revenue", "units")


@bp.route("/regions/<int:region_id>/allocations", methods=["POST"])
@staff_only
def start(region_id: int):
    """The region's allocation of the year the form names (this year by default)."""
    region = rules.get_target_region_or_404(current_user, region_id)
    if not rules.can_start_allocation(current_user, region.id):
        abort(403)
    year = request.form.get("year", type=int) or clock.today().year
    if not 2000 <= year <= 2999:
        abort(400)
    try:
        allocation = services.start_allocation(region=region, year=year, actor=current_user)
    except services.TargetExists as exists:
        db.session.rollback()
        allocation = exists.record
    else:
        db.session.commit()
        flash(_("Allocation started from the suggestion: change what you need."), "success")
    return redirect(url_for("targets.detail", allocation_id=allocation.id))


def _line_id(allocation: TargetAllocation) -> int:
    lines = services.product_lines()
    wanted = request.args.get("line", type=int)
    ids = [line.id for line in lines]
    return wanted if wanted in ids else (ids[0] if ids else 0)


def render_detail(allocation: TargetAllocation, form=None, cell_errors=None, status: int = 200):
    line_id = _line_id(allocation)
    cells = services.cells_of(allocation)
    dealer_ids = sorted({dealer for dealer, _, _ in cells})
    dealers = {
        d.id: d for d in db.session.scalars(db.select(Dealer).where(Dealer.id.in_(dealer_ids)))
    }
    months = figures.year_periods(allocation.year)
    target = figures.region_targets(allocation.year, [allocation.region_id])
    form = form or AllocationForm(obj=allocation)
    if not form.version.raw_data:
        form.adopt_version(allocation)
    move_form = MoveForm()
    move_form.adopt_version(allocation)
    move_form.from_dealer_id.choices = [(d.id, f"{d.code} {d.name}") for d in dealers.values()]
    move_form.to_dealer_id.choices = [
        (d.id, f"{d.code} {d.name}")
        for d in dealers.values()
        if d.region_id == allocation.region_id  # not to a dealer that left the region
    ]
    move_form.product_line_id.choices = [(pl.id, pl.label) for pl in services.product_lines()]
    return render_template(
        "targets/allocation.html",
        money_input=money.input_text,
        allocation=allocation,
        lines=services.product_lines(),
        line_id=line_id,
        measure=_measure(),
        dealers=[dealers[d] for d in dealer_ids if d in dealers],
        months=months,
        cells=cells,
        target={m: target.get((allocation.region_id, line_id, m), figures.ZERO) for m in months},
        differences=services.differences(allocation),
        form=form,
        cell_errors=cell_errors or {},
        review_form=ReviewForm(formdata=None, obj=allocation),
        move_form=move_form,
        reopen_form=ReopenForm(formdata=None, obj=allocation),
        moves=services.moves_of(allocation),
        can_edit=rules.can_edit_allocation(current_user, allocation),
        can_review=rules.can_review_allocation(current_user, allocation),
        can_move=rules.can_move_target(current_user, allocation),
        can_reopen=rules.can_reopen_allocation(current_user, allocation),
    ), status


@bp.route("/allocations/<int:allocation_id>")
@staff_only
def detail(allocation_id: int):
    allocation = rules.get_allocation_or_404(current_user, allocation_id)
    return render_detail(allocation)


def _posted_cells(allocation: TargetAllocation, line_id: int):
    """The grid's cells for one product line: its revenue or its units (the measure shown),
    the other measure keeping its figure."""
    keys, current = {}, {}
    for (dealer, line, month), amount in services.cells_of(allocation).items():
        if line == line_id:
            keys[f"{dealer}-{month}"] = (dealer, line, month)
            current[f"{dealer}-{month}"] = amount
    found, errors = posted_cells(request.form, current)
    return {keys[name]: amount for name, amount in found.items()}, errors


def _measure() -> str:
    """The measure the grid shows and edits: revenue (default) or units."""
    wanted = request.args.get("measure", "")
    return wanted if wanted in MEASURES else MEASURES[0]


@bp.route("/allocations/<int:allocation_id>/save", methods=["POST"])
@staff_only
def save(allocation_id: int):
    allocation = rules.get_allocation_or_404(current_user, allocation_id, for_update=True)
    if not rules.can_edit_allocation(current_user, allocation):
        abort(403)
    form = AllocationForm()
    line_id = _line_id(allocation)
    cells, errors = _posted_cells(allocation, line_id)
    if not form.validate_on_submit() or errors:
        return render_detail(allocation, form, errors, 422)
    if form.is_stale(allocation):
        flash(_("This allocation changed since you opened it. Check it and save again."), "warning")
        return redirect(
            url_for("targets.detail", allocation_id=allocation.id, line=line_id, measure=_measure())
        )
    try:
        services.save_allocation(
            allocation, cells=cells, explanation=form.explanation.data or "", actor=current_user
        )
        if request.form.get("submit"):
            services.submit_allocation(allocation, actor=current_user)
    except services.TargetError as error:
        db.session.rollback()
        form.explanation.errors = [*form.explanation.errors, str(error.message)]
        allocation = rules.get_allocation_or_404(current_user, allocation_id)
        return render_detail(allocation, form, status=422)
    db.session.commit()
    if allocation.status == AllocationStatus.SUBMITTED:
        flash(_("Allocation submitted to head office."), "success")
    else:
        flash(_("Allocation saved."), "success")
    return redirect(
        url_for("targets.detail", allocation_id=allocation.id, line=line_id, measure=_measure())
    )


@bp.route("/allocations/<int:allocation_id>/review", methods=["POST"])
@admin_only
def review(allocation_id: int):
    allocation = rules.get_allocation_or_404(current_user, allocation_id, for_update=True)
    return decisions.decide(
        services.ALLOCATIONS, allocation, rules.can_review_allocation, ReviewForm
    )


@bp.route("/allocations/review")
@admin_only
def review_queue():
    params, page = decisions.queue(
        db.select(TargetAllocation), TargetAllocation, AllocationStatus.SUBMITTED
    )
    return render_template("targets/review_queue.html", page=page, params=params)


@bp.route("/allocations/<int:allocation_id>/move", methods=["POST"])
@staff_only
def move(allocation_id: int):
    allocation = rules.get_allocation_or_404(current_user, allocation_id, for_update=True)
    if not rules.can_move_target(current_user, allocation):
        abort(403)
    form = MoveForm()
    # The region's dealers, and those that left it during the year but hold target in it.
    holding = db.select(AllocationLine.dealer_id).where(
        AllocationLine.allocation_id == allocation.id
    )
    dealers = {
        d.id: d
        for d in db.session.scalars(
            db.select(Dealer).where(
                (Dealer.region_id == allocation.region_id) | Dealer.id.in_(holding)
            )
        )
    }
    form.from_dealer_id.choices = form.to_dealer_id.choices = [(i, str(i)) for i in dealers]
    form.product_line_id.choices = [(pl.id, pl.label) for pl in services.product_lines()]
    page = url_for("targets.detail", allocation_id=allocation.id)
    if not form.validate_on_submit():
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "danger")
        return redirect(page)
    if form.is_stale(allocation):
        flash(
            _(
                "This allocation changed since you opened it (the move may be done already): "
                "check the moves and try again."
            ),
            "warning",
        )
        return redirect(page)
    try:
        first, last = periods.parse(form.first.data), periods.parse(form.last.data)
        months = [m for m in periods.span(first, last) if m.startswith(f"{allocation.year:04d}-")]
        services.move_target(
            allocation,
            from_dealer=dealers[form.from_dealer_id.data],
            to_dealer=dealers[form.to_dealer_id.data],
            product_line_id=form.product_line_id.data,
            months=months,
            revenue_minor=form.revenue.data,
            units=None if form.revenue.data is None else 0,
            reason=form.reason.data,
            actor=current_user,
        )
    except (services.TargetError, periods.PeriodError) as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(page)
    db.session.commit()
    flash(_("Target moved; the region's total is unchanged."), "success")
    return redirect(page)


@bp.route("/allocations/<int:allocation_id>/reopen", methods=["POST"])
@admin_only
def reopen(allocation_id: int):
    """Head office unlocks an approved allocation: back to the region as returned, with why."""
    allocation = rules.get_allocation_or_404(current_user, allocation_id, for_update=True)
    form = ReopenForm()
    if not rules.can_reopen_allocation(current_user, allocation):
        flash(_("Only an approved allocation can be reopened."), "warning")
    elif not form.validate_on_submit():
        for message in form.reason.errors:
            flash(str(message), "danger")
    elif form.is_stale(allocation):
        flash(_("This allocation changed since you opened it. Check it and try again."), "warning")
    else:
        try:
            services.reopen_allocation(allocation, actor=current_user, reason=form.reason.data)
        except services.TargetError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            flash(
                _("Allocation reopened: the region can change it and submit it again."), "success"
            )
    return redirect(url_for("targets.detail", allocation_id=allocation.id))
