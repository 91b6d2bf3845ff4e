"""Exporting dealers and importing the file again changes nothing (Hypothesis)."""

from __future__ import annotations

import io
import itertools
import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.demo.network import DEMO_PASSWORD
from portal.extensions import db
from portal.models import ActivityEntry, Dealer, DealerKind, DealerStatus, Role, Store
from tests.conftest import client_for
from tests.support.clients import signed_in_client
from tests.support.factories import make_region, make_user

# Text as forms leave it: printable (Chinese included), stripped, and free to start with
# characters a spreadsheet would run (= + - @) or with a quote.
ALPHABET = st.sampled_from(
    list(string.ascii_letters + string.digits + " ,;\"'=+-@()#%&/:._")
    + list("北京上海广州运动体育有限公司店")
)
TEXT = st.text(ALPHABET, max_size=40).map(str.strip)
PHONE = st.text(st.sampled_from(list("0123456789+()-. ")), max_size=20).map(str.strip)
EMAIL = st.sampled_from(["", "a@example.com", "sales+cn@dealer.example.com"])
DATES = st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))

_codes = itertools.count(1)


@st.composite
def dealers(draw) -> dict:
    start, end = draw(DATES), draw(DATES)
    if start and end and end < start:
        start, end = end, start
    return {
        "name": draw(TEXT.filter(bool)),
        "kind": draw(st.sampled_from(DealerKind)),
        "status": draw(st.sampled_from(DealerStatus)),
        "contact_person": draw(TEXT),
        "phone": draw(PHONE),
        "email": draw(EMAIL),
        "address": draw(TEXT),
        "city": draw(TEXT),
        "contract_start": start,
        "contract_end": end,
    }


def _state() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(select(Dealer).order_by(Dealer.id))
    return [
        (
            d.code,
            d.name,
            d.kind,
            d.status,
            d.region_id,
            d.contact_person,
            d.phone,
            d.email,
            d.address,
            d.city,
            d.contract_start,
            d.contract_end,
            d.active,
            d.version,
            d.updated_at,
        )
        for d in rows
    ]


@pytest.fixture
def admin(app):
    return signed_in_client(app, make_user(Role.ADMIN))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(dealers(), min_size=1, max_size=4))
def test_export_then_import_changes_nothing(app, admin, batch):
    region = make_region()
    for values in batch:
        db.session.add(Dealer(code=f"RT{next(_codes)}", region=region, **values))
    db.session.commit()
    before = _state()
    last_entry = db.session.scalar(select(ActivityEntry.id).order_by(ActivityEntry.id.desc()))

    exported = admin.get("/dealers/export.csv?inactive=1")
    response = admin.post(
        "/dealers/import", data={"file": (io.BytesIO(exported.get_data()), "dealers.csv")}
    )

    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert _state() == before
    logged = db.session.scalars(
        select(ActivityEntry.action).where(ActivityEntry.id > (last_entry or 0))
    ).all()
    assert [action for action in logged if action != "dealer.export"] == ["dealer.import"]


def _stores_state() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(select(Store).order_by(Store.id))
    return [
        (
            s.code,
            s.name,
            s.dealer_id,
            s.address,
            s.city,
            s.format,
            s.opened_on,
            s.status,
            s.active,
            s.version,
        )
        for s in rows
    ]


def test_the_demo_network_exports_and_imports_unchanged(app, demo):
    admin = client_for(app, "admin@demo.example", DEMO_PASSWORD)
    dealers_before, stores_before = _state(), _stores_state()

    for kind in ("dealers", "stores"):
        exported = admin.get(f"/{kind}/export.csv?inactive=1").get_data()
        response = admin.post(
            f"/{kind}/import", data={"file": (io.BytesIO(exported), f"{kind}.csv")}
        )
        assert response.status_code == 302, kind

    assert _state() == dealers_before
    assert _stores_state() == stores_before
