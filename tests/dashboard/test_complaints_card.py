"""The complaints card on each home page: the numbers of portal.metrics.complaints, scoped to
what the reader may see (the set is tests/support/complaints.py)."""

from __future__ import annotations

import re

import pytest

from tests.support import complaints as complaint_set
from tests.support.clients import signed_in_client
from tests.support.world import World, build_world


@pytest.fixture
def world(app) -> World:
    world = build_world()
    complaint_set.build(world)
    return world


def value(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(?:<a [^>]*>)?([^<]*)<', page)
    assert found is not None, testid
    return found.group(1).replace("\u00a0", " ").strip()


def home(app, world: World, person: str) -> str:
    response = signed_in_client(app, world.people[person]).get("/home")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_admin_sees_the_network_and_each_region(app, world):
    page = home(app, world, "admin")
    assert value(page, "complaints-open") == "6"
    assert value(page, "complaints-overdue-forward") == "2"
    assert value(page, "complaints-overdue-resolve") == "2"
    assert value(page, "complaints-month-forwarded") == "33.3 %"
    assert value(page, "complaints-year-forwarded") == "57.1 %"
    assert value(page, "complaints-year-resolved") == "50.0 %"
    assert value(page, "complaints-year-repeat") == "25.0 %"
    assert "Forwarded within 2 h" in page
    assert f'data-testid="complaints-region-{world.region_a.id}"' in page
    assert f'data-testid="complaints-region-{world.region_b.id}"' in page
    assert 'data-testid="complaints-by-dealer"' not in page


def test_a_supervisor_sees_their_regions_dealers_worst_first(app, world):
    page = home(app, world, "supervisor_a")
    assert value(page, "complaints-open") == "5"
    assert value(page, "complaints-overdue-forward") == "1"
    assert value(page, "complaints-month-forwarded") == "50.0 %"
    assert value(page, "complaints-year-resolved") == "33.3 %"
    assert value(page, "complaints-year-repeat") == "16.7 %"
    assert f'href="/complaints/?dealer={world.dealer_x.id}&amp;overdue=any"' in page
    assert f'data-testid="complaints-dealer-{world.dealer_y.id}"' not in page
    other = home(app, world, "supervisor_b")
    assert value(other, "complaints-open") == "1"
    assert f'data-testid="complaints-dealer-{world.dealer_y.id}"' in other
    assert f'data-testid="complaints-dealer-{world.dealer_x.id}"' not in other


def test_a_dealer_sees_its_open_complaints_and_what_falls_due_next(app, world):
    page = home(app, world, "dealer_x")
    assert value(page, "complaints-open") == "5"
    assert "3 overdue" in page
    due = page[page.index('data-testid="complaints-due"') :]
    due = due[: due.index("</ul>")]
    assert due.count("<li>") == 3
    assert "Resolution due" in due
    assert "Forwarding due" in due
    assert world.store_x.name in due
    assert 'data-testid="complaints-card"' not in page
    assert value(home(app, world, "dealer_y"), "complaints-open") == "1"
