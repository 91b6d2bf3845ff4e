"""Receivables pages: statements show a dealer its own invoices and nothing of others, staff
see the aging of their scope, the invoices CSV saves all or nothing, holds reach the dealer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import DealerCredit, Invoice, Payment
from portal.receivables import csv_import
from tests.receivables.conftest import LONG_SESSIONS, invoice
from tests.support.world import csv_upload

URL = "/receivables/import"
HEADER = ",".join(csv_import.COLUMNS)


@pytest.fixture
def app_config() -> dict:
    return LONG_SESSIONS


@pytest.fixture
def invoices(world):
    today = clock.today()
    x_late = invoice(world.dealer_x, "X-LATE", due_on=today - timedelta(days=75), amount=500_00)
    x_new = invoice(world.dealer_x, "X-NEW", due_on=today + timedelta(days=10), amount=200_00)
    y_late = invoice(world.dealer_y, "Y-SECRET", due_on=today - timedelta(days=5), amount=90_00)
    db.session.commit()
    return x_late, x_new, y_late


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Invoice))


def test_a_dealer_sees_its_own_statement_and_nothing_of_others(world, invoices, signed):
    client = signed("dealer_x")
    page = client.get(f"/receivables/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert "X-LATE" in page
    assert "X-NEW" in page
    assert "Y-SECRET" not in page
    assert client.get(f"/receivables/dealers/{world.dealer_y.id}").status_code == 404
    assert client.get("/receivables/regions").status_code == 403
    index = client.get("/receivables/")
    assert index.status_code == 302
    assert index.headers["Location"].endswith(f"/receivables/dealers/{world.dealer_x.id}")


@pytest.mark.parametrize(("role", "status"), [("supervisor_a", 200), ("supervisor_b", 404)])
def test_supervisors_see_statements_of_their_regions_only(world, invoices, signed, role, status):
    assert signed(role).get(f"/receivables/dealers/{world.dealer_x.id}").status_code == status


def test_the_aging_list_is_scoped_and_buckets_the_open_amounts(world, invoices, signed):
    page = signed("supervisor_a").get("/receivables/").get_data(as_text=True)
    assert 'data-dealer="DX"' in page
    assert 'data-dealer="DY"' not in page
    assert "Y-SECRET" not in page
    admin = signed("admin").get("/receivables/").get_data(as_text=True)
    assert 'data-dealer="DY"' in admin
    regions = signed("supervisor_a").get("/receivables/regions").get_data(as_text=True)
    assert 'data-region="RA"' in regions
    assert 'data-region="RB"' not in regions


def test_an_invoices_csv_with_one_bad_row_saves_nothing_and_names_the_row(world, signed):
    text = (
        f"{HEADER}\n"
        "DX,INV-1,2099-10-01,2099-10-31,1000.00,CNY,0,\n"
        "DX,INV-2,2099-10-01,2099-10-31,12x,CNY,0,\n"
        "DY,INV-3,2099-10-01,,300,,,\n"
    )
    response = signed("admin").post(URL, data=csv_upload(text))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>3</td><td><code>amount</code></td>" in page
    assert _count() == 0


def test_the_same_file_twice_adds_nothing_and_new_payments_are_recorded(world, signed):
    first = (
        f"{HEADER}\nDX,INV-1,2099-10-01,2099-10-31,1000.00,CNY,0,\nDY,INV-3,2099-10-01,,300,,,\n"
    )
    client = signed("admin")
    assert client.post(URL, data=csv_upload(first)).status_code == 302
    assert client.post(URL, data=csv_upload(first)).status_code == 302
    assert _count() == 2
    paid = first.replace("1000.00,CNY,0,", "1000.00,CNY,400,2099-11-02")
    assert client.post(URL, data=csv_upload(paid)).status_code == 302
    inv = db.session.scalar(select(Invoice).where(Invoice.number == "INV-1"))
    db.session.refresh(inv)
    assert inv.paid_minor == 400_00
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    y = db.session.scalar(select(Invoice).where(Invoice.number == "INV-3"))
    assert y.due_on == y.issued_on + timedelta(days=30)  # the default terms
    changed = first.replace("1000.00", "999.00")
    response = client.post(URL, data=csv_upload(changed))
    assert response.status_code == 422
    assert "other dates or amount" in response.get_data(as_text=True)


def test_a_supervisor_imports_only_for_their_regions(world, signed):
    text = f"{HEADER}\nDX,INV-1,2099-10-01,2099-10-31,1000.00,CNY,0,\nDY,INV-3,2099-10-01,,300,,,\n"
    response = signed("supervisor_a").post(URL, data=csv_upload(text))
    assert response.status_code == 422
    assert "<td>3</td><td><code>dealer_code</code></td>" in response.get_data(as_text=True)
    assert _count() == 0
    assert signed("dealer_x").post(URL, data=csv_upload(text)).status_code == 403


def test_a_credit_hold_reaches_the_dealer_and_over_limit_is_flagged(world, invoices, signed):
    url = f"/receivables/dealers/{world.dealer_x.id}"
    admin = signed("admin")
    assert (
        admin.post(f"{url}/terms", data={"limit_minor": "600", "terms_days": "45"}).status_code
        == 302
    )
    assert (
        signed("supervisor_b").post(f"{url}/hold", data={"on_hold": "y", "reason": "x"}).status_code
        == 404
    )
    assert (
        signed("dealer_x").post(f"{url}/hold", data={"on_hold": "y", "reason": "x"}).status_code
        == 403
    )
    credit = db.session.get(DealerCredit, world.dealer_x.id)
    response = signed("supervisor_a").post(
        f"{url}/hold",
        data={"on_hold": "y", "reason": "Two invoices unpaid", "version": credit.version},
    )
    assert response.status_code == 302
    page = signed("dealer_x").get(url).get_data(as_text=True)
    assert 'data-testid="credit-hold"' in page
    assert "Two invoices unpaid" in page
    assert 'data-testid="flag-over-limit"' in page  # 700 open against a limit of 600
    assert 'data-testid="hold-form"' not in page


def test_a_stale_hold_form_does_not_overwrite(world, invoices, signed):
    url = f"/receivables/dealers/{world.dealer_x.id}"
    signed("admin").post(f"{url}/terms", data={"limit_minor": "600", "terms_days": "45"})
    stale = db.session.get(DealerCredit, world.dealer_x.id).version
    signed("supervisor_a").post(
        f"{url}/hold", data={"on_hold": "y", "reason": "A", "version": stale}
    )
    signed("admin").post(f"{url}/hold", data={"reason": "", "version": stale})
    credit = db.session.get(DealerCredit, world.dealer_x.id)
    db.session.refresh(credit)
    assert credit.on_hold
    assert credit.hold_reason == "A"
