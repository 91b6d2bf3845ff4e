"""Global search: dealers and stores by code, name or city; plans and audits by dealer; scoped."""

import pytest

from portal.extensions import db
from portal.models import PlanStatus
from tests.support import plans as plan_support
from tests.support.audit_factories import make_audit, make_standard
from tests.support.clients import signed_in_client
from tests.support.factories import make_dealer, make_store
from tests.support.pages import without_tokens
from tests.support.plans import make_plan, this_month


@pytest.fixture
def world(app):
    world = plan_support.make_world()
    world.dealer_x.city = "Qingdao"
    world.stores_x[0].city = "Weihai"
    world.stores_x[0].name = "Harbour Front"
    world.dealer_y.city = "Kunming"
    world.stores_y[0].city = "Weihai"  # same city, another region
    make_plan(world.dealer_x, this_month(), status=PlanStatus.SUBMITTED)
    make_plan(world.dealer_y, this_month(), status=PlanStatus.SUBMITTED)
    version = make_standard(actor=world.admin)
    make_audit(world.stores_x[0], version.standard, world.supervisor_a)
    make_audit(world.stores_y[0], version.standard, world.supervisor_b)
    db.session.commit()
    return world


def search(app, user, query: str) -> str:
    response = signed_in_client(app, user).get("/search", query_string={"q": query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def group(page: str, kind: str) -> str:
    marker = f'data-testid="results-{kind}"'
    if marker not in page:
        return ""
    start = page.index(marker)
    return page[start : page.index("</section>", start)]


def test_finds_a_store_by_city(app, world):
    page = search(app, world.supervisor_a, "weihai")

    stores = group(page, "stores")
    assert world.stores_x[0].code in stores
    assert "Harbour Front" in stores
    # The same city in another region stays hidden.
    assert world.stores_y[0].code not in without_tokens(page)


@pytest.mark.parametrize(
    ("query", "kind"),
    [("Qingdao", "dealers"), ("Dealer X", "dealers"), ("Harbour", "stores")],
)
def test_finds_dealers_and_stores_by_name_and_city(app, world, query, kind):
    page = search(app, world.admin, query)

    assert f'href="/{kind}/' in group(page, kind)


def test_finds_a_dealer_and_a_store_by_code(app, world):
    dealers = group(search(app, world.admin, world.dealer_x.code), "dealers")
    stores = group(search(app, world.admin, world.stores_y[1].code), "stores")

    assert f"/dealers/{world.dealer_x.id}" in dealers
    assert f"/stores/{world.stores_y[1].id}" in stores


def test_finds_plans_and_audits_by_their_dealer(app, world):
    page = search(app, world.supervisor_a, "Dealer X")

    assert f"Sales plan for {this_month()}" in group(page, "plans")
    assert world.stores_x[0].code in group(page, "audits")


def test_a_supervisor_never_finds_another_regions_records(app, world):
    page = search(app, world.supervisor_a, "Dealer Y")

    assert f"/dealers/{world.dealer_y.id}" not in page
    assert 'data-testid="result"' not in page
    assert 'data-testid="no-results"' in page


def test_a_dealer_user_finds_only_its_own_dealer(app, world):
    page = search(app, world.user_y, "Dealer")

    assert "Dealer Y" in group(page, "dealers")
    assert "Dealer X" not in page
    assert world.stores_x[0].code not in without_tokens(page)


def test_wildcards_are_searched_literally(app, world):
    page = search(app, world.admin, "%%")

    assert 'data-testid="result"' not in page


def test_a_one_letter_query_asks_for_more(app, world):
    page = search(app, world.admin, "D")

    assert "Type at least 2 characters." in page
    assert 'data-testid="result"' not in page


def test_one_kind_is_paginated(app, world):
    app.config["PAGE_SIZE"] = 2
    region = world.region_a
    dealer = make_dealer(region, name="Paged Dealer", city="Paging")
    for _ in range(3):
        make_store(dealer, city="Paging")
    db.session.commit()
    client = signed_in_client(app, world.supervisor_a)

    overview = client.get("/search?q=Paging").get_data(as_text=True)
    first = client.get("/search?q=Paging&kind=stores").get_data(as_text=True)
    last = client.get("/search?q=Paging&kind=stores&page=2").get_data(as_text=True)

    assert group(overview, "stores").count('data-testid="result"') == 3
    assert group(first, "stores").count('data-testid="result"') == 2
    assert group(last, "stores").count('data-testid="result"') == 1
    assert 'data-testid="results-dealers"' not in first
    assert "3 results" in first


def test_the_navigation_has_a_search_box(app, world):
    page = signed_in_client(app, world.user_x).get("/home").get_data(as_text=True)

    assert 'action="/search"' in page
    assert 'data-testid="nav-search"' in page
