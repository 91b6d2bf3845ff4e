"""R3 in the registry: a code taken between the "is it free?" check and the INSERT (a double
submit on PostgreSQL) gets the same form error as a code taken earlier, never a 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ActivityEntry, Dealer, ProductLine, Region, Store
from portal.network import services
from tests.audits.test_double_submit import signed_in_session, ten_at_once
from tests.network.test_csv_import import DEALER_HEADER, report
from tests.support.factories import make_dealer, make_product_line, make_region, make_store
from tests.support.live import serve_in_thread
from tests.support.world import World, dealer_form, store_form

TAKEN = "RACE-1"


def check_passes_once(monkeypatch, before: Callable[[], Any] = lambda: None) -> None:
    """The first check of TAKEN finds it free, as it did for the request that lost the race;
    `before` runs at that moment. Every other check is the real one."""
    real = services._check_code_free
    calls = []

    def check(model, code, current):
        if code == TAKEN and not calls:
            calls.append(code)
            before()
            return
        real(model, code, current)

    monkeypatch.setattr(services, "_check_code_free", check)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _cases(w: World) -> dict[str, tuple[str, type, Callable[[], Any], dict[str, Any]]]:
    """(create path, model, rival factory, posted form) for every registry create page."""
    return {
        "region": ("/regions/new", Region, lambda: make_region(code=TAKEN), {"name": "Mine"}),
        "dealer": (
            "/dealers/new",
            Dealer,
            lambda: make_dealer(w.region_b, code=TAKEN),
            {**dealer_form(w.dealer_x, name="Mine", version=""), "region_id": w.region_a.id},
        ),
        "store": (
            "/stores/new",
            Store,
            lambda: make_store(w.dealer_y, code=TAKEN),
            store_form(w.store_x, name="Mine", version=""),
        ),
        "product_line": (
            "/product-lines/new",
            ProductLine,
            lambda: make_product_line(code=TAKEN),
            {"name": "Mine", "sort_order": 5},
        ),
    }


@pytest.mark.parametrize("kind", ["region", "dealer", "store", "product_line"])
def test_a_code_taken_after_the_check_is_refused_on_the_form(admin, world, monkeypatch, kind):
    path, model, make_rival, form = _cases(world)[kind]
    rival = make_rival()
    db.session.commit()
    records, entries = _count(model), _count(ActivityEntry)
    check_passes_once(monkeypatch)

    response = admin.post(path, data={**form, "code": TAKEN.lower()})

    assert response.status_code == 200
    assert b"This code is already used." in response.data
    assert _count(model) == records
    assert db.session.scalar(select(model.name).where(model.code == TAKEN)) == rival.name
    assert _count(ActivityEntry) == entries


def test_an_import_racing_for_a_code_saves_none_of_its_rows(admin, world, monkeypatch):
    """The rival is added in the import's own transaction: on SQLite no other writer can get
    in while the import holds the write lock."""
    region_id = world.region_b.id

    def rival_takes_the_code():
        make_dealer(db.session.get(Region, region_id), code=TAKEN)

    check_passes_once(monkeypatch, rival_takes_the_code)
    dealers, entries = _count(Dealer), _count(ActivityEntry)
    rows = ["NEW-1,Mine,dealer,active,RA,,,", f"{TAKEN},Also mine,dealer,active,RA,,,"]
    text = "\n".join([DEALER_HEADER, *rows, ""])

    response = admin.post(
        "/dealers/import", data={"file": (io.BytesIO(text.encode()), "upload.csv")}
    )

    assert report(response) == [(3, "code", "This code is already used.")]
    assert (_count(Dealer), _count(ActivityEntry)) == (dealers, entries)


def test_ten_identical_region_posts_make_one_region(app, world):
    """The real race (on PostgreSQL): one request creates it, the others see the form error."""
    email = world.people["admin"].email
    db.session.commit()  # and touch nothing until the end: SQLite's write lock is shared
    with serve_in_thread(app) as base:
        session = signed_in_session(base, email)
        statuses = ten_at_once(
            lambda: session.post(
                f"{base}/regions/new",
                data={"code": TAKEN, "name": "Twice"},
                allow_redirects=False,
                timeout=60,
            )
        )
    assert sorted(statuses) == [200] * 9 + [302]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Region.code == TAKEN)) == 1
