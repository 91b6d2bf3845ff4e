"""Object scope for the network registry: who sees which region, dealer and store."""

from __future__ import annotations

from typing import Any

from flask import abort, g, has_request_context
from sqlalchemy import ColumnElement, ScalarSelect, Select, false, select, true

from portal.extensions import db
from portal.models import Dealer, Region, Store, User, supervisor_regions


def region_ids_of(user: User) -> frozenset[int]:
    """A supervisor's regions, read from the database once per request (never from the session)."""
    cache_key = f"_region_ids_{user.id}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    ids = frozenset(
        db.session.scalars(
            select(supervisor_regions.c.region_id).where(supervisor_regions.c.user_id == user.id)
        )
    )
    if has_request_context():
        setattr(g, cache_key, ids)
    return ids


def dealer_scope(user: User, dealer_id_column: ColumnElement[int]) -> ColumnElement[bool]:
    """A WHERE clause limiting any row with a dealer id to what `user` may see."""
    if user.is_admin:
        return true()
    if user.is_supervisor:
        region_ids = region_ids_of(user)
        if not region_ids:
            return false()
        return dealer_id_column.in_(_dealers_in_regions(user, region_ids))
    if user.is_dealer and user.dealer_id is not None:
        return dealer_id_column == user.dealer_id
    return false()


def _dealers_in_regions(user: User, region_ids: frozenset[int]) -> ScalarSelect[int]:
    """The ids of the dealers in a supervisor's regions, as a subquery built once per request
    (a home page scopes a dozen statements with it)."""
    cache_key = f"_dealers_in_regions_{user.id}"
    kept = g.get(cache_key) if has_request_context() else None
    if kept is not None and kept[0] == region_ids:
        return kept[1]
    in_regions = select(Dealer.id).where(Dealer.region_id.in_(region_ids)).scalar_subquery()
    if has_request_context():
        setattr(g, cache_key, (region_ids, in_regions))
    return in_regions


def visible_regions(user: User) -> Select[tuple[Region]]:
    query = select(Region).order_by(Region.name)
    if user.is_admin:
        return query
    if user.is_supervisor:
        return query.where(Region.id.in_(region_ids_of(user)))
    return query.where(
        Region.id.in_(select(Dealer.region_id).where(Dealer.id == user.dealer_id).scalar_subquery())
    )


def visible_dealers(user: User) -> Select[tuple[Dealer]]:
    return select(Dealer).where(dealer_scope(user, Dealer.id))


def visible_stores(user: User) -> Select[tuple[Store]]:
    return select(Store).where(dealer_scope(user, Store.dealer_id))


def can_view_dealer(user: User, dealer: Dealer) -> bool:
    if user.is_admin:
        return True
    if user.is_supervisor:
        return dealer.region_id in region_ids_of(user)
    return user.is_dealer and user.dealer_id == dealer.id


def can_edit_dealer_contact(user: User, dealer: Dealer) -> bool:
    """Admins edit everything; supervisors edit contact details of their regions' dealers."""
    return user.is_admin or (user.is_supervisor and can_view_dealer(user, dealer))


def can_manage_registry(user: User) -> bool:
    """Create, edit, move and deactivate regions, dealers, stores, product lines and users."""
    return user.is_admin


def can_view_store(user: User, store: Store) -> bool:
    return can_view_dealer(user, store.dealer)


def can_edit_store(user: User, store: Store) -> bool:
    return user.is_admin


def fetch(model: type, record_id: int, for_update: bool) -> Any:
    """The record by id; `for_update` locks its row and reads it afresh (PostgreSQL)."""
    if not for_update:
        return db.session.get(model, record_id)
    query = select(model).where(model.id == record_id).with_for_update(of=model)
    return db.session.scalar(query.execution_options(populate_existing=True))


def get_dealer_or_404(user: User, dealer_id: int, *, for_update: bool = False) -> Dealer:
    dealer = fetch(Dealer, dealer_id, for_update)
    if dealer is None or not can_view_dealer(user, dealer):
        abort(404)
    return dealer


def get_store_or_404(user: User, store_id: int, *, for_update: bool = False) -> Store:
    store = fetch(Store, store_id, for_update)
    if store is None or not can_view_store(user, store):
        abort(404)
    return store
