"""The dealer list: pagination, search, sorting and filters, within the viewer's scope."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.extensions import db
from portal.models import DealerKind, DealerStatus, Role
from tests.conftest import client_for
from tests.network.lists import codes_on, total_on
from tests.support.clients import sign_in_directly
from tests.support.factories import PASSWORD, make_dealer, make_region, make_user


@pytest.fixture
def app_config():
    return {"PAGE_SIZE": 3}


@pytest.fixture
def dealers(app, client):
    """Seven dealers in two regions; names and cities sort the same under every collation."""
    east = make_region(code="EAST", name="east")
    west = make_region(code="WEST", name="west")
    rows = [
        ("D05", "echo trading", "北京", DealerKind.DEALER, DealerStatus.ACTIVE, west),
        ("D02", "bravo sports", "shanghai", DealerKind.FRANCHISEE, DealerStatus.PROSPECT, east),
        ("D07", "golf outfitters", "北京", DealerKind.DISTRIBUTOR, DealerStatus.ACTIVE, east),
        ("D01", "alpha retail", "guangzhou", DealerKind.DEALER, DealerStatus.SUSPENDED, west),
        ("D04", "delta 100% cotton", "chengdu", DealerKind.FRANCHISEE, DealerStatus.ACTIVE, east),
        ("D06", "foxtrot 北方运动", "tianjin", DealerKind.DEALER, DealerStatus.TERMINATED, west),
        ("D03", "charlie_goods", "wuhan", DealerKind.DISTRIBUTOR, DealerStatus.ACTIVE, east),
    ]
    made = {
        code: make_dealer(
            region,
            code=code,
            name=name,
            city=city,
            kind=kind,
            status=status,
            contract_start=date(2020, 1, 1),
        )
        for code, name, city, kind, status, region in rows
    }
    sign_in_directly(client, make_user(Role.ADMIN))
    return made


def _all_codes(client, **params) -> list[str]:
    """Every code the list shows across its pages."""
    codes, page = [], 1
    while True:
        response = client.get("/dealers/", query_string={**params, "page": page})
        found = codes_on(response, "dealers")
        if not found:
            return codes
        codes += found
        page += 1


def test_pages_split_the_list_and_count_everything(client, dealers):
    first = client.get("/dealers/")
    third = client.get("/dealers/?page=3")
    beyond = client.get("/dealers/?page=99")

    assert codes_on(first, "dealers") == ["D01", "D02", "D03"]
    assert codes_on(third, "dealers") == ["D07"]
    assert codes_on(beyond, "dealers") == []
    assert total_on(first) == 7
    assert re.search(r'href="/dealers/\?[^"]*page=2"', first.get_data(as_text=True))


# Table-driven: one network serves every case (each case is a read; a new database per
# case cost a second each), and a failure names its case.
SEARCHES = [
    ("D03", ["D03"]),
    ("d0", ["D01", "D02", "D03", "D04", "D05", "D06", "D07"]),
    ("BRAVO", ["D02"]),
    ("北京", ["D05", "D07"]),
    ("北方", ["D06"]),
    ("Chengdu", ["D04"]),
    ("100%", ["D04"]),
    ("%", ["D04"]),
    ("_", ["D03"]),
    ("no such thing", []),
]


def test_search_matches_code_name_and_city(client, dealers):
    for query, expected in SEARCHES:
        assert sorted(_all_codes(client, q=query)) == expected, query


SORT_KEYS = {
    "code": lambda d: d.code,
    "name": lambda d: d.name,
    "city": lambda d: d.city,
    "region": lambda d: d.region.name,
    "status": lambda d: d.status.value,
    "kind": lambda d: d.kind.value,
}


def test_every_sortable_column_sorts_both_ways(client, dealers):
    ascii_only = [d for d in dealers.values() if d.city.isascii()]
    by_id = sorted(ascii_only, key=lambda d: d.id)
    for column, key in SORT_KEYS.items():
        for descending in (False, True):
            expected = [d.code for d in sorted(by_id, key=key, reverse=descending)]
            sort = ("-" if descending else "") + column

            shown = [c for c in _all_codes(client, sort=sort) if dealers[c].city.isascii()]

            assert shown == expected, sort


def test_sort_links_flip_the_direction(client, dealers):
    page = client.get("/dealers/?sort=name").get_data(as_text=True)

    assert 'href="/dealers/?sort=-name&amp;page=1"' in page
    assert 'aria-sort="ascending"' in page


def test_an_unknown_sort_falls_back_to_code(client, dealers):
    response = client.get("/dealers/?sort=password_hash")

    assert codes_on(response, "dealers") == ["D01", "D02", "D03"]


FILTERS = [
    ({"kind": "distributor"}, ["D03", "D07"]),
    ({"status": "active"}, ["D03", "D04", "D05", "D07"]),
    ({"status": "active", "kind": "dealer"}, ["D05"]),
    ({"kind": "bogus"}, ["D01", "D02", "D03", "D04", "D05", "D06", "D07"]),
]


def test_filters_narrow_the_list(client, dealers):
    for params, expected in FILTERS:
        assert sorted(_all_codes(client, **params)) == expected, params


def test_region_filter(client, dealers):
    west = dealers["D01"].region_id

    assert sorted(_all_codes(client, region=west)) == ["D01", "D05", "D06"]


def test_deactivated_dealers_are_hidden_unless_asked_for(client, dealers):
    dealers["D02"].active = False
    db.session.commit()

    assert "D02" not in _all_codes(client)
    assert "D02" in _all_codes(client, inactive="1")


def test_a_supervisor_lists_only_the_dealers_of_their_regions(app, dealers):
    supervisor = make_user(Role.SUPERVISOR, regions=[dealers["D01"].region])
    client = client_for(app, supervisor.email, PASSWORD)

    assert sorted(_all_codes(client)) == ["D01", "D05", "D06"]
    east = dealers["D02"].region_id
    assert _all_codes(client, region=east) == []


def test_a_dealer_user_is_taken_to_their_own_dealer(app, dealers):
    user = make_user(Role.DEALER, dealer=dealers["D04"])
    client = client_for(app, user.email, PASSWORD)

    response = client.get("/dealers/")

    assert response.headers["Location"].endswith(f"/dealers/{dealers['D04'].id}")
