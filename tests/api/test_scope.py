"""S22 and S3 over the API: with a token of every demo role, each list holds exactly what the
role may see, out-of-scope ids answer 404 like missing ones, and a walk of every list and
resource shows no other tenant's marker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.demo.network import DEALERS
from portal.extensions import db
from portal.models import (
    Audit,
    Complaint,
    CorrectiveAction,
    Dealer,
    DealerFile,
    SalesPlan,
    Store,
    StoreReport,
    User,
)
from tests.api.conftest import bearer, make_token
from tests.security.canary import visible_dealer_ids
from tests.security.crawler import BODY_READERS

DEMO_ROLES = [
    "admin@demo.example",
    "north.supervisor@demo.example",
    "south.supervisor@demo.example",
    *(f"{row[0].lower()}@demo.example" for row in DEALERS if row[3] != "terminated"),
]
# (list path, model, its dealer column): rows owned by one dealer, seen by that dealer's scope.
DEALER_OWNED = [
    ("/api/v1/dealers", Dealer, Dealer.id),
    ("/api/v1/stores", Store, Store.dealer_id),
    ("/api/v1/plans", SalesPlan, SalesPlan.dealer_id),
    ("/api/v1/reports", StoreReport, StoreReport.dealer_id),
    ("/api/v1/corrective-actions", CorrectiveAction, CorrectiveAction.dealer_id),
    ("/api/v1/dealer-files", DealerFile, DealerFile.dealer_id),
    ("/api/v1/complaints", Complaint, Complaint.dealer_id),
]
# Every list of the API, walked by the canary sweep (each item's own page too).
LISTS = [
    "/api/v1/regions",
    "/api/v1/dealers",
    "/api/v1/stores",
    "/api/v1/product-lines",
    "/api/v1/plans",
    "/api/v1/reports",
    "/api/v1/audits",
    "/api/v1/corrective-actions",
    "/api/v1/notices",
    "/api/v1/assessments",
    "/api/v1/dealer-files",
    "/api/v1/complaints",
]


def walk(
    client: FlaskClient, path: str, headers: dict, **filters: object
) -> Iterator[tuple[str, dict]]:
    """Every page of a list, following next_cursor: (body text, parsed body)."""
    cursor = None
    for _page in range(200):
        query = {"limit": 50, **filters, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        body = response.get_json()
        yield response.get_data(as_text=True), body
        cursor = body["next_cursor"]
        if cursor is None:
            return
    raise AssertionError(f"{path} did not end")


def listed_ids(client: FlaskClient, path: str, headers: dict, **filters: object) -> set[int]:
    pages = walk(client, path, headers, **filters)
    return {item["id"] for _text, body in pages for item in body["items"]}


@pytest.mark.parametrize("email", DEMO_ROLES)
def test_every_list_holds_exactly_the_scope_and_the_rest_is_404(app, demo, client, email):
    user = demo.users[email]
    headers = bearer(make_token(user))
    scope = visible_dealer_ids(user)  # the oracle, independent of portal.access
    checked = 0
    for path, model, dealer_column in DEALER_OWNED:
        rows = db.session.execute(select(model.id, dealer_column)).all()
        expected = {row_id for row_id, dealer_id in rows if dealer_id in scope}

        assert listed_ids(client, path, headers) == expected, path

        outside = sorted(row_id for row_id, dealer_id in rows if dealer_id not in scope)[:3]
        inside = sorted(expected)[:2]
        for row_id in outside:
            response = client.get(f"{path}/{row_id}", headers=headers)
            assert response.status_code == 404, f"{path}/{row_id}"
            assert (
                response.get_json()["detail"]
                == client.get(f"{path}/2000000000", headers=headers).get_json()["detail"]
            )
        for row_id in inside:
            assert client.get(f"{path}/{row_id}", headers=headers).status_code == 200
        checked += len(outside) + len(inside)
    assert checked > 0


def _foreign(text: str, markers: dict[int, str], scope: set[int]) -> list[int]:
    return [
        dealer_id
        for dealer_id, marker in markers.items()
        if dealer_id not in scope and marker in text
    ]


@pytest.mark.slow
def test_no_marker_reaches_a_token_outside_its_dealers_scope(app, demo, client, canary_markers):
    """A walk per demo role on the demo network with its markers."""
    markers = canary_markers
    for email in DEMO_ROLES:
        user = db.session.scalar(select(User).where(User.email == email))
        headers = bearer(make_token(user))
        scope = visible_dealer_ids(user)
        seen: set[int] = set()
        for path in LISTS:
            for text, body in walk(client, path, headers):
                assert not _foreign(text, markers, scope), f"{email} {path}"
                for item in body["items"][:25]:
                    single = client.get(f"{path}/{item['id']}", headers=headers)
                    assert single.status_code == 200, f"{email} {path}/{item['id']}"
                    text = single.get_data(as_text=True)
                    assert not _foreign(text, markers, scope), f"{email} {path}/{item['id']}"
                    seen |= {d for d, marker in markers.items() if marker in text}
                    if path == "/api/v1/dealer-files":
                        pdf = client.get(f"{path}/{item['id']}/pdf", headers=headers)
                        content = BODY_READERS["application/pdf"](pdf.data)
                        assert not _foreign(content, markers, scope), f"{email} pdf"
        figures = client.get(
            "/api/v1/plan-vs-actual", query_string={"period": "2099-10"}, headers=headers
        )
        assert figures.status_code == 200
        assert {row["dealer_id"] for row in figures.get_json()["items"]} <= scope
        # Not vacuous: the walk met the marker of every dealer in scope.
        assert seen == scope, email


def test_the_region_filter_keeps_the_rows_of_that_regions_dealers(app, demo, client):
    """`?region=` on every dealer-owned list: the rows of the dealers of that region now."""
    headers = bearer(make_token(demo.users["admin@demo.example"]))
    dealers = db.session.execute(select(Dealer.id, Dealer.region_id)).all()
    regions = sorted({region_id for _dealer_id, region_id in dealers})
    assert len(regions) > 1
    for path, model, dealer_column in DEALER_OWNED:
        rows = db.session.execute(select(model.id, dealer_column)).all()
        for region_id in regions:
            members = {dealer_id for dealer_id, region in dealers if region == region_id}
            expected = {row_id for row_id, dealer_id in rows if dealer_id in members}
            listed = listed_ids(client, path, headers, region=region_id)
            assert listed == expected, f"{path}?region={region_id}"
    audits = db.session.execute(select(Audit.id, Audit.dealer_id)).all()
    north = regions[0]
    members = {dealer_id for dealer_id, region in dealers if region == north}
    listed = listed_ids(client, "/api/v1/audits", headers, region=north)
    assert listed == {row_id for row_id, dealer_id in audits if dealer_id in members}
