"""Contracts pages run a fixed number of queries however many dealers, contracts and
documents there are (no N+1: the overview, a dealer's page, a contract, the homes)."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.contracts import services
from portal.extensions import db
from tests.contracts.conftest import contract, document
from tests.support.factories import make_dealer, make_user
from tests.support.queries import counting


def grow(world, kinds, dealers: int) -> None:
    """Add dealers of region A, each with a contract ending soon, a renewal under way and
    documents expiring, accepted or waiting."""
    admin, supervisor = world.people["admin"], world.people["supervisor_a"]
    for _ in range(dealers):
        dealer = make_dealer(world.region_a)
        user = make_user(dealer=dealer)
        old = contract(dealer, admin, number=f"C-{dealer.code}", ends_in=20)
        services.propose_renewal(
            old,
            number=f"R-{dealer.code}",
            starts_on=old.ends_on + timedelta(days=1),
            ends_on=old.ends_on + timedelta(days=700),
            terms="More years",
            actor=supervisor,
        )
        expiring = document(
            dealer, kinds["BIZ"], user, expires_on=clock.today() + timedelta(days=5)
        )
        services.review_document(
            expiring, accept=True, reason="", version=expiring.version, actor=admin
        )
        document(dealer, kinds["ALC"], user)
    db.session.commit()


def _queries(client, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_contracts_pages_do_not_grow_with_the_network(world, kinds, signed):
    grow(world, kinds, 10)  # past the home's own small-network shortcuts
    x = world.dealer_x.id
    urls = {
        "admin": ["/contracts/", f"/contracts/dealers/{x}", "/home"],
        "supervisor_a": ["/contracts/", "/home"],
        "dealer_x": [f"/contracts/dealers/{x}", "/home"],
    }
    pages = [(role, url) for role, found in urls.items() for url in found]
    # Each page once first: after a change, the first look may refresh what it found stale.
    for role, url in pages:
        _queries(signed(role), url)
    before = {(role, url): _queries(signed(role), url) for role, url in pages}
    grow(world, kinds, 10)
    for role, url in pages:
        _queries(signed(role), url)
    after = {(role, url): _queries(signed(role), url) for role, url in pages}
    assert after == before
