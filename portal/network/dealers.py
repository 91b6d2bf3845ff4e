"""Dealer pages: list, search, export, import, profile, edit, move, deactivate."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal import access, activity, clock, listing, periods
from portal.access import admin_only, signed_in, staff_only
from portal.access.dossiers import can_issue_dealer_file
from portal.csvio import csv_response, template_response
from portal.dossiers import services as dossiers
from portal.extensions import db
from portal.forms import ButtonForm
from portal.ids import to_id
from portal.metrics import contracts as contract_metrics
from portal.metrics import plans as plan_metrics
from portal.metrics import prospects as prospect_metrics
from portal.metrics import totals
from portal.models import Dealer, DealerKind, DealerStatus, Region, Store, User
from portal.network import csv_import, services
from portal.network.editing import import_page, save_form, toggle_active
from portal.network.forms import (
    DealerContactForm,
    DealerEditForm,
    DealerForm,
    MoveDealerForm,
)

bp = Blueprint("dealers", __name__, url_prefix="/dealers")

SORTABLE = {
    "code": Dealer.code,
    "name": Dealer.name,
    "city": Dealer.city,
    "region": Region.name,
    "status": Dealer.status,
    "kind": Dealer.kind,
}
FILTERS = ("region", "kind", "status", "inactive")


def _scoped_query(params: listing.ListParams):
    query = access.visible_dealers(current_user).join(Dealer.region)
    query = listing.search(
        query, [Dealer.code, Dealer.name, Dealer.city, Dealer.city_alias], params.q
    )
    filters = params.filters
    query = listing.where_ids(query, params, {"region": Dealer.region_id})
    if filters.get("kind") in DealerKind.__members__.values():
        query = query.where(Dealer.kind == filters["kind"])
    if filters.get("status") in DealerStatus.__members__.values():
        query = query.where(Dealer.status == filters["status"])
    if filters.get("inactive") != "1":
        query = query.where(Dealer.active.is_(True))
    return listing.order(query, params, SORTABLE, Dealer.id)


@bp.route("/")
@signed_in
def index():
    if current_user.is_dealer:
        return redirect(url_for("dealers.detail", dealer_id=current_user.dealer_id))
    params = listing.read_params(SORTABLE, "code", FILTERS)
    query = _scoped_query(params).options(contains_eager(Dealer.region))
    page = listing.paginate(query, params)
    store_counts = totals.active_store_counts([dealer.id for dealer in page.items])
    regions = db.session.scalars(access.visible_regions(current_user)).all()
    return render_template(
        "network/dealers/index.html",
        page=page,
        params=params,
        store_counts=store_counts,
        regions=regions,
        kinds=DealerKind,
        statuses=DealerStatus,
    )


@bp.route("/export.csv")
@staff_only
def export():
    params = listing.read_params(SORTABLE, "code", FILTERS)
    dealers = db.session.scalars(_scoped_query(params).options(contains_eager(Dealer.region)))
    header = [*csv_import.DEALER_COLUMNS, *csv_import.EXPORT_ONLY_COLUMNS]
    rows = (
        [
            d.code,
            d.name,
            d.kind,
            d.status,
            d.region.code,
            d.contact_person,
            d.phone,
            d.email,
            d.address,
            d.city,
            d.city_alias,
            d.contract_start,
            d.contract_end,
            "yes" if d.active else "no",
        ]
        for d in dealers
    )
    activity.record("dealer.export", details={"q": params.q, **params.filters})
    db.session.commit()
    return csv_response("dealers.csv", header, rows)


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def import_csv():
    return import_page(
        csv_import.import_dealers,
        columns=csv_import.DEALER_COLUMNS,
        title=_("Import dealers"),
        back="dealers.index",
        template="dealers.import_template",
    )


@bp.route("/import/template.csv")
@admin_only
def import_template():
    return template_response(
        "dealers-template.csv", csv_import.DEALER_COLUMNS, csv_import.dealer_example()
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = DealerForm()
    form.region_id.choices = services.region_choices()
    if request.method == "GET" and (region_id := to_id(request.args.get("region"))) is not None:
        form.region_id.data = region_id
    dealer, _conflicts = save_form(form, None, services.create_dealer, services.update_dealer)
    if dealer is not None:
        flash(_("Dealer %(code)s created.", code=dealer.code), "success")
        return redirect(url_for("dealers.detail", dealer_id=dealer.id))
    return render_template("network/dealers/edit.html", form=form, dealer=None)


@bp.route("/<int:dealer_id>")
@signed_in
def detail(dealer_id: int):
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    stores = db.session.scalars(
        select(Store).where(Store.dealer_id == dealer.id).order_by(Store.active.desc(), Store.code)
    ).all()
    users = []
    history = []
    if not current_user.is_dealer:
        users = db.session.scalars(
            select(User).where(User.dealer_id == dealer.id).order_by(User.name)
        ).all()
        history = activity.history_for(dealer)
    signed_from, first_year = prospect_metrics.first_year_targets(dealer.id)
    return render_template(
        "network/dealers/detail.html",
        dealer=dealer,
        stores=stores,
        users=users,
        history=history,
        button=ButtonForm(),
        can_edit=access.can_edit_dealer_contact(current_user, dealer),
        can_manage=access.can_manage_registry(current_user),
        performance=plan_metrics.dealer_overview(
            dealer.id,
            periods.of(clock.today()),
            ytd_through=periods.shift(periods.of(clock.today()), -1),
        ),
        dealer_files=dossiers.issued_files(dealer.id),
        can_issue_file=can_issue_dealer_file(current_user, dealer),
        contract=contract_metrics.contract_state(
            dealer.contract_end,
            today=clock.today(),
            within_days=int(current_app.config["CONTRACT_WARNING_DAYS"]),
        ),
        today=clock.today(),
        signed_from=signed_from,
        first_year=first_year,
    )


@bp.route("/<int:dealer_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(dealer_id: int):
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    if not access.can_edit_dealer_contact(current_user, dealer):
        abort(404)
    full = access.can_manage_registry(current_user)
    form = DealerEditForm(obj=dealer) if full else DealerContactForm(obj=dealer)
    update = services.update_dealer if full else services.update_dealer_contact
    saved, conflicts = save_form(form, dealer, services.create_dealer, update)
    if saved is not None:
        flash(_("Dealer %(code)s saved.", code=dealer.code), "success")
        return redirect(url_for("dealers.detail", dealer_id=dealer.id))
    return render_template(
        "network/dealers/edit.html", form=form, dealer=dealer, conflicts=conflicts, full=full
    ), (409 if conflicts else 200)


@bp.route("/<int:dealer_id>/move", methods=["GET", "POST"])
@admin_only
def move(dealer_id: int):
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    form = MoveDealerForm(obj=dealer)
    form.region_id.choices = services.region_choices(include=dealer.region_id)
    if form.validate_on_submit():
        if form.is_stale(dealer):
            form.adopt_version(dealer)
            flash(_("This dealer was changed by someone else. Check and try again."), "warning")
            return render_template("network/dealers/move.html", form=form, dealer=dealer), 409
        try:
            services.move_dealer(dealer, form.region_id.data)
        except services.RegistryError as error:
            db.session.rollback()
            form.region_id.errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _(
                    "Dealer %(code)s moved to %(region)s.",
                    code=dealer.code,
                    region=dealer.region.name,
                ),
                "success",
            )
            return redirect(url_for("dealers.detail", dealer_id=dealer.id))
    return render_template("network/dealers/move.html", form=form, dealer=dealer)


@bp.route("/<int:dealer_id>/active", methods=["POST"])
@admin_only
def set_active(dealer_id: int):
    toggle_active(access.get_dealer_or_404(current_user, dealer_id))
    return redirect(url_for("dealers.detail", dealer_id=dealer_id))
