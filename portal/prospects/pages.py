"""Prospect pages: the pipeline and list, blank markets, a prospect's page, recording and
editing one, and head office's queue of proposals waiting for approval."""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import activity, decisions, listing
from portal.access import admin_only, staff_only
from portal.access import prospects as rules
from portal.extensions import db
from portal.forms import new_client_key
from portal.metrics import prospects as metrics
from portal.models import (
    Prospect,
    ProspectAnswer,
    ProspectStatus,
    ProspectStore,
    ProspectTarget,
    Region,
    StandardItem,
    User,
)
from portal.models.prospects import FORWARD, PIPELINE
from portal.prospects import screening, services
from portal.prospects.blueprint import bp
from portal.prospects.forms import (
    LoseForm,
    NewProspectForm,
    ProspectForm,
    ReviewForm,
    StepForm,
)

SORTABLE = ("name", "city", "status", "updated")
STAGES = (*PIPELINE, ProspectStatus.LOST)


@bp.route("/")
@staff_only
def index():
    """The pipeline per region (prospects per stage) and the list of prospects in scope."""
    params = listing.read_params(SORTABLE, "-updated", ("status", "region"))
    scope = partial(rules.region_scope, current_user)
    query = rules.visible_prospects(current_user).options(joinedload(Prospect.region))
    status = params.filters.get("status")
    if status in {s.value for s in ProspectStatus}:
        query = query.where(Prospect.status == status)
    query = listing.where_ids(query, params, {"region": Prospect.region_id})
    query = listing.search(
        query,
        (Prospect.name, Prospect.city, Prospect.city_alias, Prospect.contact_person),
        params.q,
    )
    columns = {
        "name": Prospect.name,
        "city": Prospect.city,
        "status": Prospect.status,
        "updated": Prospect.updated_at,
    }
    page = listing.paginate(listing.order(query, params, columns, Prospect.id), params)
    counts = metrics.pipeline(scope)
    regions = db.session.scalars(rules.prospect_regions(current_user)).all()
    names = {
        region.id: region.name
        for region in db.session.scalars(select(Region).where(Region.id.in_(list(counts))))
    }
    return render_template(
        "prospects/index.html",
        page=page,
        params=params,
        stages=STAGES,
        pipeline=sorted(counts.items(), key=lambda item: names.get(item[0], "")),
        totals=metrics.pipeline_totals(counts),
        region_names=names,
        regions=regions,
        statuses=list(ProspectStatus),
    )


@bp.route("/markets")
@staff_only
def markets():
    """Blank markets: the cities of each region in scope with no active store."""
    scope = partial(rules.region_scope, current_user)
    found = metrics.blank_markets(scope)
    names = {
        region.id: region.name
        for region in db.session.scalars(
            select(Region).where(Region.id.in_({m.region_id for m in found}))
        )
    }
    return render_template("prospects/markets.html", markets=found, region_names=names)


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    form = NewProspectForm()
    regions = db.session.scalars(rules.prospect_regions(current_user)).all()
    form.region_id.choices = [(region.id, region.name) for region in regions]
    if not form.is_submitted():
        form.client_key.data = new_client_key()
    if form.validate_on_submit():
        region = next((r for r in regions if r.id == form.region_id.data), None)
        if region is None:
            form.region_id.errors.append(_("Choose one of your regions."))
            return render_template("prospects/new.html", form=form), 422
        try:
            prospect = services.create_prospect(
                region=region,
                values=form.data,
                actor=current_user,
                client_key=form.client_key.data,
            )
            db.session.commit()
        except services.ProspectExists as exists:
            prospect_id = exists.record.id
            db.session.rollback()
            flash(_("This prospect was already recorded."), "info")
            return redirect(url_for("prospects.detail", prospect_id=prospect_id))
        except services.ProspectError as error:
            db.session.rollback()
            form[error.field or "name"].errors.append(error.message)
            return render_template("prospects/new.html", form=form), 422
        flash(_("Prospect %(name)s recorded as a lead.", name=prospect.name), "success")
        return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    status = 422 if form.is_submitted() else 200
    return render_template("prospects/new.html", form=form), status


def load_for_page(prospect_id: int) -> Prospect:
    """The prospect with everything its page shows, in a few queries (none from templates)."""
    prospect = rules.get_prospect_or_404(current_user, prospect_id)
    db.session.scalars(
        select(Prospect)
        .where(Prospect.id == prospect.id)
        .options(
            joinedload(Prospect.region),
            joinedload(Prospect.dealer),
            joinedload(Prospect.standard_version),
            selectinload(Prospect.transitions),
            selectinload(Prospect.answers)
            .joinedload(ProspectAnswer.item)
            .joinedload(StandardItem.section),
            selectinload(Prospect.stores).joinedload(ProspectStore.store),
            selectinload(Prospect.targets).joinedload(ProspectTarget.product_line),
        )
    ).all()
    return prospect


def ordered_answers(prospect: Prospect) -> list[ProspectAnswer]:
    """The screening's answers in the standard's order: section by section, item by item."""
    return sorted(
        prospect.answers,
        key=lambda a: (a.item.section.position, a.item.position, a.item_id),
    )


@bp.route("/<int:prospect_id>")
@staff_only
def detail(prospect_id: int):
    prospect = load_for_page(prospect_id)
    can_work = rules.can_work_prospect(current_user, prospect)
    problems = []
    if prospect.status == ProspectStatus.SCREENING:
        problems = screening.screening_problems(prospect)
    elif prospect.status in (ProspectStatus.SITE_VISIT, ProspectStatus.APPROVED):
        problems = services.proposal_problems(prospect)
    actors = {t.actor_id for t in prospect.transitions if t.actor_id}
    if actors:  # the log's people, in one query
        db.session.scalars(select(User).where(User.id.in_(actors))).all()
    return render_template(
        "prospects/detail.html",
        prospect=prospect,
        stages=PIPELINE,
        reached=_reached(prospect),
        answers=ordered_answers(prospect),
        next_action=FORWARD.get(prospect.status) if can_work else None,
        problems=problems,
        can_work=can_work,
        can_edit_details=rules.can_edit_details(current_user, prospect),
        can_review=rules.can_review_prospect(current_user, prospect),
        can_edit_screening=rules.can_edit_screening(current_user, prospect),
        can_edit_proposal=rules.can_edit_proposal(current_user, prospect),
        step_form=StepForm(obj=prospect, formdata=None),
        lose_form=LoseForm(obj=prospect, formdata=None),
        review_form=ReviewForm(obj=prospect, formdata=None),
        history=activity.history_for(prospect),
    )


def _reached(prospect: Prospect) -> set[ProspectStatus]:
    """The stages the prospect went through (a lost one: those before it was lost)."""
    return {t.to_status for t in prospect.transitions} | {prospect.status}


@bp.route("/<int:prospect_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(prospect_id: int):
    prospect = rules.get_prospect_or_404(current_user, prospect_id)
    if not rules.can_work_prospect(current_user, prospect):
        flash(_("This prospect can no longer be changed."), "warning")
        return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    if not rules.can_edit_details(current_user, prospect):
        flash(
            _(
                "The details cannot be changed while the proposal is with head office or "
                "after it was approved."
            ),
            "warning",
        )
        return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    form = ProspectForm(obj=prospect)
    if not form.is_submitted():
        form.kind.data = prospect.kind.value
    conflicts = []
    if form.validate_on_submit():
        if form.is_stale(prospect):
            conflicts = form.conflicts(prospect)
            form.adopt_version(prospect)
        else:
            try:
                services.update_prospect(prospect, form.data, actor=current_user)
                db.session.commit()
            except services.ProspectError as error:
                db.session.rollback()
                form[error.field or "name"].errors.append(error.message)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    status = 409 if conflicts else 422 if form.errors else 200
    return render_template(
        "prospects/edit.html", form=form, prospect=prospect, conflicts=conflicts
    ), status


@bp.route("/review")
@admin_only
def review_queue():
    """Proposals waiting for head office's approval, oldest first."""
    query = select(Prospect).options(joinedload(Prospect.region))
    params, page = decisions.queue(query, Prospect, ProspectStatus.PROPOSAL)
    return render_template("prospects/review_queue.html", page=page, params=params)
