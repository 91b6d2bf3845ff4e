"""Store pages: list, search, export, import, detail, edit, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from portal import access, activity, listing
from portal.access import admin_only, signed_in
from portal.csvio import csv_response, template_response
from portal.extensions import db
from portal.forms import ButtonForm
from portal.ids import to_id
from portal.models import Dealer, Store, StoreFormat, StoreStatus
from portal.network import csv_import, services
from portal.network.editing import import_page, save_form, toggle_active
from portal.network.forms import StoreForm

bp = Blueprint("stores", __name__, url_prefix="/stores")

SORTABLE = {
    "code": Store.code,
    "name": Store.name,
    "city": Store.city,
    "dealer": Dealer.code,
    "status": Store.status,
    "opened_on": Store.opened_on,
}
FILTERS = ("dealer", "region", "format", "status", "inactive")


def _scoped_query(params: listing.ListParams):
    query = access.visible_stores(current_user).join(Store.dealer)
    query = listing.search(query, [Store.code, Store.name, Store.city, Store.city_alias], params.q)
    filters = params.filters
    query = listing.where_ids(
        query, params, {"dealer": Store.dealer_id, "region": Dealer.region_id}
    )
    if filters.get("format") in StoreFormat.__members__.values():
        query = query.where(Store.format == filters["format"])
    if filters.get("status") in StoreStatus.__members__.values():
        query = query.where(Store.status == filters["status"])
    if filters.get("inactive") != "1":
        query = query.where(Store.active.is_(True))
    return listing.order(query, params, SORTABLE, Store.id)


@bp.route("/")
@signed_in
def index():
    params = listing.read_params(SORTABLE, "code", FILTERS)
    query = _scoped_query(params).options(contains_eager(Store.dealer))
    page = listing.paginate(query, params)
    regions = db.session.scalars(access.visible_regions(current_user)).all()
    return render_template(
        "network/stores/index.html",
        page=page,
        params=params,
        regions=regions,
        formats=StoreFormat,
        statuses=StoreStatus,
    )


@bp.route("/export.csv")
@signed_in
def export():
    params = listing.read_params(SORTABLE, "code", FILTERS)
    stores = db.session.scalars(_scoped_query(params).options(contains_eager(Store.dealer)))
    header = [*csv_import.STORE_COLUMNS, *csv_import.EXPORT_ONLY_COLUMNS]
    rows = (
        [
            s.code,
            s.name,
            s.dealer.code,
            s.address,
            s.city,
            s.city_alias,
            s.format,
            s.opened_on,
            s.status,
            "yes" if s.active else "no",
        ]
        for s in stores
    )
    activity.record("store.export", details={"q": params.q, **params.filters})
    db.session.commit()
    return csv_response("stores.csv", header, rows)


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def import_csv():
    return import_page(
        csv_import.import_stores,
        columns=csv_import.STORE_COLUMNS,
        title=_("Import stores"),
        back="stores.index",
        template="stores.import_template",
    )


@bp.route("/import/template.csv")
@admin_only
def import_template():
    return template_response(
        "stores-template.csv", csv_import.STORE_COLUMNS, csv_import.store_example()
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = StoreForm()
    form.dealer_id.choices = services.dealer_choices()
    if request.method == "GET" and (dealer_id := to_id(request.args.get("dealer"))) is not None:
        form.dealer_id.data = dealer_id
    store, _conflicts = save_form(form, None, services.create_store, services.update_store)
    if store is not None:
        flash(_("Store %(code)s created.", code=store.code), "success")
        return redirect(url_for("stores.detail", store_id=store.id))
    return render_template("network/stores/edit.html", form=form, store=None)


@bp.route("/<int:store_id>")
@signed_in
def detail(store_id: int):
    store = access.get_store_or_404(current_user, store_id)
    history = [] if current_user.is_dealer else activity.history_for(store)
    return render_template(
        "network/stores/detail.html",
        store=store,
        history=history,
        button=ButtonForm(),
        can_manage=access.can_manage_registry(current_user),
    )


@bp.route("/<int:store_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(store_id: int):
    store = access.get_store_or_404(current_user, store_id)
    form = StoreForm(obj=store)
    form.dealer_id.choices = services.dealer_choices(include=store.dealer_id)
    saved, conflicts = save_form(form, store, services.create_store, services.update_store)
    if saved is not None:
        flash(_("Store %(code)s saved.", code=store.code), "success")
        return redirect(url_for("stores.detail", store_id=store.id))
    return render_template(
        "network/stores/edit.html", form=form, store=store, conflicts=conflicts
    ), (409 if conflicts else 200)


@bp.route("/<int:store_id>/active", methods=["POST"])
@admin_only
def set_active(store_id: int):
    toggle_active(access.get_store_or_404(current_user, store_id))
    return redirect(url_for("stores.detail", store_id=store_id))
