"""Complaints over the API: each token sees its user's scope, records a complaint once per
Idempotency-Key, and takes its steps with If-Match through the lifecycle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.complaints import services
from portal.extensions import db
from portal.models import Channel, Complaint, ComplaintCategory, ComplaintStatus, Role
from tests.api.conftest import Shop, bearer, make_token
from tests.support.factories import make_dealer, make_region, make_store, make_user


@pytest.fixture
def category(app) -> ComplaintCategory:
    services.ensure_default_categories()
    db.session.commit()
    return db.session.scalar(select(ComplaintCategory).where(ComplaintCategory.code == "QUALITY"))


def body(shop: Shop, **fields) -> dict:
    return {
        "store_code": shop.store.code,
        "category": "QUALITY",
        "channel": "phone",
        "description": "The kettle leaks.",
        "customer_name": "Li Wei",
        **fields,
    }


def complaints_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def test_recording_once_per_idempotency_key(client, shop, category):
    headers = {**bearer(shop.dealer_token), "Idempotency-Key": "call-17"}
    created = client.post("/api/v1/complaints", json=body(shop), headers=headers)
    assert created.status_code == 201, created.get_json()
    complaint = created.get_json()
    assert complaint["status"] == "received"
    assert complaint["store_id"] == shop.store.id
    assert complaint["category"] == "QUALITY"
    assert complaint["forwarded_on_time"] is None
    assert [step["action"] for step in complaint["transitions"]] == ["receive"]
    assert created.headers["Location"] == f"/api/v1/complaints/{complaint['id']}"
    assert (
        created.headers["ETag"]
        == client.get(created.headers["Location"], headers=bearer(shop.dealer_token)).headers[
            "ETag"
        ]
    )

    again = client.post("/api/v1/complaints", json=body(shop), headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == complaint["id"]
    assert complaints_count() == 1

    other = client.post(
        "/api/v1/complaints", json=body(shop, description="Another."), headers=headers
    )
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert complaints_count() == 1


def test_recording_refuses_bad_input_and_saves_nothing(client, shop, category):
    headers = bearer(shop.dealer_token)
    serious = client.post(
        "/api/v1/complaints", json=body(shop, severity="serious"), headers=headers
    )
    assert serious.status_code == 422
    assert serious.mimetype == "application/problem+json"
    assert serious.get_json()["errors"][0]["field"] == "serious_kind"

    unknown = client.post("/api/v1/complaints", json=body(shop, category="NOPE"), headers=headers)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["field"] == "category"

    old = (clock.now() - timedelta(days=40)).isoformat()
    late = client.post("/api/v1/complaints", json=body(shop, received_at=old), headers=headers)
    assert late.status_code == 422
    assert late.get_json()["errors"][0]["field"] == "received_at"

    foreign = make_store(make_dealer(shop.region))
    db.session.commit()
    elsewhere = client.post(
        "/api/v1/complaints", json=body(shop, store_code=foreign.code), headers=headers
    )
    assert elsewhere.status_code == 404
    assert complaints_count() == 0

    read_only = bearer(make_token(shop.dealer_user, read_only=True, name="ro"))
    refused = client.post("/api/v1/complaints", json=body(shop), headers=read_only)
    assert refused.status_code == 403
    assert complaints_count() == 0


def test_each_token_sees_its_users_complaints_only(client, shop, category):
    mine = services.record(
        services.NewComplaint(shop.store, category, Channel.PHONE, "Mine"), actor=shop.dealer_user
    )
    other_region = make_region()
    other_store = make_store(make_dealer(other_region))
    other_dealer = make_user(Role.DEALER, dealer=other_store.dealer)
    theirs = services.record(
        services.NewComplaint(other_store, category, Channel.ONLINE, "Theirs"), actor=other_dealer
    )
    admin = make_user(Role.ADMIN)
    db.session.commit()

    for token, expected in (
        (shop.dealer_token, {mine.id}),
        (shop.supervisor_token, {mine.id}),
        (make_token(admin), {mine.id, theirs.id}),
        (make_token(other_dealer), {theirs.id}),
    ):
        listed = client.get("/api/v1/complaints", headers=bearer(token))
        assert listed.status_code == 200
        assert {item["id"] for item in listed.get_json()["items"]} == expected

    hidden = client.get(f"/api/v1/complaints/{theirs.id}", headers=bearer(shop.supervisor_token))
    assert hidden.status_code == 404
    step = client.post(
        f"/api/v1/complaints/{theirs.id}/steps",
        json={"action": "forward"},
        headers={**bearer(shop.dealer_token), "If-Match": "*"},
    )
    assert step.status_code == 404
    filtered = client.get(
        "/api/v1/complaints",
        query_string={"status": "received", "store": other_store.id},
        headers=bearer(make_token(admin)),
    )
    assert [item["id"] for item in filtered.get_json()["items"]] == [theirs.id]


def test_steps_need_if_match_and_follow_the_lifecycle(client, shop, category):
    dealer, supervisor = bearer(shop.dealer_token), bearer(shop.supervisor_token)
    created = client.post("/api/v1/complaints", json=body(shop), headers=dealer)
    url = f"{created.headers['Location']}/steps"
    etag = created.headers["ETag"]

    missing = client.post(url, json={"action": "forward"}, headers=dealer)
    assert missing.status_code == 428

    forwarded = client.post(url, json={"action": "forward"}, headers={**dealer, "If-Match": etag})
    assert forwarded.status_code == 200, forwarded.get_json()
    assert forwarded.get_json()["status"] == "forwarded"
    assert forwarded.get_json()["forwarded_on_time"] is True

    stale = client.post(url, json={"action": "start"}, headers={**dealer, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.get_json()["current_etag"] == forwarded.headers["ETag"]

    etag = forwarded.headers["ETag"]
    wrong = client.post(url, json={"action": "resolve"}, headers={**dealer, "If-Match": etag})
    assert wrong.status_code == 409
    assert wrong.get_json()["current_etag"] == etag

    started = client.post(url, json={"action": "start"}, headers={**dealer, "If-Match": etag})
    etag = started.headers["ETag"]
    no_remedy = client.post(
        url, json={"action": "resolve", "comment": "Fixed"}, headers={**dealer, "If-Match": etag}
    )
    assert no_remedy.status_code == 422
    assert no_remedy.get_json()["errors"][0]["field"] == "remedy"
    resolved = client.post(
        url,
        json={"action": "resolve", "comment": "Replaced", "remedy": "replacement", "cost": "450"},
        headers={**dealer, "If-Match": etag},
    )
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["cost"] == "450.00"
    etag = resolved.headers["ETag"]

    by_dealer = client.post(url, json={"action": "close"}, headers={**dealer, "If-Match": etag})
    assert by_dealer.status_code == 403  # staff close
    closed = client.post(
        url, json={"action": "close", "satisfaction": 4}, headers={**supervisor, "If-Match": etag}
    )
    assert closed.status_code == 200
    assert closed.get_json()["satisfaction"] == 4

    reason = client.post(
        url, json={"action": "reopen"}, headers={**dealer, "If-Match": closed.headers["ETag"]}
    )
    assert reason.status_code == 422
    assert reason.get_json()["errors"][0]["field"] == "comment"
    reopened = client.post(
        url,
        json={"action": "reopen", "comment": "Leaks again"},
        headers={**dealer, "If-Match": closed.headers["ETag"]},
    )
    assert reopened.get_json()["cycle"] == 1
    complaint = db.session.get(Complaint, created.get_json()["id"])
    db.session.refresh(complaint)
    assert complaint.status == ComplaintStatus.REOPENED
    assert [s.action.value for s in complaint.transitions] == [
        "receive", "forward", "start", "resolve", "close", "reopen",
    ]  # fmt: skip
