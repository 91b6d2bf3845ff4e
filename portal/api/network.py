"""The network registry over the API: regions, dealers, stores, product lines, and `/me`."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select

from portal import access
from portal.access import signed_in
from portal.api import bp
from portal.api.auth import current_token
from portal.api.paging import (
    ListArgs,
    filter_common,
    filter_owned,
    id_field,
    paginate,
    sort_field,
    sorts_for,
    updated_since_field,
)
from portal.api.schemas import (
    DealerPage,
    DealerSchema,
    ProductLinePage,
    ProductLineSchema,
    RegionPage,
    RegionSchema,
    StorePage,
    StoreSchema,
    TokenInfoSchema,
    enum,
)
from portal.api.spec import answers, one, single, statuses
from portal.extensions import db
from portal.models import Dealer, DealerStatus, ProductLine, Region, Store, StoreStatus

LIST_ERRORS = statuses(400, 422)


# Who am I


@bp.route("/me")
@signed_in
@bp.response(200, TokenInfoSchema)
@answers(bp, *statuses())
def me():
    """The token and the user it acts as."""
    token = current_token()
    return {
        "token_name": token.name,
        "read_only": token.read_only,
        "expires_at": token.expires_at,
        "user_id": current_user.id,
        "role": current_user.role,
        "dealer_id": current_user.dealer_id,
        "region_ids": sorted(access.region_ids_of(current_user)),
    }


# Regions

REGION_SORTS = {"id": Region.id, "code": Region.code, "updated_at": Region.updated_at}


class RegionArgs(ListArgs):
    sort = sort_field(sorts_for(REGION_SORTS), "id")
    updated_since = updated_since_field()


@bp.route("/regions")
@signed_in
@bp.arguments(RegionArgs, location="query")
@bp.response(200, RegionPage)
@answers(bp, *LIST_ERRORS)
def regions(args: dict):
    """Regions this token may see."""
    query = access.visible_regions(current_user).order_by(None)
    query = filter_common(query, args, {"updated_since": Region.updated_at})
    return paginate(query, args, sorts=REGION_SORTS, id_column=Region.id)


@bp.route("/regions/<int:region_id>")
@signed_in
@single(bp, RegionSchema)
def region(region_id: int):
    found = db.session.scalar(
        access.visible_regions(current_user).where(Region.id == region_id).order_by(None)
    )
    if found is None:
        abort(404)
    return one(RegionSchema, found)


# Dealers

DEALER_SORTS = {
    "id": Dealer.id,
    "code": Dealer.code,
    "name": Dealer.name,
    "updated_at": Dealer.updated_at,
}


class DealerArgs(ListArgs):
    sort = sort_field(sorts_for(DEALER_SORTS), "id")
    region = id_field()
    status = enum(DealerStatus)
    updated_since = updated_since_field()


@bp.route("/dealers")
@signed_in
@bp.arguments(DealerArgs, location="query")
@bp.response(200, DealerPage)
@answers(bp, *LIST_ERRORS)
def dealers(args: dict):
    """Dealers this token may see."""
    query = filter_common(
        access.visible_dealers(current_user),
        args,
        {"region": Dealer.region_id, "status": Dealer.status, "updated_since": Dealer.updated_at},
    )
    return paginate(query, args, sorts=DEALER_SORTS, id_column=Dealer.id)


@bp.route("/dealers/<int:dealer_id>")
@signed_in
@single(bp, DealerSchema)
def dealer(dealer_id: int):
    return one(DealerSchema, access.get_dealer_or_404(current_user, dealer_id))


# Stores

STORE_SORTS = {"id": Store.id, "code": Store.code, "updated_at": Store.updated_at}


class StoreArgs(ListArgs):
    sort = sort_field(sorts_for(STORE_SORTS), "id")
    region = id_field()
    dealer = id_field()
    status = enum(StoreStatus)
    updated_since = updated_since_field()


@bp.route("/stores")
@signed_in
@bp.arguments(StoreArgs, location="query")
@bp.response(200, StorePage)
@answers(bp, *LIST_ERRORS)
def stores(args: dict):
    """Stores of the dealers this token may see."""
    query = filter_owned(
        access.visible_stores(current_user),
        args,
        Store.dealer_id,
        {"status": Store.status, "updated_since": Store.updated_at},
    )
    return paginate(query, args, sorts=STORE_SORTS, id_column=Store.id)


@bp.route("/stores/<int:store_id>")
@signed_in
@single(bp, StoreSchema)
def store(store_id: int):
    return one(StoreSchema, access.get_store_or_404(current_user, store_id))


# Product lines (the catalogue every plan and report uses: any signed-in user reads it)

LINE_SORTS = {
    "id": ProductLine.id,
    "code": ProductLine.code,
    "sort_order": ProductLine.sort_order,
    "updated_at": ProductLine.updated_at,
}


class ProductLineArgs(ListArgs):
    sort = sort_field(sorts_for(LINE_SORTS), "sort_order")
    active = fields.Boolean()
    updated_since = updated_since_field()


@bp.route("/product-lines")
@signed_in
@bp.arguments(ProductLineArgs, location="query")
@bp.response(200, ProductLinePage)
@answers(bp, *LIST_ERRORS)
def product_lines(args: dict):
    query = select(ProductLine)
    if args.get("active") is not None:
        query = query.where(ProductLine.active.is_(args["active"]))
    query = filter_common(query, args, {"updated_since": ProductLine.updated_at})
    return paginate(query, args, sorts=LINE_SORTS, id_column=ProductLine.id)


@bp.route("/product-lines/<int:line_id>")
@signed_in
@single(bp, ProductLineSchema)
def product_line(line_id: int):
    found = db.session.get(ProductLine, line_id)
    if found is None:
        abort(404)
    return one(ProductLineSchema, found)
