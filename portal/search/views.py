"""GET /search: one box in the navigation, results grouped by kind and scoped like every list.

Dealers and stores match by code, name, city or city alias (北京 / Beijing); plans and audits
match by their dealer's code or name (audits also by store code or name, plans by period).
Without a `kind` the page shows the first few of each group with its total; with one it pages
through that group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import contains_eager

from portal import access, listing
from portal.access import audits as audit_access
from portal.access import signed_in
from portal.models import Audit, Dealer, SalesPlan, Store

bp = Blueprint("search", __name__, url_prefix="/search")
MIN_LENGTH = 2
PREVIEW = 5


@dataclass(frozen=True)
class Group:
    kind: str
    title: Any
    query: Callable[[str], Select[Any]]


def _dealers(text: str) -> Select[Any]:
    query = access.visible_dealers(current_user).options(contains_eager(Dealer.region))
    query = query.join(Dealer.region)
    query = listing.search(query, [Dealer.code, Dealer.name, Dealer.city, Dealer.city_alias], text)
    return query.order_by(Dealer.code, Dealer.id)


def _stores(text: str) -> Select[Any]:
    query = access.visible_stores(current_user).join(Store.dealer)
    query = listing.search(query, [Store.code, Store.name, Store.city, Store.city_alias], text)
    return query.options(contains_eager(Store.dealer)).order_by(Store.code, Store.id)


def _plans(text: str) -> Select[Any]:
    query = access.visible_plans(current_user).join(SalesPlan.dealer)
    query = listing.search(query, [Dealer.code, Dealer.name, SalesPlan.period], text)
    return query.options(contains_eager(SalesPlan.dealer)).order_by(
        SalesPlan.period.desc(), Dealer.code, SalesPlan.id
    )


def _audits(text: str) -> Select[Any]:
    query = (
        audit_access.visible_audits(current_user)
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .join(Store, Store.id == Audit.store_id)
    )
    query = listing.search(query, [Dealer.code, Dealer.name, Store.code, Store.name], text)
    return query.options(contains_eager(Audit.dealer), contains_eager(Audit.store)).order_by(
        Audit.scheduled_for.desc(), Audit.id.desc()
    )


GROUPS = (
    Group("dealers", _l("Dealers"), _dealers),
    Group("stores", _l("Stores"), _stores),
    Group("plans", _l("Sales plans"), _plans),
    Group("audits", _l("Audits"), _audits),
)
KINDS = {group.kind: group for group in GROUPS}


@bp.route("")
@signed_in
def index():
    params = listing.read_params(("relevance",), "relevance", ("kind",))
    kind = params.filters.get("kind", "")
    text = params.q
    results: list[tuple[Group, Any]] = []
    if len(text) >= MIN_LENGTH:
        if kind in KINDS:
            group = KINDS[kind]
            results.append((group, listing.paginate(group.query(text), params)))
        else:
            first = listing.ListParams(q=text, page=1)
            for group in GROUPS:
                results.append((group, listing.paginate(group.query(text), first, PREVIEW)))
    return render_template(
        "search/index.html",
        params=params,
        text=text,
        kind=kind if kind in KINDS else "",
        results=results,
        groups=GROUPS,
        too_short=0 < len(text) < MIN_LENGTH,
        min_length=MIN_LENGTH,
    )
