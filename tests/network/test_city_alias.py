"""The optional city alias (北京 / Beijing): on the forms and in the CSV import and export."""

from __future__ import annotations

import io

import pytest

from portal.models import Role
from tests.support.clients import signed_in_client
from tests.support.factories import make_dealer, make_region, make_store, make_user
from tests.support.world import dealer_form, store_form

STORE_HEADER = "code,name,dealer_code,format,status,city"


@pytest.fixture
def admin(app):
    make_region(code="NORTH", name="North")
    return signed_in_client(app, make_user(Role.ADMIN))


def _import(client, kind: str, text: str):
    data = text.encode("utf-8")
    return client.post(f"/{kind}/import", data={"file": (io.BytesIO(data), "upload.csv")})


def test_the_import_reads_the_alias_and_the_export_writes_it(admin):
    make_dealer(code="N01")
    text = f"{STORE_HEADER},city_alias\nN01-01,Guomao,N01,flagship,open,北京,Beijing\n"

    assert _import(admin, "stores", text).status_code == 302

    exported = admin.get("/stores/export.csv").get_data(as_text=True)
    header, row = exported.lstrip("\ufeff").splitlines()[:2]
    assert "city,city_alias" in header
    assert "北京,Beijing" in row


def test_a_file_without_the_alias_column_keeps_the_alias(admin):
    dealer = make_dealer(code="N01")
    store = make_store(dealer, code="N01-01")
    store.city_alias = "Beijing"
    text = f"{STORE_HEADER}\nN01-01,Renamed,N01,flagship,open,北京\n"

    assert _import(admin, "stores", text).status_code == 302

    assert (store.name, store.city, store.city_alias) == ("Renamed", "北京", "Beijing")


@pytest.mark.parametrize("kind", ["dealers", "stores"])
def test_the_edit_forms_save_the_alias(admin, kind):
    dealer = make_dealer(code="N01")
    record, form = dealer, dealer_form
    if kind == "stores":
        record, form = make_store(dealer, code="N01-01"), store_form
    assert 'name="city_alias"' in admin.get(f"/{kind}/{record.id}/edit").get_data(as_text=True)

    response = admin.post(
        f"/{kind}/{record.id}/edit", data=form(record, city="北京", city_alias="Beijing")
    )

    assert response.status_code == 302
    assert (record.city, record.city_alias) == ("北京", "Beijing")
