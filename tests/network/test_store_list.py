"""The store list: pagination, search, sorting and filters, within the viewer's scope."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Role, StoreFormat, StoreStatus
from tests.conftest import client_for
from tests.network.lists import codes_on, total_on
from tests.support.clients import sign_in_directly
from tests.support.factories import PASSWORD, make_dealer, make_region, make_store, make_user


@pytest.fixture
def app_config():
    return {"PAGE_SIZE": 4}


@pytest.fixture
def stores(app, client):
    north = make_region(code="NORTH", name="north")
    south = make_region(code="SOUTH", name="south")
    alpha = make_dealer(north, code="AAA", name="alpha")
    bravo = make_dealer(south, code="BBB", name="bravo")
    rows = [
        ("ST-05", "echo mall", "shenzhen", alpha, StoreFormat.FLAGSHIP, StoreStatus.OPEN, 2019),
        ("ST-02", "bravo street", "北京", bravo, StoreFormat.COUNTER, StoreStatus.PLANNED, 2024),
        ("ST-01", "alpha plaza", "hangzhou", bravo, StoreFormat.OUTLET, StoreStatus.OPEN, 2016),
        ("ST-04", "delta 旗舰店", "kunming", alpha, StoreFormat.STANDARD, StoreStatus.CLOSED, 2018),
        ("ST-03", "charlie road", "dalian", alpha, StoreFormat.COUNTER, StoreStatus.OPEN, 2021),
        (
            "ST-06",
            "foxtrot corner",
            "xiamen",
            bravo,
            StoreFormat.SHOP_IN_SHOP,
            StoreStatus.OPEN,
            2020,
        ),
    ]
    made = {
        code: make_store(
            dealer,
            code=code,
            name=name,
            city=city,
            format=fmt,
            status=status,
            opened_on=date(year, 5, 1),
        )
        for code, name, city, dealer, fmt, status, year in rows
    }
    sign_in_directly(client, make_user(Role.ADMIN))
    return made


def _all_codes(client, **params) -> list[str]:
    codes, page = [], 1
    while found := codes_on(
        client.get("/stores/", query_string={**params, "page": page}), "stores"
    ):
        codes += found
        page += 1
    return codes


def test_pages_split_the_list(client, stores):
    first = client.get("/stores/")

    assert codes_on(first, "stores") == ["ST-01", "ST-02", "ST-03", "ST-04"]
    assert codes_on(client.get("/stores/?page=2"), "stores") == ["ST-05", "ST-06"]
    assert total_on(first) == 6


# Table-driven: one network serves every case (each case is a read), and a failure names
# its case.
SEARCHES = [
    ("st-04", ["ST-04"]),
    ("CHARLIE", ["ST-03"]),
    ("北京", ["ST-02"]),
    ("旗舰", ["ST-04"]),
    ("xiamen", ["ST-06"]),
    ("nothing", []),
]


def test_search_matches_code_name_and_city(client, stores):
    for query, expected in SEARCHES:
        assert sorted(_all_codes(client, q=query)) == expected, query


SORT_KEYS = {
    "code": lambda s: s.code,
    "name": lambda s: s.name,
    "city": lambda s: s.city,
    "dealer": lambda s: s.dealer.code,
    "status": lambda s: s.status.value,
    "opened_on": lambda s: s.opened_on,
}


def test_every_sortable_column_sorts_both_ways(client, stores):
    comparable = sorted((s for s in stores.values() if s.city.isascii()), key=lambda s: s.id)
    for column, key in SORT_KEYS.items():
        for descending in (False, True):
            expected = [s.code for s in sorted(comparable, key=key, reverse=descending)]
            sort = ("-" if descending else "") + column

            shown = _all_codes(client, sort=sort)

            assert [code for code in shown if stores[code].city.isascii()] == expected, sort


FILTERS = [
    ({"format": "counter"}, ["ST-02", "ST-03"]),
    ({"status": "open"}, ["ST-01", "ST-03", "ST-05", "ST-06"]),
    ({"status": "open", "format": "counter"}, ["ST-03"]),
]


def test_filters_narrow_the_list(client, stores):
    for params, expected in FILTERS:
        assert sorted(_all_codes(client, **params)) == expected, params


def test_dealer_and_region_filters(client, stores):
    alpha = stores["ST-03"].dealer

    assert sorted(_all_codes(client, dealer=alpha.id)) == ["ST-03", "ST-04", "ST-05"]
    assert sorted(_all_codes(client, region=alpha.region_id)) == ["ST-03", "ST-04", "ST-05"]


def test_deactivated_stores_are_hidden_unless_asked_for(client, stores):
    stores["ST-01"].active = False
    db.session.commit()

    assert "ST-01" not in _all_codes(client)
    assert "ST-01" in _all_codes(client, inactive="1")


def test_a_dealer_user_lists_only_their_own_stores(app, stores):
    bravo = stores["ST-01"].dealer
    user = make_user(Role.DEALER, dealer=bravo)
    client = client_for(app, user.email, PASSWORD)

    assert sorted(_all_codes(client)) == ["ST-01", "ST-02", "ST-06"]
    alpha = stores["ST-03"].dealer
    assert _all_codes(client, dealer=alpha.id) == []  # a filter cannot widen the scope
