"""The canary sweep (check S3): each dealer's marker must never reach anyone outside its scope.

A marker is a unique string per dealer. Marker seeders write it into everything that belongs
to that dealer; the sweep then crawls the portal as a user and reports every response body
that carries a marker of a dealer this user may not see.

Later areas register a seeder for what they add, in `tests/<area>/canary_markers.py` (the
sweep imports every such module), and the same sweep covers it:

    from tests.security.canary import marker_seeder

    @marker_seeder("sales_plans")
    def _plan_comments(dealer: Dealer, marker: str) -> None:
        for plan in db.session.scalars(select(SalesPlan).where(SalesPlan.dealer_id == dealer.id)):
            plan.comment = f"{plan.comment} {marker}"

Binary responses are read through `tests.security.crawler.body_reader` (PDF text is built in).
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal import notifications
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    Dealer,
    Notification,
    Role,
    Store,
    User,
    supervisor_regions,
)
from tests.conftest import client_for
from tests.security import routes
from tests.security.crawler import Page, crawl
from tests.support.databases import DemoVariant

TESTS = Path(__file__).resolve().parents[1]
MarkerSeeder = Callable[[Dealer, str], None]
_seeders: dict[str, MarkerSeeder] = {}

# GET endpoints the sweep must not visit (none yet; an area adds one with a reason).
SKIPPED_ENDPOINTS: set[str] = set()
MAX_PAGES_PER_USER = 700
# GET endpoints whose content depends on the query string: the sweep visits them with these
# arguments too. Every marker starts with CANARY, so this search matches every dealer's
# records, and only those in the user's scope may come back.
QUERY_SAMPLES: dict[str, list[str]] = {
    "search.index": [
        "q=CANARY",
        *(f"q=CANARY&kind={kind}" for kind in ("dealers", "stores", "plans", "audits")),
    ],
    # The complaint list and its CSV search customer names and descriptions too.
    "complaints.index": ["q=CANARY"],
    "complaints.export": ["q=CANARY"],
    # Receivables lists search dealer codes and names, collections invoice numbers too.
    "receivables.index": ["q=CANARY"],
    "receivables.collections_index": ["q=CANARY"],
}


def marker_seeder(name: str) -> Callable[[MarkerSeeder], MarkerSeeder]:
    """Register a function that writes `marker` into records owned by `dealer`."""

    def register(seeder: MarkerSeeder) -> MarkerSeeder:
        _seeders[name] = seeder
        return seeder

    return register


def load_area_seeders() -> list[str]:
    """Import every `tests/<area>/canary_markers.py`, so their seeders register themselves."""
    modules = []
    for path in sorted(TESTS.glob("*/canary_markers.py")):
        name = f"tests.{path.parent.name}.canary_markers"
        importlib.import_module(name)
        modules.append(name)
    return modules


def seed_markers() -> dict[int, str]:
    """Give every dealer a unique marker and let every seeder plant it; returns {dealer: marker}."""
    load_area_seeders()
    markers = {}
    for dealer in db.session.scalars(select(Dealer).order_by(Dealer.id)):
        # Fixed width, so no marker is a prefix of another; letters and digits only, so
        # HTML, JSON and CSV escaping cannot hide one.
        markers[dealer.id] = f"CANARY{dealer.id:05d}Z{secrets.token_hex(4).upper()}"
        for seeder in _seeders.values():
            seeder(dealer, markers[dealer.id])
    db.session.commit()
    return markers


# The demo network with the markers seeded, once per worker: the `canary_markers` fixture.
CANARY_DEMO = DemoVariant("canary", seed_markers)


@marker_seeder("dealer")
def _dealer_fields(dealer: Dealer, marker: str) -> None:
    dealer.name = f"{dealer.name} {marker}"
    dealer.contact_person = f"{dealer.contact_person} {marker}"
    dealer.phone = marker
    dealer.email = f"{marker.lower()}@dealers.example.test"
    dealer.address = f"{dealer.address} {marker}"
    dealer.city = f"{dealer.city} {marker}"


@marker_seeder("stores")
def _store_fields(dealer: Dealer, marker: str) -> None:
    for store in db.session.scalars(select(Store).where(Store.dealer_id == dealer.id)):
        store.name = f"{store.name} {marker}"
        store.address = f"{store.address} {marker}"
        store.city = f"{store.city} {marker}"


@marker_seeder("dealer_users")
def _dealer_users(dealer: Dealer, marker: str) -> None:
    for user in db.session.scalars(select(User).where(User.dealer_id == dealer.id)):
        user.name = f"{user.name} {marker}"


notifications.register_kind("canary.marker", "%(text)s")


@marker_seeder("notifications")
def _inbox(dealer: Dealer, marker: str) -> None:
    for user in db.session.scalars(select(User).where(User.dealer_id == dealer.id)):
        db.session.add(
            Notification(
                user_id=user.id,
                kind="canary.marker",
                params={"text": f"Message for {marker}"},
                link=f"/dealers/{dealer.id}",
            )
        )


@marker_seeder("activity")
def _history(dealer: Dealer, marker: str) -> None:
    db.session.add(
        ActivityEntry(
            action="dealer.update",
            object_type="dealer",
            object_id=dealer.id,
            object_label=f"{dealer.code} {marker}",
            details={"note": marker},
        )
    )


def visible_dealer_ids(user: User) -> set[int]:
    """The oracle, straight from DESIGN.md and the database (independent of portal.access)."""
    if user.role == Role.ADMIN:
        return set(db.session.scalars(select(Dealer.id)))
    if user.role == Role.SUPERVISOR:
        regions = select(supervisor_regions.c.region_id).where(
            supervisor_regions.c.user_id == user.id
        )
        return set(db.session.scalars(select(Dealer.id).where(Dealer.region_id.in_(regions))))
    return {user.dealer_id} if user.dealer_id is not None else set()


def sweep_urls(app: Flask, role: Role | None = None) -> list[str]:
    """Every GET rule with its integer arguments set to every existing id.

    Given a role, rules whose declared access rule refuses that role are left out: the
    before-request check answers them before any view runs (S6 proves they refuse).
    """
    plain: list[str] = []
    with_ids: list[str] = []
    for route in routes.routes(app):
        if not route.reads or route.endpoint in SKIPPED_ENDPOINTS:
            continue
        if role is not None and not route.is_public and not route.allows_role(role):
            continue
        paths = list(routes.enumerate_paths(route))
        urls = with_ids if route.int_arguments else plain
        urls.extend(paths)
        for sample in QUERY_SAMPLES.get(route.endpoint, []):
            urls.extend(f"{path}?{sample}" for path in paths)
    # Rules without ids first (lists, exports, searches: few, and each covers many dealers),
    # so the page budget never leaves one of them out; then every id of every other rule.
    return plain + with_ids


@dataclass
class Leak:
    url: str
    dealer_id: int
    marker: str


@dataclass
class SweepResult:
    pages: list[Page]
    leaks: list[Leak] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # dealers whose marker this user saw


def sweep(app: Flask, user: User, password: str, markers: dict[int, str]) -> SweepResult:
    """Crawl everything `user` can reach; report markers of dealers outside their scope."""
    allowed = visible_dealer_ids(user)
    client = client_for(app, user.email, password)
    pages = crawl(client, ("/home",), sweep_urls(app, user.role), max_pages=MAX_PAGES_PER_USER)
    result = SweepResult(pages)
    lowered = {dealer_id: marker.lower() for dealer_id, marker in markers.items()}
    for page in pages:
        body = page.text.lower()
        for dealer_id, marker in lowered.items():
            if marker in body:
                result.seen.add(dealer_id)
                if dealer_id not in allowed:
                    result.leaks.append(Leak(page.url, dealer_id, markers[dealer_id]))
    return result
