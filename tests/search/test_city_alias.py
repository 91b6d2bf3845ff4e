"""A city stored as 北京 is found by "Beijing" through the record's city alias, in scope only."""

import pytest

from portal.extensions import db
from tests.search.test_search import group, search
from tests.support import plans as plan_support
from tests.support.pages import without_tokens


@pytest.fixture
def world(app):
    world = plan_support.make_world()
    world.stores_x[0].city, world.stores_x[0].city_alias = "北京", "Beijing"
    world.stores_y[0].city, world.stores_y[0].city_alias = "北京", "Beijing"  # another region
    world.dealer_x.city, world.dealer_x.city_alias = "Tianjin", "天津"
    db.session.commit()
    return world


def test_beijing_finds_a_store_whose_city_is_stored_in_chinese(app, world):
    page = search(app, world.supervisor_a, "Beijing")

    stores = group(page, "stores")
    assert f"/stores/{world.stores_x[0].id}" in stores
    assert "北京 (Beijing)" in stores
    # The same city in the other region is not in this supervisor's scope.
    assert f"/stores/{world.stores_y[0].id}" not in without_tokens(page)
    assert world.stores_y[0].code not in without_tokens(page)


def test_the_alias_works_the_other_way_for_dealers(app, world):
    page = search(app, world.admin, "天津")

    assert f"/dealers/{world.dealer_x.id}" in group(page, "dealers")


def test_a_dealer_user_finds_only_their_own_stores_by_alias(app, world):
    page = search(app, world.user_y, "beijing")

    stores = group(page, "stores")
    assert f"/stores/{world.stores_y[0].id}" in stores
    assert f"/stores/{world.stores_x[0].id}" not in stores


def test_the_store_list_search_reads_the_alias_too(app, world):
    from tests.support.clients import signed_in_client

    page = signed_in_client(app, world.admin).get("/stores/", query_string={"q": "Beijing"})

    assert world.stores_x[0].code in page.get_data(as_text=True)
