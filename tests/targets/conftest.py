"""Target tests: region A with three dealers (one store, two stores, one store), region B
with one; two product lines; a supervisor per region, an admin, a user per dealer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.extensions import db
from portal.models import Dealer, ProductLine, Region, Role, Store, User
from tests.support import clock
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)

YEAR = clock.test_today().year


@dataclass
class Network:
    region_a: Region
    region_b: Region
    dealers: list[Dealer]  # region A's three
    dealer_b: Dealer
    stores: dict[int, list[Store]]
    lines: list[ProductLine]
    admin: User
    supervisor_a: User
    supervisor_b: User
    users: dict[int, User]  # dealer id -> a user of it


def build_network() -> Network:
    region_a = make_region(code="TA", name="Target Alpha")
    region_b = make_region(code="TB", name="Target Bravo")
    dealers = [make_dealer(region_a, code=f"TA{i}", name=f"Alpha Dealer {i}") for i in (1, 2, 3)]
    dealer_b = make_dealer(region_b, code="TB1", name="Bravo Dealer 1")
    stores = {
        dealers[0].id: [make_store(dealers[0])],
        dealers[1].id: [make_store(dealers[1]), make_store(dealers[1])],
        dealers[2].id: [make_store(dealers[2])],
        dealer_b.id: [make_store(dealer_b)],
    }
    network = Network(
        region_a=region_a,
        region_b=region_b,
        dealers=dealers,
        dealer_b=dealer_b,
        stores=stores,
        lines=[make_product_line(code="TFW", name="Footwear"), make_product_line(code="TAP")],
        admin=make_user(Role.ADMIN, name="Head Office"),
        supervisor_a=make_user(Role.SUPERVISOR, regions=[region_a], name="Sam Alpha"),
        supervisor_b=make_user(Role.SUPERVISOR, regions=[region_b], name="Sue Bravo"),
        users={d.id: make_user(Role.DEALER, dealer=d) for d in [*dealers, dealer_b]},
    )
    db.session.commit()
    return network


@pytest.fixture
def net(app) -> Network:
    return build_network()
