"""API writes: plans and reports through their lifecycles with If-Match, actuals pushed all or
nothing and idempotently, read-only tokens refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AllocationAction,
    PlanStatus,
    ReportStatus,
    Role,
    SalesPlan,
    StoreReport,
)
from portal.targets import services as target_services
from tests.api.conftest import Shop, bearer, make_token, plan_body, this_month
from tests.support.factories import (
    make_dealer,
    make_region,
    make_store,
    make_user,
)
from tests.support.snapshots import difference, snapshot


def test_a_plan_goes_from_draft_to_approved_with_if_match(client, shop):
    dealer, supervisor = bearer(shop.dealer_token), bearer(shop.supervisor_token)

    created = client.post("/api/v1/plans", json=plan_body(shop), headers=dealer)
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    assert plan["status"] == "draft"
    assert plan["lines"][0]["revenue"] == "12500.50"
    assert created.headers["Location"] == f"/api/v1/plans/{plan['id']}"
    etag = created.headers["ETag"]
    url = f"/api/v1/plans/{plan['id']}"
    change = {"note": "second", "lines": plan_body(shop, "13000")["lines"]}

    missing = client.put(url, json=change, headers=dealer)
    assert missing.status_code == 428
    assert missing.mimetype == "application/problem+json"

    updated = client.put(url, json=change, headers={**dealer, "If-Match": etag})
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["lines"][0]["revenue"] == "13000.00"

    stale = client.put(url, json=change, headers={**dealer, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.get_json()["current_etag"] == updated.headers["ETag"]

    submitted = client.post(
        f"{url}/submit", headers={**dealer, "If-Match": updated.headers["ETag"]}
    )
    assert submitted.status_code == 200
    assert submitted.get_json()["status"] == "submitted"

    mine = client.post(
        f"{url}/approve", json={}, headers={**dealer, "If-Match": submitted.headers["ETag"]}
    )
    assert mine.status_code == 403  # dealers do not review

    current = client.get(url, headers=supervisor)
    approved = client.post(
        f"{url}/approve",
        json={"comment": "fine"},
        headers={**supervisor, "If-Match": current.headers["ETag"]},
    )
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    assert db.session.get(SalesPlan, plan["id"]).status == PlanStatus.APPROVED


def test_a_resent_create_answers_the_same_plan_and_a_different_one_conflicts(client, shop):
    dealer = bearer(shop.dealer_token)
    first = client.post("/api/v1/plans", json=plan_body(shop), headers=dealer)

    again = client.post("/api/v1/plans", json=plan_body(shop), headers=dealer)
    other = client.post("/api/v1/plans", json=plan_body(shop, "1"), headers=dealer)

    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert other.status_code == 409
    assert other.get_json()["current_etag"] == first.headers["ETag"]
    assert len(db.session.scalars(select(SalesPlan)).all()) == 1


def test_invalid_figures_are_refused_with_their_field(client, shop):
    body = plan_body(shop, revenue="12.345")
    body["lines"].append({"store_id": shop.store.id, "product_line_id": 999999, "revenue": "1"})

    refused = client.post("/api/v1/plans", json=body, headers=bearer(shop.dealer_token))

    assert refused.status_code == 422
    fields = {error["field"] for error in refused.get_json()["errors"]}
    assert fields == {"lines.0.revenue", "lines.1.product_line_id"}
    assert db.session.scalar(select(SalesPlan.id)) is None


def test_another_regions_supervisor_gets_404_like_a_missing_plan(client, shop):
    created = client.post("/api/v1/plans", json=plan_body(shop), headers=bearer(shop.dealer_token))
    stranger = make_token(make_user(Role.SUPERVISOR, regions=[make_region()]))
    url = f"/api/v1/plans/{created.get_json()['id']}"

    assert client.get(url, headers=bearer(stranger)).status_code == 404
    assert client.get("/api/v1/plans/2000000", headers=bearer(stranger)).status_code == 404
    approve = client.post(f"{url}/approve", json={}, headers={**bearer(stranger), "If-Match": "*"})
    assert approve.status_code == 404


def test_a_read_only_token_cannot_write(client, shop):
    reader = make_token(shop.dealer_user, read_only=True)
    before = snapshot()

    refused = client.post("/api/v1/plans", json=plan_body(shop), headers=bearer(reader))

    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert client.get("/api/v1/plans", headers=bearer(reader)).status_code == 200
    changed = difference(before, snapshot())
    assert set(changed.added) <= {"api_tokens", "sign_in_counters"}  # last use, rate count


def test_a_report_goes_from_draft_to_reviewed(client, shop):
    dealer, supervisor = bearer(shop.dealer_token), bearer(shop.supervisor_token)
    body = {
        "store_id": shop.store.id,
        "period": this_month(),
        "footfall": 120,
        "competitors": [{"competitor": "Rival", "kind": "pricing", "observation": "-10%"}],
        "lines": [{"product_line_id": shop.line.id, "revenue": "800", "units": 3}],
    }
    created = client.post("/api/v1/reports", json=body, headers=dealer)
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]

    submitted = client.post(
        f"{url}/submit", headers={**dealer, "If-Match": created.headers["ETag"]}
    )
    assert submitted.status_code == 200
    reviewed = client.post(
        f"{url}/review", json={}, headers={**supervisor, "If-Match": submitted.headers["ETag"]}
    )
    assert reviewed.status_code == 200
    report = db.session.get(StoreReport, created.get_json()["id"])
    assert report.status == ReportStatus.REVIEWED
    assert report.competitor_activities[0].competitor == "Rival"


def _rows(shop: Shop, revenue: str = "100.5") -> dict:
    return {
        "rows": [
            {
                "store_code": shop.store.code,
                "period": this_month(),
                "product_line": shop.line.code,
                "revenue": revenue,
                "units": 2,
            }
        ]
    }


def test_an_actuals_push_upserts_and_a_retry_with_the_same_key_changes_nothing(client, shop):
    headers = {**bearer(shop.dealer_token), "Idempotency-Key": "push-1"}

    first = client.post("/api/v1/actuals", json=_rows(shop), headers=headers)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "rows": 1,
        "reports_created": 1,
        "lines_changed": 1,
        "lines_unchanged": 0,
    }
    before = snapshot()

    retried = client.post("/api/v1/actuals", json=_rows(shop), headers=headers)

    assert retried.status_code == 200
    assert retried.get_json() == first.get_json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    changed = difference(before, snapshot())
    assert set(changed.added) <= {"api_tokens", "sign_in_counters"}
    reused = client.post("/api/v1/actuals", json=_rows(shop, "999"), headers=headers)
    assert reused.status_code == 422
    assert reused.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_an_actuals_push_without_a_key_is_still_idempotent_by_content(client, shop):
    headers = bearer(shop.dealer_token)
    client.post("/api/v1/actuals", json=_rows(shop), headers=headers)

    again = client.post("/api/v1/actuals", json=_rows(shop), headers=headers)

    assert again.get_json()["lines_changed"] == 0
    assert again.get_json()["lines_unchanged"] == 1


def test_an_actuals_push_is_all_or_nothing_with_row_errors(client, shop):
    other = make_store(make_dealer())  # not this dealer's store
    body = _rows(shop)
    body["rows"].append({**body["rows"][0], "store_code": other.code})
    body["rows"].append({**body["rows"][0], "product_line": "NOPE", "store_code": shop.store.code})
    before = snapshot()

    refused = client.post("/api/v1/actuals", json=body, headers=bearer(shop.dealer_token))

    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert {(e["row"], e["field"]) for e in errors} >= {
        (1, "rows.1.store_code"),
        (2, "rows.2.product_line"),
    }
    changed = difference(before, snapshot())
    assert set(changed.added) <= {"api_tokens", "sign_in_counters"}


def test_plan_vs_actual_reads_the_portals_figures(client, shop):
    dealer, supervisor = bearer(shop.dealer_token), bearer(shop.supervisor_token)
    client.post("/api/v1/actuals", json=_rows(shop, "250"), headers=dealer)
    report_id = client.get("/api/v1/reports", headers=dealer).get_json()["items"][0]["id"]
    url = f"/api/v1/reports/{report_id}"
    etag = client.get(url, headers=dealer).headers["ETag"]
    client.post(f"{url}/submit", headers={**dealer, "If-Match": etag})

    figures = client.get(f"/api/v1/plan-vs-actual?period={this_month()}", headers=supervisor)

    assert figures.status_code == 200
    (row,) = figures.get_json()["items"]
    assert row["dealer_id"] == shop.dealer.id
    assert row["unmatched_revenue"] == "250.00"  # no approved plan: actual without target


def test_a_plan_below_its_allocation_goes_in_with_its_reason(client, shop):
    period = plan_body(shop)["period"]
    admin = make_user(Role.ADMIN)
    target_services.set_target(
        region=shop.region,
        year=int(period[:4]),
        product_line=shop.line,
        revenue_minor=12_000_000_00,
        units=12_000,
        months=None,
        reason="",
        actor=admin,
        today=date(int(period[:4]) - 1, 1, 1),
    )
    allocation = target_services.start_allocation(
        region=shop.region, year=int(period[:4]), actor=admin
    )
    target_services.submit_allocation(allocation, actor=admin)
    target_services.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=admin)
    db.session.commit()
    dealer = bearer(shop.dealer_token)
    created = client.post("/api/v1/plans", json=plan_body(shop, "1"), headers=dealer)
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/plans/{created.get_json()['id']}"
    refused = client.post(f"{url}/submit", headers={**dealer, "If-Match": created.headers["ETag"]})
    assert refused.status_code == 422
    body = {**plan_body(shop, "1"), "below_target_reason": "The store is shut for a refit"}
    del body["period"]
    updated = client.put(url, json=body, headers={**dealer, "If-Match": created.headers["ETag"]})
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["below_target_reason"] == "The store is shut for a refit"
    submitted = client.post(
        f"{url}/submit", headers={**dealer, "If-Match": updated.headers["ETag"]}
    )
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
