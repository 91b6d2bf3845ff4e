"""Complaint pages: the list (and its CSV), recording a complaint, a complaint's page.

Everything is scoped by `portal.access.complaints`: a complaint out of the reader's scope
answers 404. The list reads one page with its stores, dealers, categories and regions in one
query, and the regions' calendars in two more, however many complaints there are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Engine, Select, and_, false, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from portal import activity, clock, listing, periods, storage
from portal.access import complaints as access
from portal.access import dealer_scope, signed_in
from portal.complaints import clocks, deadlines, forms, services
from portal.complaints.blueprint import bp
from portal.csvio import csv_stream
from portal.extensions import db
from portal.forms import new_client_key
from portal.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Complaint,
    ComplaintAction,
    ComplaintAlert,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintTransition,
    Dealer,
    ProductLine,
    Region,
    SeriousKind,
    Severity,
    Store,
)
from portal.money import to_decimal

SORTABLE = {
    "received": Complaint.received_at,
    "reference": Complaint.id,
    "store": Store.code,
    "dealer": Dealer.code,
    "severity": Complaint.severity,
    "status": Complaint.status,
    "forward_due": Complaint.forward_due_at,
    "resolve_due": Complaint.resolve_due_at,
}
FILTERS = ("status", "overdue", "severity", "category", "store", "dealer", "period")
OVERDUE = ("forward", "resolve", "any")
REFERENCE = re.compile(r"^[Cc]?0*([0-9]{1,9})$")
EXPORT_BATCH = 500


# The list and its CSV


def _overdue(kind: str, now: datetime) -> Any:
    forward_late = and_(
        Complaint.status == ComplaintStatus.RECEIVED, Complaint.forward_due_at < now
    )
    resolve_late = and_(Complaint.status.in_(OPEN_STATUSES), Complaint.resolve_due_at < now)
    return {
        "forward": forward_late,
        "resolve": resolve_late,
        "any": or_(forward_late, resolve_late),
    }[kind]


def _received_in(period: str) -> Any:
    """Received in the month `period` in the local time of the complaint's region: one range
    of `received_at` per time zone the regions use."""
    by_zone: dict[str, list[int]] = {}
    for region_id, timezone in db.session.execute(select(Region.id, Region.timezone)):
        by_zone.setdefault(timezone, []).append(region_id)
    first = periods.first_day(period)
    following = periods.first_day(periods.shift(period, 1))
    ranges = []
    for timezone, region_ids in by_zone.items():
        zone = deadlines.zone_of(timezone)
        start = datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(following.year, following.month, 1, tzinfo=zone).astimezone(UTC)
        ranges.append(
            and_(
                Complaint.region_id.in_(region_ids),
                Complaint.received_at >= start,
                Complaint.received_at < end,
            )
        )
    return or_(*ranges) if ranges else false()


def _search(query: Select[Any], text: str) -> Select[Any]:
    """A reference (C000123 or 123) finds that complaint; other text, the store, dealer or
    customer."""
    reference = REFERENCE.match(text)
    if reference is not None:
        return query.where(Complaint.id == int(reference.group(1)))
    columns = [Store.code, Store.name, Dealer.code, Dealer.name, Complaint.customer_name]
    return listing.search(query, columns, text)


def _filtered(params: listing.ListParams, now: datetime) -> Select[tuple[Complaint]]:
    """The complaints in the reader's scope that the list's search and filters keep."""
    query = (
        access.visible_complaints(current_user)
        .join(Store, Store.id == Complaint.store_id)
        .join(Dealer, Dealer.id == Complaint.dealer_id)
    )
    query = _search(query, params.q)
    filters = params.filters
    if filters.get("status") in ComplaintStatus.__members__.values():
        query = query.where(Complaint.status == filters["status"])
    if filters.get("severity") in Severity.__members__.values():
        query = query.where(Complaint.severity == filters["severity"])
    if filters.get("overdue") in OVERDUE:
        query = query.where(_overdue(filters["overdue"], now))
    if periods.PERIOD_PATTERN.match(filters.get("period", "")):
        query = query.where(_received_in(filters["period"]))
    ids = {"category": Complaint.category_id, "store": Complaint.store_id}
    if not current_user.is_dealer:
        ids["dealer"] = Complaint.dealer_id
    query = listing.where_ids(query, params, ids)
    return query.options(
        contains_eager(Complaint.store),
        contains_eager(Complaint.dealer),
        joinedload(Complaint.category),
        joinedload(Complaint.region),
    )


def _list_choices() -> dict[str, Any]:
    """What the filter bar offers: categories, the stores and (staff) dealers in scope."""
    stores = db.session.scalars(
        select(Store)
        .where(dealer_scope(current_user, Store.dealer_id))
        .order_by(Store.code)
        .limit(500)
    ).all()
    dealers = []
    if not current_user.is_dealer:
        dealers = db.session.scalars(
            select(Dealer)
            .where(dealer_scope(current_user, Dealer.id))
            .order_by(Dealer.code)
            .limit(500)
        ).all()
    categories = db.session.scalars(
        select(ComplaintCategory).order_by(ComplaintCategory.sort_order, ComplaintCategory.code)
    ).all()
    return {"stores": stores, "dealers": dealers, "categories": categories}


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "-received", FILTERS)
    now = clock.now()
    query = listing.order(_filtered(params, now), params, SORTABLE, Complaint.id)
    page = listing.paginate(query, params)
    return render_template(
        "complaints/index.html",
        page=page,
        params=params,
        clocks=clocks.clocks_for(page.items, now),
        local_time=clocks.local_time,
        statuses=ComplaintStatus,
        severities=Severity,
        overdue_choices=[
            ("forward", _("Forwarding late")),
            ("resolve", _("Resolution late")),
            ("any", _("Any target late")),
        ],
        can_record=access.can_record_complaints(current_user),
        **_list_choices(),
    )


EXPORT_HEADER = (
    "reference",
    "received_at",
    "timezone",
    "region",
    "dealer_code",
    "dealer_name",
    "store_code",
    "store_name",
    "category",
    "product_line",
    "channel",
    "severity",
    "serious_kind",
    "status",
    "repeat",
    "forward_due_at",
    "forwarded_at",
    "forwarded_on_time",
    "resolve_due_at",
    "resolved_at",
    "resolved_on_time",
    "closed_at",
    "remedy",
    "cost",
    "satisfaction",
    "customer_name",
    "description",
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _export_rows(engine: Engine, query: Select[tuple[Complaint]]) -> Iterator[list[Any]]:
    """One row per complaint, read EXPORT_BATCH at a time (never the whole list at once).

    The rows are read while the response streams, after the request's context has ended, so
    in a session of their own (the query already holds the reader's scope)."""
    with Session(engine) as session:
        batches = session.scalars(query.execution_options(yield_per=EXPORT_BATCH))
        for complaint in batches:
            yield _export_row(complaint)


def _export_row(complaint: Complaint) -> list[Any]:
    region = complaint.region

    def local(value: datetime | None) -> str:
        return "" if value is None else clocks.local_time(value, region)

    return [
        complaint.reference,
        local(complaint.received_at),
        region.timezone,
        region.code,
        complaint.dealer.code,
        complaint.dealer.name,
        complaint.store.code,
        complaint.store.name,
        complaint.category.code,
        complaint.product_line.code if complaint.product_line else "",
        complaint.channel,
        complaint.severity,
        complaint.serious_kind or "",
        complaint.status,
        complaint.cycle,
        local(complaint.forward_due_at),
        local(complaint.forwarded_at),
        _yes_no(complaint.forwarded_on_time),
        local(complaint.resolve_due_at),
        local(complaint.resolved_at),
        _yes_no(complaint.resolved_on_time),
        local(complaint.closed_at),
        complaint.remedy or "",
        to_decimal(complaint.cost_minor),
        complaint.satisfaction,
        complaint.customer_name,
        complaint.description,
    ]


@bp.route("/export.csv")
@signed_in
def export():
    params = listing.read_params(SORTABLE, "-received", FILTERS)
    query = listing.order(_filtered(params, clock.now()), params, SORTABLE, Complaint.id)
    query = query.options(joinedload(Complaint.product_line))
    activity.record("complaint.export", details={"q": params.q, **params.filters})
    db.session.commit()
    rows = _export_rows(db.engine, query)
    return csv_stream("complaints.csv", EXPORT_HEADER, rows, chunk_rows=EXPORT_BATCH)


# Recording a complaint


def _recordable_stores() -> list[Store]:
    query = access.recordable_stores(current_user).options(
        joinedload(Store.dealer).joinedload(Dealer.region)
    )
    return list(db.session.scalars(query).unique())


def _fill_choices(form: forms.ComplaintForm, stores: list[Store]) -> None:
    form.store_id.choices = [
        (store.id, f"{store.code} {store.name} ({store.dealer.code})") for store in stores
    ]
    categories = db.session.scalars(
        select(ComplaintCategory)
        .where(ComplaintCategory.active.is_(True))
        .order_by(ComplaintCategory.sort_order, ComplaintCategory.code)
    )
    form.category_id.choices = [(category.id, category.label) for category in categories]
    lines = db.session.scalars(
        select(ProductLine)
        .where(ProductLine.active.is_(True))
        .order_by(ProductLine.sort_order, ProductLine.code)
    )
    form.product_line_id.choices = [(0, "—")] + [(line.id, line.label) for line in lines]


def _render_new(form: forms.ComplaintForm, stores: list[Store], status: int = 200):
    if not form.client_key.data:
        form.client_key.data = new_client_key()
    return render_template("complaints/new.html", form=form, stores=stores), status


def _received_at(form: forms.ComplaintForm, store: Store) -> datetime | None:
    """The form's local date and time in the store's region, as UTC (None: now)."""
    typed = form.received_at.data
    if typed is None:
        return None
    zone = deadlines.zone_of(store.dealer.region.timezone)
    return typed.replace(tzinfo=zone).astimezone(UTC)


def _new_complaint(form: forms.ComplaintForm, store: Store) -> services.NewComplaint:
    severity = Severity(form.severity.data)
    return services.NewComplaint(
        store=store,
        category=db.session.get_one(ComplaintCategory, form.category_id.data),
        product_line=db.session.get(ProductLine, form.product_line_id.data or 0),
        channel=Channel(form.channel.data),
        severity=severity,
        serious_kind=SeriousKind(form.serious_kind.data) if form.serious_kind.data else None,
        customer_name=form.customer_name.data or "",
        customer_phone=form.customer_phone.data or "",
        customer_email=form.customer_email.data or "",
        description=form.description.data or "",
        received_at=_received_at(form, store),
        client_key=form.client_key.data,
    )


def _show_error(form: Any, error: services.ComplaintError, default: str) -> None:
    name = error.field if error.field in form else default
    form[name].errors = [*form[name].errors, error.message]


@bp.route("/new", methods=["GET", "POST"])
@signed_in
def new():
    if not access.can_record_complaints(current_user):
        abort(403)
    stores = _recordable_stores()
    form = forms.ComplaintForm()
    _fill_choices(form, stores)
    if request.method == "GET":
        if len(stores) == 1:
            form.store_id.data = stores[0].id
        return _render_new(form, stores)
    if not form.validate_on_submit():
        return _render_new(form, stores, 422)
    store = next(store for store in stores if store.id == form.store_id.data)
    photos = form.chosen_photos()
    if len(photos) > forms.MAX_PHOTOS:
        form.photos.errors = [_("Add at most %(count)d photos.", count=forms.MAX_PHOTOS)]
        return _render_new(form, stores, 422)
    try:  # decoded before anything is written (ends the read: no lock held meanwhile, S20)
        checked = storage.check_before_writing(photos, storage.IMAGES)
    except storage.UploadRejected as rejected:
        form.photos.errors = [str(rejected)]
        return _render_new(form, stores, 422)
    try:
        complaint = services.record(_new_complaint(form, store), actor=current_user)
        for photo in checked:
            storage.save_upload(
                photo,
                owner_type=access.COMPLAINT_PHOTO,
                owner_id=complaint.id,
                dealer_id=complaint.dealer_id,
                uploaded_by=current_user,
                allowed=storage.IMAGES,
            )
    except services.ComplaintExists as exists:
        complaint_id = exists.record.id
        db.session.rollback()
        flash(_("This complaint was already recorded."), "info")
        return redirect(url_for("complaints.detail", complaint_id=complaint_id))
    except services.ComplaintError as error:
        db.session.rollback()
        _show_error(form, error, "description")
        return _render_new(form, stores, 422)
    except storage.UploadRejected as rejected:
        db.session.rollback()
        form.photos.errors = [str(rejected)]
        return _render_new(form, stores, 422)
    db.session.commit()
    flash(_("Complaint %(reference)s recorded.", reference=complaint.reference), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


# A complaint's page


def _load_for_page(complaint: Complaint) -> None:
    """What the page shows of the complaint itself, in one query (none from the template)."""
    db.session.scalars(
        select(Complaint)
        .where(Complaint.id == complaint.id)
        .options(
            joinedload(Complaint.store),
            joinedload(Complaint.dealer),
            joinedload(Complaint.region),
            joinedload(Complaint.category),
            joinedload(Complaint.product_line),
            joinedload(Complaint.created_by),
            selectinload(Complaint.transitions).joinedload(ComplaintTransition.actor),
        )
    ).unique().all()


def photos_of(complaint: Complaint) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .where(
                Attachment.owner_type == access.COMPLAINT_PHOTO,
                Attachment.owner_id == complaint.id,
            )
            .order_by(Attachment.id)
        )
    )


def _step_forms(complaint: Complaint, failed: Any) -> list[tuple[ComplaintAction, Any]]:
    """The steps the reader may take now, each with its form (`failed`: one posted with
    errors, shown as sent)."""
    shown = []
    for action in services.steps_open_to(complaint):
        if not access.can_take_step(current_user, complaint, action):
            continue
        if failed is not None and failed[0] == action:
            form = failed[1]
        else:
            form = forms.STEP_FORMS[action](formdata=None)
            form.adopt_version(complaint)
        shown.append((action, form))
    return shown


def render_detail(complaint: Complaint, status: int = 200, failed: Any = None):
    """The complaint's page; `failed` is (action, form) of a step posted with errors."""
    _load_for_page(complaint)
    alerts = db.session.scalars(
        select(ComplaintAlert)
        .where(ComplaintAlert.complaint_id == complaint.id)
        .order_by(ComplaintAlert.sent_at, ComplaintAlert.id)
    ).all()
    now = clock.now()
    return render_template(
        "complaints/detail.html",
        complaint=complaint,
        photos=photos_of(complaint),
        clocks=clocks.clocks_for([complaint], now)[complaint.id],
        alerts=alerts,
        local_time=clocks.local_time,
        steps=_step_forms(complaint, failed),
    ), status


@bp.route("/<int:complaint_id>")
@signed_in
def detail(complaint_id: int):
    return render_detail(access.get_complaint_or_404(current_user, complaint_id))
