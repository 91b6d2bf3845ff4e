"""Registry writes over the API: admins create and change regions, dealers, stores and
product lines; a supervisor changes contact details of their regions' dealers only; the
rest answer 403 or 404 like the pages; updates need If-Match; rules are the pages' rules."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ActivityEntry, Dealer, ProductLine, Region, Role, Store
from tests.api.conftest import bearer, make_token
from tests.support.factories import make_dealer, make_region, make_user


@pytest.fixture
def admin_headers(app):
    return bearer(make_token(make_user(Role.ADMIN)))


def _read(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response


def _patch(client, path, headers, body, etag="*"):
    return client.patch(path, json=body, headers={**headers, "If-Match": etag})


def test_an_admin_creates_a_region_dealer_store_and_product_line(client, admin_headers):
    region = client.post(
        "/api/v1/regions", json={"code": "n1", "name": "North"}, headers=admin_headers
    )
    assert region.status_code == 201
    assert region.json["code"] == "N1"  # the page's form upper-cases codes
    assert region.headers["Location"].endswith(f"/api/v1/regions/{region.json['id']}")
    assert region.headers["ETag"]
    dealer = client.post(
        "/api/v1/dealers",
        json={
            "code": "DN1",
            "name": "North Motors",
            "kind": "dealer",
            "status": "active",
            "region_id": region.json["id"],
            "email": "north@example.com",
            "contract_start": "2024-01-01",
        },
        headers=admin_headers,
    )
    assert dealer.status_code == 201, dealer.json
    store = client.post(
        "/api/v1/stores",
        json={
            "code": "SN1",
            "name": "North Mall",
            "dealer_id": dealer.json["id"],
            "format": "standard",
            "status": "open",
        },
        headers=admin_headers,
    )
    assert store.status_code == 201, store.json
    line = client.post(
        "/api/v1/product-lines", json={"code": "ACC", "name": "Accessories"}, headers=admin_headers
    )
    assert line.status_code == 201

    assert db.session.get(Store, store.json["id"]).dealer_id == dealer.json["id"]
    actions = set(db.session.scalars(select(ActivityEntry.action)))
    assert {"region.create", "dealer.create", "store.create", "product_line.create"} <= actions


def test_creating_follows_the_pages_rules_with_field_errors(client, admin_headers):
    make_region(code="TAKEN")
    closed = make_region(code="OLD")
    closed.active = False
    db.session.commit()

    taken = client.post(
        "/api/v1/regions", json={"code": "taken", "name": "Again"}, headers=admin_headers
    )
    bad_code = client.post(
        "/api/v1/regions", json={"code": "a b", "name": "Spaces"}, headers=admin_headers
    )
    inactive = client.post(
        "/api/v1/dealers",
        json={
            "code": "DX",
            "name": "X",
            "kind": "dealer",
            "status": "active",
            "region_id": closed.id,
        },
        headers=admin_headers,
    )
    dates = client.post(
        "/api/v1/dealers",
        json={
            "code": "DY",
            "name": "Y",
            "kind": "dealer",
            "status": "active",
            "region_id": make_region().id,
            "contract_start": "2024-05-01",
            "contract_end": "2024-01-01",
        },
        headers=admin_headers,
    )

    for response, field in (
        (taken, "code"),
        (bad_code, "code"),
        (inactive, "region_id"),
        (dates, "contract_end"),
    ):
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        assert [error["field"] for error in response.json["errors"]] == [field]
    assert db.session.scalar(select(func.count()).select_from(Dealer)) == 0


def test_updates_need_if_match_and_refuse_a_stale_one(client, admin_headers):
    region = make_region(code="R1", name="One")
    db.session.commit()
    path = f"/api/v1/regions/{region.id}"
    etag = _read(client, path, admin_headers).headers["ETag"]

    missing = client.patch(path, json={"name": "Two"}, headers=admin_headers)
    first = _patch(client, path, admin_headers, {"name": "Two"}, etag)
    stale = _patch(client, path, admin_headers, {"name": "Three"}, etag)

    assert missing.status_code == 428
    assert first.status_code == 200
    assert (first.json["name"], first.json["code"]) == ("Two", "R1")  # the rest kept
    assert stale.status_code == 412
    assert stale.headers["ETag"] == first.headers["ETag"]
    db.session.expire_all()
    assert db.session.get(Region, region.id).name == "Two"


def test_an_admin_moves_deactivates_and_edits_records(client, admin_headers, shop):
    other = make_region()
    db.session.commit()
    dealer_path = f"/api/v1/dealers/{shop.dealer.id}"
    moved = _patch(client, dealer_path, admin_headers, {"region_id": other.id, "name": "Renamed"})
    store = _patch(client, f"/api/v1/stores/{shop.store.id}", admin_headers, {"active": False})
    line = _patch(client, f"/api/v1/product-lines/{shop.line.id}", admin_headers, {"sort_order": 7})

    assert moved.status_code == 200, moved.json
    assert (moved.json["region_id"], moved.json["name"]) == (other.id, "Renamed")
    assert (store.status_code, store.json["active"]) == (200, False)
    assert (line.status_code, line.json["sort_order"]) == (200, 7)
    actions = set(db.session.scalars(select(ActivityEntry.action)))
    assert {"dealer.move", "dealer.update", "store.deactivate", "product_line.update"} <= actions


def test_a_supervisor_changes_contact_details_of_their_dealers_only(client, shop):
    headers = bearer(shop.supervisor_token)
    path = f"/api/v1/dealers/{shop.dealer.id}"
    outside = make_dealer(make_region())
    db.session.commit()

    contact = _patch(client, path, headers, {"phone": "+1 555 0100", "city": "Shelbyville"})
    name = _patch(client, path, headers, {"name": "Mine now"})
    out_of_scope = _patch(client, f"/api/v1/dealers/{outside.id}", headers, {"phone": "1"})
    bad_phone = _patch(client, path, headers, {"phone": "call me"})

    assert contact.status_code == 200
    assert (contact.json["phone"], contact.json["city"]) == ("+1 555 0100", "Shelbyville")
    assert name.status_code == 403
    assert out_of_scope.status_code == 404
    assert bad_phone.status_code == 422
    db.session.expire_all()
    assert db.session.get(Dealer, shop.dealer.id).name != "Mine now"
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action.like("dealer.%")))
    assert entry.action == "dealer.update_contact"


WRITES = [
    ("post", "/api/v1/regions", {"code": "RX", "name": "X"}),
    ("post", "/api/v1/product-lines", {"code": "PX", "name": "X"}),
    ("post", "/api/v1/stores", "store"),
    ("post", "/api/v1/dealers", "dealer"),
    ("patch", "/api/v1/regions/{region}", {"name": "X"}),
    ("patch", "/api/v1/product-lines/{line}", {"name": "X"}),
    ("patch", "/api/v1/stores/{store}", {"name": "X"}),
    ("patch", "/api/v1/dealers/{dealer}", {"name": "X"}),
]


def _counts() -> list[int | None]:
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Region, Dealer, Store, ProductLine)
    ]


@pytest.mark.parametrize("who", ["dealer", "supervisor", "read_only_admin"])
def test_others_get_403_or_404_like_the_pages_and_nothing_changes(client, shop, who):
    token = {
        "dealer": shop.dealer_token,
        "supervisor": shop.supervisor_token,
        "read_only_admin": make_token(make_user(Role.ADMIN), read_only=True),
    }[who]
    bodies = {
        "store": {
            "code": "SX",
            "name": "X",
            "dealer_id": shop.dealer.id,
            "format": "standard",
            "status": "open",
        },
        "dealer": {
            "code": "DX",
            "name": "X",
            "kind": "dealer",
            "status": "active",
            "region_id": shop.region.id,
        },
    }
    before = _counts()
    # Every write in turn on one shop (each is refused, so each starts where the last left).
    for method, path, body in WRITES:
        url = path.format(
            region=shop.region.id, line=shop.line.id, store=shop.store.id, dealer=shop.dealer.id
        )

        response = getattr(client, method)(
            url,
            json=bodies.get(body, body) if isinstance(body, str) else body,
            headers={**bearer(token), "If-Match": "*"},
        )

        # The pages: registry changes are admin-only (403); a supervisor may open the edit of
        # their own dealer but not change its name (403 here, the field is ignored there).
        assert response.status_code == 403, (method, path)
        assert response.mimetype == "application/problem+json", (method, path)
        db.session.expire_all()
        assert _counts() == before, (method, path)
        updates = select(func.count()).where(ActivityEntry.action.like("%.update"))
        assert db.session.scalar(updates) == 0, (method, path)


def test_the_openapi_document_describes_the_registry_writes(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, method in (
        ("/api/v1/regions", "post"),
        ("/api/v1/regions/{region_id}", "patch"),
        ("/api/v1/dealers", "post"),
        ("/api/v1/dealers/{dealer_id}", "patch"),
        ("/api/v1/stores", "post"),
        ("/api/v1/stores/{store_id}", "patch"),
        ("/api/v1/product-lines", "post"),
        ("/api/v1/product-lines/{line_id}", "patch"),
    ):
        operation = spec["paths"][path][method]
        assert "requestBody" in operation
        codes = set(operation["responses"])
        assert {"403", "422"} <= codes
        if method == "patch":
            assert {"404", "412", "428"} <= codes
