"""The ERP pushes invoices over the API through the CSV import's rules: all or nothing with
row errors, idempotent, the token's dealers only; a dealer reads its own receivables."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice
from tests.api.conftest import bearer, make_token


def _rows(*rows: dict) -> dict:
    return {"rows": list(rows)}


ROW = {"dealer_code": "DX", "number": "ERP-1", "issued_on": "2099-10-01", "amount": "1000.50"}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Invoice))


def test_a_push_is_all_or_nothing_and_idempotent(client, world):
    headers = bearer(make_token(world.people["supervisor_a"]))
    bad = client.post(
        "/api/v1/invoices",
        json=_rows(ROW, {**ROW, "number": "ERP-2", "dealer_code": "DY"}),
        headers=headers,
    )
    assert bad.status_code == 422
    [error] = bad.get_json()["errors"]
    assert (error["row"], error["field"]) == (1, "rows.1.dealer_code")
    assert _count() == 0
    first = client.post("/api/v1/invoices", json=_rows(ROW), headers=headers)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"rows": 1, "created": 1, "paid": 0, "unchanged": 0}
    paid = client.post(
        "/api/v1/invoices", json=_rows({**ROW, "paid_amount": "100"}), headers=headers
    )
    assert paid.get_json()["paid"] == 1
    invoice = db.session.scalar(select(Invoice))
    assert (invoice.amount_minor, invoice.paid_minor) == (100_050, 10_000)


def test_dealers_cannot_push_and_read_only_their_own_receivables(client, world):
    headers = bearer(make_token(world.people["dealer_x"]))
    assert client.post("/api/v1/invoices", json=_rows(ROW), headers=headers).status_code == 404
    own = client.get(f"/api/v1/dealers/{world.dealer_x.id}/receivables", headers=headers)
    assert own.status_code == 200
    assert own.get_json()["buckets"]["over_90"] == {"amount": "0.00", "count": 0}
    other = client.get(f"/api/v1/dealers/{world.dealer_y.id}/receivables", headers=headers)
    assert other.status_code == 404
