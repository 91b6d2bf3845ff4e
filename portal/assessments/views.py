"""Assessment pages: the list, a dealer's history, starting, editing and finalising."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager, joinedload

from portal import access, clock, listing
from portal.access import assessments as assessment_access
from portal.access import signed_in, staff_only
from portal.assessments import cycles, services
from portal.assessments.forms import (
    AssessmentForm,
    DealerChoiceForm,
    FinaliseForm,
    PeriodChoiceForm,
    assessment_form,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Dealer

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

SORTABLE = {
    "period": Assessment.first_day,
    "dealer": Dealer.code,
    "status": Assessment.status,
    "score": Assessment.score,
}
FILTERS = ("period", "status", "grade", "region")


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "-period", FILTERS)
    query = assessment_access.visible_assessments(current_user).join(Assessment.dealer)
    query = listing.search(query, [Dealer.code, Dealer.name], params.q)
    filters = params.filters
    if filters.get("period"):
        query = query.where(Assessment.period == filters["period"].strip().upper()[:10])
    if filters.get("status") in AssessmentStatus.__members__.values():
        query = query.where(Assessment.status == filters["status"])
    if filters.get("grade"):
        query = query.where(Assessment.grade == filters["grade"][:8])
    query = listing.where_ids(query, params, {"region": Dealer.region_id})
    query = listing.order(query, params, SORTABLE, Assessment.id).options(
        contains_eager(Assessment.dealer), joinedload(Assessment.assessor)
    )
    return render_template(
        "assessments/index.html",
        page=listing.paginate(query, params),
        params=params,
        statuses=AssessmentStatus,
        grades=[band.grade for band in services.settings().bands],
        regions=db.session.scalars(access.visible_regions(current_user)).all(),
        can_start=assessment_access.can_start_assessments(current_user),
    )


@bp.route("/new")
@staff_only
def choose_dealer():
    """The list's "New assessment": choose the dealer, then its assessment page takes over."""
    if not assessment_access.can_start_assessments(current_user):
        abort(404)
    dealers = db.session.scalars(assessment_access.assessable_dealers(current_user)).all()
    form = DealerChoiceForm(request.args)
    form.dealer.choices = [(dealer.id, f"{dealer.code} {dealer.name}") for dealer in dealers]
    if "dealer" not in request.args:
        return render_template("assessments/choose_dealer.html", form=form)
    if form.validate():
        return redirect(url_for("assessments.new", dealer_id=form.dealer.data))
    return render_template("assessments/choose_dealer.html", form=form), 422


@bp.route("/dealers/<int:dealer_id>")
@signed_in
def dealer(dealer_id: int):
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    can_assess = assessment_access.can_assess_dealer(current_user, dealer)
    return render_template(
        "assessments/dealer.html",
        dealer=dealer,
        assessments=services.dealer_history(dealer.id, final_only=not can_assess),
        can_assess=can_assess,
    )


def _assessable_dealer_or_404(dealer_id: int) -> Dealer:
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    if not assessment_access.can_assess_dealer(current_user, dealer):
        abort(404)
    return dealer


@bp.route("/dealers/<int:dealer_id>/new", methods=["GET", "POST"])
@staff_only
def new(dealer_id: int):
    dealer = _assessable_dealer_or_404(dealer_id)
    config = services.settings()
    choices = services.assessable_cycles(clock.today(), config)
    chooser = PeriodChoiceForm(request.args, meta={"csrf": False})
    chooser.period.choices = [(cycle.label, cycle.label) for cycle in choices]
    text = request.values.get("period") or services.default_cycle(clock.today(), config).label
    try:
        cycle = cycles.parse(text, config.months)
    except cycles.CycleError:
        cycle = None
    if cycle not in choices:
        chooser.period.errors = [_("Choose one of the periods listed.")]
        page = render_template("assessments/choose_period.html", chooser=chooser, dealer=dealer)
        return page, 422
    chooser.period.data = cycle.label
    existing = services.find_assessment(dealer.id, cycle.label)
    if request.method == "GET" and existing is not None:
        return redirect(url_for("assessments.detail", assessment_id=existing.id))
    criteria = [(c.key, c.label) for c in config.criteria]
    form = assessment_form(criteria)
    if request.method == "GET":
        form.period.data = cycle.label
        preview = services.preview(dealer, cycle, config=config, today=clock.today())
        return _render_edit(form, None, dealer, cycle.label, preview=preview, chooser=chooser)
    finalising = request.form.get("action") == "finalise"
    if not form.validate_on_submit() or (finalising and not form.confirmed_finalise()):
        return _render_edit(form, None, dealer, cycle.label, status=422)
    try:
        assessment = services.start_assessment(
            dealer=dealer,
            cycle=cycle,
            ratings=form.ratings(),
            comment=form.comment.data or "",
            actor=current_user,
            config=config,
            today=clock.today(),
        )
        if finalising:
            services.finalise_assessment(
                assessment, actor=current_user, config=config, today=clock.today()
            )
    except services.AssessmentExists as exists:
        return _resent_or_conflict(exists.assessment, form)
    except services.AssessmentError as error:
        db.session.rollback()
        return _render_error(form, None, dealer, cycle.label, error)
    db.session.commit()
    _flash_saved(assessment)
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>")
@signed_in
def detail(assessment_id: int):
    assessment = assessment_access.get_assessment_or_404(current_user, assessment_id)
    assessment = services.load_full(assessment.id)
    can_edit = assessment_access.can_edit_assessment(current_user, assessment)
    return render_template(
        "assessments/detail.html",
        assessment=assessment,
        result=services.result_of(assessment),
        finalise_form=FinaliseForm(obj=assessment),
        can_edit=can_edit,
    )


@bp.route("/<int:assessment_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(assessment_id: int):
    assessment = assessment_access.get_assessment_or_404(
        current_user, assessment_id, for_update=request.method == "POST"
    )
    if not assessment_access.can_assess_dealer(current_user, assessment.dealer):
        abort(404)
    criteria = [(rating.key, rating.label) for rating in assessment.ratings]
    if request.method == "GET":
        if not assessment_access.can_edit_assessment(current_user, assessment):
            flash(_("This assessment is final and cannot be changed."), "warning")
            return redirect(url_for("assessments.detail", assessment_id=assessment.id))
        form = assessment_form(criteria, data=_form_data(assessment))
        form.adopt_version(assessment)
        return _render_edit(form, assessment, assessment.dealer, assessment.period)
    form = assessment_form(criteria)
    finalising = request.form.get("action") == "finalise"
    if not form.validate_on_submit():
        return _render_edit(form, assessment, assessment.dealer, assessment.period, status=422)
    if finalising and not assessment.is_final and not form.confirmed_finalise():
        return _render_edit(form, assessment, assessment.dealer, assessment.period, status=422)
    ratings, comment = form.ratings(), form.comment.data or ""
    if form.is_stale(assessment) or not assessment_access.can_edit_assessment(
        current_user, assessment
    ):
        if services.same_content(assessment, ratings, comment) and (
            not finalising or assessment.is_final
        ):
            flash(_("This assessment was already saved."), "info")
            return redirect(url_for("assessments.detail", assessment_id=assessment.id))
        return _conflict(assessment, form)
    config = services.settings()
    try:
        services.update_assessment(
            assessment,
            ratings=ratings,
            comment=comment,
            actor=current_user,
            config=config,
            today=clock.today(),
        )
        if finalising:
            services.finalise_assessment(
                assessment, actor=current_user, config=config, today=clock.today()
            )
    except services.AssessmentError as error:
        db.session.rollback()
        assessment = db.session.get(Assessment, assessment_id)
        return _render_error(form, assessment, assessment.dealer, assessment.period, error)
    db.session.commit()
    _flash_saved(assessment)
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/finalise", methods=["POST"])
@staff_only
def finalise(assessment_id: int):
    assessment = assessment_access.get_assessment_or_404(
        current_user, assessment_id, for_update=True
    )
    if not assessment_access.can_assess_dealer(current_user, assessment.dealer):
        abort(404)
    form = FinaliseForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.confirm.data and not assessment.is_final:
        flash(_("Tick the box to confirm that the assessment is to be finalised."), "warning")
    elif assessment.is_final and form.version.data == assessment.version - 1:
        flash(_("This assessment was already finalised."), "info")  # a resent click
    elif assessment.is_final:
        flash(_("This assessment is final and cannot be changed."), "warning")
    elif form.is_stale(assessment):
        flash(_("This assessment changed since you opened it. Check it and try again."), "warning")
    else:
        try:
            services.finalise_assessment(
                assessment, actor=current_user, config=services.settings(), today=clock.today()
            )
        except services.AssessmentError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            _flash_saved(assessment)
    return redirect(url_for("assessments.detail", assessment_id=assessment_id))


# Helpers


def _form_data(assessment: Assessment) -> dict:
    data = {"comment": assessment.comment, "period": assessment.period}
    for rating in assessment.ratings:
        data[f"rating_{rating.key}"] = rating.rating
        data[f"comment_{rating.key}"] = rating.comment
    return data


def _render_edit(
    form: AssessmentForm,
    assessment: Assessment | None,
    dealer: Dealer,
    period: str,
    *,
    status: int = 200,
    conflicts=None,
    preview=None,
    chooser=None,
):
    return render_template(
        "assessments/edit.html",
        form=form,
        assessment=assessment,
        dealer=dealer,
        period=period,
        conflicts=conflicts,
        preview=preview,
        chooser=chooser,
        result=services.result_of(assessment) if assessment is not None else None,
    ), status


def _render_error(form, assessment, dealer, period, error: services.AssessmentError):
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and error.field != "period":
        target.errors = [*target.errors, error.message]
    else:
        flash(str(error.message), "danger")
    return _render_edit(form, assessment, dealer, period, status=422)


def _resent_or_conflict(assessment: Assessment, form: AssessmentForm):
    """The assessment exists already: a resent form is fine; different values conflict."""
    db.session.rollback()
    assessment = db.session.get(Assessment, assessment.id)
    if services.same_content(assessment, form.ratings(), form.comment.data or ""):
        flash(_("This assessment was already saved."), "info")
        return redirect(url_for("assessments.detail", assessment_id=assessment.id))
    return _conflict(assessment, form)


def _conflict(assessment: Assessment, form: AssessmentForm):
    form.adopt_version(assessment)
    return _render_edit(
        form,
        assessment,
        assessment.dealer,
        assessment.period,
        status=409,
        conflicts=_conflicts(assessment, form),
    )


def _conflicts(assessment: Assessment, form: AssessmentForm) -> list[tuple[str, str, str]]:
    """(what, your value, current value) for each rating, comment and the overall comment."""
    rows = []
    if assessment.is_final:
        rows.append((_("Status"), AssessmentStatus.DRAFT.label, assessment.status.label))
    yours = form.ratings()
    for rating in assessment.ratings:
        mine = yours.get(rating.key)
        if mine is None:
            continue
        label = _(rating.label)
        if mine.rating != rating.rating:
            rows.append((label, _rating_text(mine.rating), _rating_text(rating.rating)))
        if mine.comment != rating.comment:
            rows.append(
                (_("Comment on %(criterion)s", criterion=label), mine.comment, rating.comment)
            )
    if (form.comment.data or "") != assessment.comment:
        rows.append((_("Overall comment"), form.comment.data or "", assessment.comment))
    return rows


def _rating_text(rating: int | None) -> str:
    return "—" if rating is None else str(rating)


def _flash_saved(assessment: Assessment) -> None:
    if assessment.is_final:
        flash(
            _(
                "Assessment for %(period)s is final: grade %(grade)s.",
                period=assessment.period,
                grade=assessment.grade,
            ),
            "success",
        )
    else:
        flash(_("Assessment for %(period)s saved as a draft.", period=assessment.period), "success")
