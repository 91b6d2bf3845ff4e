"""S5: extra fields posted to any form change nothing they name.

Every form is posted with its own valid fields plus fields it does not offer (owner, status,
region, role, version, active flag, password hash, forced password change, email where it is
not editable, id). The request must succeed on its own fields and leave the others alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.models import Dealer, ProductLine, Region, Role, Store, User
from tests.support.clients import signed_in_client
from tests.support.factories import PASSWORD, make_user
from tests.support.world import World, build_world, dealer_form, store_form, user_form

FAKE_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
HIJACK_ID = 99999


@pytest.fixture
def world(app) -> World:
    return build_world()


def _extras(world: World, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Fields a client might smuggle in, with values that would be a visible change."""
    extras = {
        "dealer_id": world.dealer_y.id,
        "status": "terminated",
        "region_id": world.region_b.id,
        "role": "admin",
        "version": 42,
        "active": "0",
        "password_hash": FAKE_HASH,
        "must_change_password": "0",
        "email": "hijack@evil.example",
        "id": HIJACK_ID,
        "created_at": "2000-01-01T00:00:00",
        "last_sign_in_at": "2000-01-01T00:00:00",
    }
    return {name: value for name, value in extras.items() if name not in skip}


def _as(app, world: World, role: str):
    return signed_in_client(app, world.people[role])


def _snapshot(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    db.session.refresh(record)
    return {name: getattr(record, name) for name in names}


# Registry records


def test_dealer_create_ignores_extra_fields(app, world):
    form = dealer_form(world.dealer_x, code="NEW1", name="New Dealer", version="")
    form["region_id"] = world.region_a.id
    data = {**_extras(world, skip=("status", "region_id", "email", "version")), **form}
    data["version"] = 42

    response = _as(app, world, "admin").post("/dealers/new", data=data)

    assert response.status_code == 302
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "NEW1"))
    assert (dealer.id != HIJACK_ID, dealer.active, dealer.version) == (True, True, 1)
    assert dealer.created_at.year > 2000


def test_dealer_edit_ignores_extra_fields(app, world):
    dealer = world.dealer_x
    before = _snapshot(dealer, ("id", "region_id", "active", "created_at"))
    data = {**_extras(world, skip=("status", "email", "version")), **dealer_form(dealer)}
    data["name"] = "Edited Name"

    response = _as(app, world, "admin").post(f"/dealers/{dealer.id}/edit", data=data)

    assert response.status_code == 302
    assert dealer.name == "Edited Name"
    assert _snapshot(dealer, tuple(before)) == before


def test_supervisor_contact_edit_ignores_every_other_field(app, world):
    dealer = world.dealer_x
    names = ("id", "code", "name", "kind", "status", "region_id", "active", "contract_start")
    before = _snapshot(dealer, names)
    data = {
        **_extras(world, skip=("email", "version")),
        **dealer_form(dealer, code="HIJACK", name="Hijacked", kind="distributor"),
        "contract_start": "2001-01-01",
        "contact_person": "New Person",
    }

    response = _as(app, world, "supervisor_a").post(f"/dealers/{dealer.id}/edit", data=data)

    assert response.status_code == 302
    assert dealer.contact_person == "New Person"
    assert _snapshot(dealer, names) == before


def test_move_changes_only_the_region(app, world):
    dealer = world.dealer_x
    names = ("id", "code", "name", "status", "active", "contact_person")
    before = _snapshot(dealer, names)
    data = {
        **_extras(world, skip=("region_id", "version")),
        "code": "HIJACK",
        "name": "Hijacked",
        "contact_person": "Someone Else",
        "region_id": world.region_b.id,
        "version": dealer.version,
    }

    response = _as(app, world, "admin").post(f"/dealers/{dealer.id}/move", data=data)

    assert response.status_code == 302
    assert dealer.region_id == world.region_b.id
    assert _snapshot(dealer, names) == before


def test_store_create_ignores_extra_fields(app, world):
    form = store_form(world.store_x, code="NEWSTORE", name="New Store", version="")
    data = {**_extras(world, skip=("status", "dealer_id", "version")), **form}
    data["version"] = 42

    response = _as(app, world, "admin").post("/stores/new", data=data)

    assert response.status_code == 302
    store = db.session.scalar(select(Store).where(Store.code == "NEWSTORE"))
    assert (store.id != HIJACK_ID, store.active, store.version) == (True, True, 1)
    assert store.dealer_id == world.dealer_x.id


def test_store_edit_ignores_extra_fields(app, world):
    store = world.store_x
    before = _snapshot(store, ("id", "active", "created_at"))
    data = {**_extras(world, skip=("status", "dealer_id", "version")), **store_form(store)}
    data["name"] = "Edited Store"

    response = _as(app, world, "admin").post(f"/stores/{store.id}/edit", data=data)

    assert response.status_code == 302
    assert store.name == "Edited Store"
    assert _snapshot(store, tuple(before)) == before


@pytest.mark.parametrize(
    ("model", "path", "form"),
    [
        (Region, "/regions/new", {"code": "RNEW", "name": "New Region"}),
        (ProductLine, "/product-lines/new", {"code": "PNEW", "name": "New Line", "sort_order": 5}),
    ],
)
def test_region_and_product_line_create_ignore_extra_fields(app, world, model, path, form):
    data = {**_extras(world), **form}

    response = _as(app, world, "admin").post(path, data=data)

    assert response.status_code == 302
    record = db.session.scalar(select(model).where(model.code == form["code"]))
    assert (record.id != HIJACK_ID, record.active, record.version) == (True, True, 1)


@pytest.mark.parametrize("kind", ["region", "product_line"])
def test_region_and_product_line_edit_ignore_extra_fields(app, world, kind):
    record = world.region_a if kind == "region" else world.line
    path = f"/regions/{record.id}/edit" if kind == "region" else f"/product-lines/{record.id}/edit"
    before = _snapshot(record, ("id", "active", "created_at"))
    data = {**_extras(world, skip=("version",)), "code": record.code, "name": "Edited"}
    data["version"] = record.version

    response = _as(app, world, "admin").post(path, data=data)

    assert response.status_code == 302
    assert record.name == "Edited"
    assert _snapshot(record, tuple(before)) == before


# People


def test_user_create_ignores_extra_fields(app, world):
    data = {
        **_extras(world, skip=("role", "dealer_id", "email")),
        "email": "new.person@example.com",
        "name": "New Person",
        "role": "dealer",
        "dealer_id": world.dealer_x.id,
        "locale": "en",
        "password": "a-fresh-temporary-pass",
    }

    response = _as(app, world, "admin").post("/admin/users/new", data=data)

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert (user.id != HIJACK_ID, user.active, user.must_change_password) == (True, True, True)
    assert user.version == 1
    assert user.last_sign_in_at is None
    assert verify_password(user.password_hash, "a-fresh-temporary-pass")


def test_user_edit_ignores_extra_fields(app, world):
    user = world.target
    names = ("id", "email", "password_hash", "active", "must_change_password", "created_at")
    before = _snapshot(user, names)
    data = {
        **_extras(world, skip=("role", "dealer_id", "version")),
        **user_form(user, name="Edited Person"),
        "password": "another-password-123",
        "must_change_password": "1",
    }

    response = _as(app, world, "admin").post(f"/admin/users/{user.id}/edit", data=data)

    assert response.status_code == 302
    assert user.name == "Edited Person"
    assert _snapshot(user, names) == before


def test_password_reset_ignores_extra_fields(app, world):
    user = world.target
    names = ("id", "email", "role", "active", "dealer_id")
    before = _snapshot(user, names)
    data = {**_extras(world), "password": "temporary-pass-4567", "version": user.version}

    response = _as(app, world, "admin").post(f"/admin/users/{user.id}/reset-password", data=data)

    assert response.status_code == 302
    assert user.must_change_password is True
    assert verify_password(user.password_hash, "temporary-pass-4567")
    assert _snapshot(user, names) == before


def test_own_password_change_ignores_extra_fields(app, world):
    user = world.people["dealer_x"]
    names = ("id", "email", "role", "active", "dealer_id", "name")
    before = _snapshot(user, names)
    data = {
        **_extras(world),
        "name": "Renamed Myself",
        "must_change_password": "1",
        "current_password": PASSWORD,
        "new_password": "a-brand-new-secret-9",
        "confirm_password": "a-brand-new-secret-9",
    }

    response = _as(app, world, "dealer_x").post("/account/password", data=data)

    assert response.status_code == 302
    assert verify_password(user.password_hash, "a-brand-new-secret-9")
    assert user.must_change_password is False
    assert user.regions == []
    assert _snapshot(user, names) == before


def test_locale_switch_changes_only_the_locale(app, world):
    user = world.people["supervisor_a"]
    names = ("id", "email", "role", "active", "dealer_id", "name", "password_hash")
    before = _snapshot(user, names)
    data = {**_extras(world), "name": "Renamed", "locale": "zh_Hans", "next": "/home"}

    response = _as(app, world, "supervisor_a").post("/locale", data=data)

    assert response.status_code == 302
    assert user.locale == "zh_Hans"
    assert [region.id for region in user.regions] == [world.region_a.id]
    assert _snapshot(user, names) == before


def test_sign_in_ignores_extra_fields(app, client):
    user = make_user(Role.DEALER)
    names = ("role", "active", "must_change_password", "dealer_id", "email")
    before = _snapshot(user, names)
    data = {"email": user.email, "password": PASSWORD, "role": "admin", "active": "0"}
    data.update(must_change_password="1", dealer_id=HIJACK_ID, region_id=1)

    response = client.post("/sign-in", data=data)

    assert response.status_code == 302
    assert _snapshot(user, names) == before
