"""A small two-region network with one person per role, shared by the access suites.

Region A holds dealer X (store SX-01); region B holds dealer Y (store SY-01). People:
admin, supervisor_a, supervisor_b, dealer_x (a user of X), dealer_y (a user of Y), and a
target user (of Y) for user-administration checks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from portal.extensions import db
from portal.models import Dealer, ProductLine, Region, Role, Store, User
from tests.support.clients import signed_in_client
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)

ROLES = ("admin", "supervisor_a", "supervisor_b", "dealer_x", "dealer_y")


@dataclass
class World:
    region_a: Region
    region_b: Region
    dealer_x: Dealer
    dealer_y: Dealer
    store_x: Store
    store_y: Store
    line: ProductLine
    target: User
    people: dict[str, User]


def build_world() -> World:
    region_a = make_region(code="RA", name="Region Alpha")
    region_b = make_region(code="RB", name="Region Bravo")
    dealer_x = make_dealer(region_a, code="DX", name="Dealer Xray", contact_person="Xavier")
    dealer_y = make_dealer(region_b, code="DY", name="Dealer Yankee", contact_person="Yolanda")
    world = World(
        region_a=region_a,
        region_b=region_b,
        dealer_x=dealer_x,
        dealer_y=dealer_y,
        store_x=make_store(dealer_x, code="SX-01", name="Store Xray"),
        store_y=make_store(dealer_y, code="SY-01", name="Store Yankee"),
        line=make_product_line(code="PL1", name="Line One"),
        target=make_user(Role.DEALER, dealer=dealer_y, name="Target User"),
        people={
            "admin": make_user(Role.ADMIN, name="Ada Admin"),
            "supervisor_a": make_user(Role.SUPERVISOR, regions=[region_a], name="Sue Alpha"),
            "supervisor_b": make_user(Role.SUPERVISOR, regions=[region_b], name="Sid Bravo"),
            "dealer_x": make_user(Role.DEALER, dealer=dealer_x, name="Dan Xray"),
            "dealer_y": make_user(Role.DEALER, dealer=dealer_y, name="Dora Yankee"),
        },
    )
    db.session.commit()
    return world


def dealer_form(dealer: Dealer, **changes: Any) -> dict[str, Any]:
    """Everything the admin's dealer form posts, with the record's current values."""
    values = {
        "code": dealer.code,
        "name": dealer.name,
        "kind": dealer.kind.value,
        "status": dealer.status.value,
        "contact_person": dealer.contact_person,
        "phone": dealer.phone,
        "email": dealer.email,
        "address": dealer.address,
        "city": dealer.city,
        "contract_start": dealer.contract_start.isoformat() if dealer.contract_start else "",
        "contract_end": dealer.contract_end.isoformat() if dealer.contract_end else "",
        "version": dealer.version,
    }
    values.update(changes)
    return values


def store_form(store: Store, **changes: Any) -> dict[str, Any]:
    values = {
        "code": store.code,
        "name": store.name,
        "dealer_id": store.dealer_id,
        "address": store.address,
        "city": store.city,
        "format": store.format.value,
        "opened_on": store.opened_on.isoformat() if store.opened_on else "",
        "status": store.status.value,
        "version": store.version,
    }
    values.update(changes)
    return values


def user_form(user: User, **changes: Any) -> dict[str, Any]:
    values = {
        "name": user.name,
        "role": user.role.value,
        "dealer_id": user.dealer_id or 0,
        "region_ids": [region.id for region in user.regions],
        "locale": user.locale,
        "version": user.version,
    }
    values.update(changes)
    return values


def csv_upload(text: str, filename: str = "upload.csv") -> dict[str, Any]:
    return {"file": (io.BytesIO(text.encode("utf-8")), filename)}


# Fixtures for the suites built on this world (imported by their conftest.py).


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture
def admin(app, world: World):
    """A client signed in as the world's administrator."""
    return signed_in_client(app, world.people["admin"])
