"""Audit pages: the planner and list, scheduling, the audit's page, acknowledgement, PDF."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from portal import access, activity, clock, downloads, jobs, listing
from portal.access import audits as audit_access
from portal.access import roles, signed_in, staff_only
from portal.audits import forms, pdf_jobs, report, scheduling, services
from portal.audits.blueprint import bp
from portal.audits.services import AuditError
from portal.database import write_intent
from portal.extensions import db
from portal.ids import to_id
from portal.metrics import audits as metrics
from portal.models import (
    ActionStatus,
    Audit,
    AuditStatus,
    Dealer,
    Job,
    JobState,
    Role,
    Standard,
    StandardPurpose,
    Store,
)

logger = logging.getLogger(__name__)

SORTABLE = {
    "date": Audit.scheduled_for,
    "store": Store.code,
    "status": Audit.status,
    "score": Audit.score,
}
FILTERS = ("status", "region", "store", "kind")
OPEN = (AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS)


def _scope():
    return partial(access.dealer_scope, current_user)


def _list_query(params: listing.ListParams):
    query = (
        audit_access.visible_audits(current_user)
        .join(Audit.store)
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .join(Audit.standard)
    )
    query = listing.search(query, [Store.code, Store.name, Dealer.code, Dealer.name], params.q)
    filters = params.filters
    if filters.get("status") == "open":
        query = query.where(Audit.status.in_(OPEN))
    elif filters.get("status") in AuditStatus.__members__.values():
        query = query.where(Audit.status == filters["status"])
    query = listing.where_ids(query, params, {"region": Dealer.region_id, "store": Audit.store_id})
    query = query.options(
        contains_eager(Audit.store), contains_eager(Audit.standard), joinedload(Audit.dealer)
    )
    return listing.order(query, params, SORTABLE, Audit.id)


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "-date", FILTERS)
    page = listing.paginate(_list_query(params), params)
    today = clock.today()
    context = {"page": page, "params": params, "today": today, "statuses": AuditStatus}
    if current_user.is_dealer:
        return render_template("audits/index.html", **context)
    config = current_app.config
    window = int(config["AUDIT_DUE_WINDOW_DAYS"])
    planner = (
        audit_access.visible_audits(current_user)
        .where(Audit.status.in_(OPEN))
        .options(joinedload(Audit.store), joinedload(Audit.dealer), joinedload(Audit.standard))
        .order_by(Audit.scheduled_for, Audit.id)
    )
    overdue = db.session.scalars(planner.where(Audit.scheduled_for < today).limit(50)).all()
    due = db.session.scalars(
        planner.where(
            Audit.scheduled_for >= today,
            Audit.scheduled_for <= today + timedelta(days=window),
        ).limit(50)
    ).all()
    stale_days = int(config["AUDIT_STALE_AFTER_DAYS"])
    stale = metrics.stores_not_audited(_scope(), days=stale_days, today=today)
    regions = db.session.scalars(access.visible_regions(current_user)).all()
    return render_template(
        "audits/index.html",
        overdue=overdue,
        due=due,
        window=window,
        stale=stale,
        stale_days=stale_days,
        regions=regions,
        **context,
    )


def _store_choices() -> list[tuple[int, str]]:
    stores = db.session.execute(
        access.visible_stores(current_user)
        .with_only_columns(Store.id, Store.code, Store.name)
        .join(Dealer, Dealer.id == Store.dealer_id)
        .where(Store.active.is_(True), Dealer.active.is_(True))
        .order_by(Store.code)
    ).all()
    return [(row.id, f"{row.code} {row.name}") for row in stores]


def _standard_choices() -> list[tuple[int, str]]:
    standards = db.session.scalars(
        select(Standard)
        .where(Standard.active.is_(True), Standard.purpose == StandardPurpose.AUDIT)
        .order_by(Standard.code)
    ).all()
    return [(s.id, str(s)) for s in standards if services.current_version_of(s) is not None]


@bp.route("/schedule", methods=["GET", "POST"])
@staff_only
def schedule():
    form = forms.ScheduleForm()
    form.store_id.choices = _store_choices()
    form.standard_id.choices = _standard_choices()
    if request.method == "GET":
        form.token.data = forms.new_token()
        form.scheduled_for.data = clock.today()
        if (store_id := to_id(request.args.get("store"))) is not None:
            form.store_id.data = store_id
    if form.validate_on_submit():
        store = access.get_store_or_404(current_user, form.store_id.data)
        standard = db.session.get(Standard, form.standard_id.data) or abort(404)
        try:
            audit = scheduling.schedule_audit(
                store=store,
                standard=standard,
                scheduled_for=form.scheduled_for.data,
                announced=form.announced.data,
                actor=current_user,
                token=form.token.data,
            )
            db.session.commit()
        except AuditError as error:
            db.session.rollback()
            form[error.field or "scheduled_for"].errors.append(error.message)
        except IntegrityError:
            # The same form posted twice at once: the other request stored the audit.
            db.session.rollback()
            audit = scheduling.existing_audit(form.token.data)
            if audit is None:
                raise
            return redirect(url_for("audits.detail", audit_id=audit.id))
        else:
            flash(
                _("Audit scheduled for %(date)s.", date=audit.scheduled_for.isoformat()), "success"
            )
            return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template("audits/schedule.html", form=form, original=None)


@bp.route("/<int:audit_id>")
@signed_in
def detail(audit_id: int):
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    show_answers = audit_access.can_see_answers(current_user, audit)
    services.load_for_page(audit, answers=show_answers)
    sections, photos, previous = [], {}, {}
    if show_answers and audit.standard_version is not None:
        photos = services.photos_of(audit.answers)
        previous = services.previous_answers(audit)
        sections = report.sections_of(audit)
    actions = audit.actions
    return render_template(
        "audits/detail.html",
        audit=audit,
        sections=sections if show_answers else [],
        photos=photos,
        previous=previous,
        actions=actions if show_answers else [],
        today=clock.today(),
        history=[] if current_user.is_dealer else _lifecycle_history(audit),
        can_plan=audit_access.can_plan_audit(current_user, audit),
        can_conduct=audit_access.can_conduct_audit(current_user, audit),
        can_follow_up=audit_access.can_schedule_follow_up(current_user, audit),
        can_acknowledge=audit_access.can_acknowledge_audit(current_user, audit),
        acknowledge_form=forms.AcknowledgeForm(),
        cancel_form=forms.CancelForm(),
        open_statuses=(ActionStatus.OPEN, ActionStatus.REOPENED),
    )


def _lifecycle_history(audit: Audit):
    """The audit's history without the item-by-item answers (those show on the items)."""
    return [e for e in activity.history_for(audit, limit=400) if e.action != "audit.answer"][:100]


@bp.route("/<int:audit_id>/reschedule", methods=["GET", "POST"])
@staff_only
def reschedule(audit_id: int):
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_plan_audit(current_user, audit):
        abort(409)
    form = forms.RescheduleForm(obj=audit)
    conflicts = []
    if form.validate_on_submit():
        if form.is_stale(audit):
            conflicts = form.conflicts(audit)
            form.version.data = audit.version
        else:
            try:
                scheduling.reschedule(
                    audit,
                    scheduled_for=form.scheduled_for.data,
                    announced=form.announced.data,
                    actor=current_user,
                )
            except AuditError as error:
                db.session.rollback()
                form[error.field or "scheduled_for"].errors.append(error.message)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template("audits/reschedule.html", form=form, audit=audit, conflicts=conflicts), (
        409 if conflicts else 200
    )


@bp.route("/<int:audit_id>/cancel", methods=["POST"])
@staff_only
def cancel(audit_id: int):
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    form = forms.CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        scheduling.cancel(audit, reason=form.reason.data or "", actor=current_user)
    except AuditError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("Audit cancelled."), "success")
    return redirect(url_for("audits.detail", audit_id=audit.id))


@bp.route("/<int:audit_id>/follow-up", methods=["GET", "POST"])
@staff_only
def follow_up(audit_id: int):
    original = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_schedule_follow_up(current_user, original):
        abort(404)
    form = forms.FollowUpForm()
    if request.method == "GET":
        form.token.data = forms.new_token()
        form.scheduled_for.data = clock.today()
    if form.validate_on_submit():
        try:
            audit = scheduling.schedule_follow_up(
                original,
                scheduled_for=form.scheduled_for.data,
                announced=form.announced.data,
                actor=current_user,
                token=form.token.data,
            )
            db.session.commit()
        except AuditError as error:
            db.session.rollback()
            form[error.field or "scheduled_for"].errors.append(error.message)
        except IntegrityError:
            db.session.rollback()  # a double submit: the twin request stored it
            audit = scheduling.existing_audit(form.token.data)
            if audit is None:
                raise
            return redirect(url_for("audits.detail", audit_id=audit.id))
        else:
            flash(_("Follow-up audit scheduled."), "success")
            return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template(
        "audits/schedule.html",
        form=form,
        original=original,
        follow_up_items=len(services.failed_item_ids(original)),
    )


@bp.route("/<int:audit_id>/acknowledge", methods=["POST"])
@roles(Role.DEALER)
def acknowledge(audit_id: int):
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    form = forms.AcknowledgeForm()
    if not form.validate_on_submit():
        flash(_("The comment is too long."), "danger")
        return redirect(url_for("audits.detail", audit_id=audit.id))
    if not audit_access.can_acknowledge_audit(current_user, audit):
        flash(_("This audit cannot be acknowledged."), "warning")
        return redirect(url_for("audits.detail", audit_id=audit.id))
    services.acknowledge(audit, comment=form.comment.data or "", actor=current_user)
    db.session.commit()
    flash(_("Thank you: the audit is acknowledged."), "success")
    return redirect(url_for("audits.detail", audit_id=audit.id))


@bp.route("/<int:audit_id>/report.pdf")
@signed_in
def report_pdf(audit_id: int):
    """The PDF when it is rendered; otherwise its render is queued and the page polls."""
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_see_answers(current_user, audit) or audit.standard_version is None:
        abort(404)
    db.session.commit()  # end the read: queueing a render writes, so it takes the write lock
    with write_intent():
        wanted = pdf_jobs.request(audit, user=current_user, locale=str(get_locale() or "en"))
        job_id, ready, created = wanted.job.id, wanted.ready, wanted.created
        db.session.commit()
    if not ready:
        if created:
            jobs.enqueue(pdf_jobs.KIND, job_id)
        db.session.rollback()  # read afresh: an immediate queue has run the job already
        job = db.session.get(Job, job_id)
        if job.state != JobState.DONE:
            return redirect(url_for("audits.report_progress", audit_id=audit_id))
    job = db.session.get(Job, job_id)
    pdf = pdf_jobs.load(job)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_jobs.filename(audit)}"'
    downloads.log_download("audit.report_pdf", audit)
    return response
