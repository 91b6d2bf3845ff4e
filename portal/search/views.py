"""GET /search: one box in the navigation, results grouped by kind and scoped like every list.

Dealers and stores match by code, name, city or city alias (北京 / Beijing); plans and audits
match by their dealer's code or name (audits also by store code or name, plans by period).
Without a `kind` the page shows the first few of each group with its total; with one it pages
through that group. Texts are matched through the search index (`portal/search/matching.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select, union_all
from sqlalchemy.orm import contains_eager

from portal import access, listing
from portal.access import audits as audit_access
from portal.access import signed_in
from portal.models import Audit, Dealer, SalesPlan, Store, User
from portal.search import matching

bp = Blueprint("search", __name__, url_prefix="/search")
MIN_LENGTH = 2
PREVIEW = 5


@dataclass(frozen=True)
class Group:
    kind: str
    title: Any
    query: Callable[[User, str], Select[Any]]


# Only digits and dashes can be part of a period (YYYY-MM): any other text matches none.
PERIOD_TEXT = re.compile(r"[0-9-]+")


def _dealers(user: User, text: str) -> Select[Any]:
    query = access.visible_dealers(user).options(contains_eager(Dealer.region))
    query = query.join(Dealer.region).where(matching.dealer_match(text))
    return query.order_by(Dealer.code, Dealer.id)


def _stores(user: User, text: str) -> Select[Any]:
    query = access.visible_stores(user).join(Store.dealer).where(matching.store_match(text))
    return query.options(contains_eager(Store.dealer)).order_by(Store.code, Store.id)


def _dealer_ids(user: User, text: str) -> Select[tuple[int]]:
    """The dealers in the user's scope whose code or name holds the text. Scoped here too
    (the outer query is as well): a supervisor's plans and audits are then looked up
    for their own dealers only, not for every dealer in the network that matches."""
    found = matching.dealer_match(text, matching.CODE_AND_NAME)
    return access.visible_dealers(user).with_only_columns(Dealer.id).where(found)


def _store_ids(user: User, text: str) -> Select[tuple[int]]:
    found = matching.store_match(text, matching.CODE_AND_NAME)
    return access.visible_stores(user).with_only_columns(Store.id).where(found)


def _plans(user: User, text: str) -> Select[Any]:
    found = SalesPlan.dealer_id.in_(_dealer_ids(user, text))
    if PERIOD_TEXT.fullmatch(text):  # a union, as for audits below
        by_period = select(SalesPlan.id).where(SalesPlan.period.contains(text))
        found = SalesPlan.id.in_(union_all(select(SalesPlan.id).where(found), by_period))
    query = access.visible_plans(user).join(SalesPlan.dealer).where(found)
    return query.options(contains_eager(SalesPlan.dealer)).order_by(
        SalesPlan.period.desc(), Dealer.code, SalesPlan.id
    )


def _audits(user: User, text: str) -> Select[Any]:
    # A union rather than OR (IN does not mind duplicates): each half reads audits by its
    # dealer or store index, where `dealer_id IN (…) OR store_id IN (…)` makes PostgreSQL
    # read every audit.
    found = union_all(
        select(Audit.id).where(Audit.dealer_id.in_(_dealer_ids(user, text))),
        select(Audit.id).where(Audit.store_id.in_(_store_ids(user, text))),
    )
    query = (
        audit_access.visible_audits(user)
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .join(Store, Store.id == Audit.store_id)
        .where(Audit.id.in_(found))
    )
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
            results.append((group, listing.paginate(group.query(current_user, text), params)))
        else:
            first = listing.ListParams(q=text, page=1)
            for group in GROUPS:
                query = group.query(current_user, text)
                results.append((group, listing.paginate(query, first, PREVIEW)))
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
