"""The staff home's lists read in the database's order: the visit list weakest first and
dealers without a score last, the dealer table counted per region filter."""

import re

import pytest

from portal.extensions import db
from tests.dashboard.conftest import build_home_world
from tests.dashboard.test_home_pages import page_of, section
from tests.support.factories import make_dealer


@pytest.fixture
def app_config() -> dict:
    # Health from attainment alone: a dealer without an approved plan has no score.
    return {"HEALTH_WEIGHTS": {"attainment": 100}, "HOME_VISIT_LIST_SIZE": 3, "PAGE_SIZE": 1}


@pytest.fixture
def world(app):
    world = build_home_world()  # Dealer X at 80 % in region A, Dealer Y at 120 % in region B
    unscored = [make_dealer(world.region_a, name=f"New {n}") for n in (1, 2)]
    db.session.commit()
    return world, unscored


def visit_order(page: str) -> list[str]:
    return re.findall(
        r'data-testid="visit-row" data-dealer="([^"]+)"', section(page, "needing-visit")
    )


def test_the_visit_list_ranks_scores_first_then_fills_up_with_unscored_dealers(app, world):
    world, (first_new, second_new) = world

    everyone = visit_order(page_of(app, world.admin))
    region_a = visit_order(page_of(app, world.supervisor_a))

    assert everyone == [world.dealer_x.code, world.dealer_y.code, first_new.code]
    assert region_a == [world.dealer_x.code, first_new.code, second_new.code]


def test_the_dealer_table_counts_the_dealers_of_the_region_shown(app, world):
    world, _unscored = world

    every_region = section(page_of(app, world.admin), "dealer-table")
    region_a = section(
        page_of(app, world.admin, f"/home?region={world.region_a.id}"), "dealer-table"
    )
    elsewhere = section(
        page_of(app, world.supervisor_b, f"/home?region={world.region_a.id}"), "dealer-table"
    )

    assert "4 results" in every_region
    assert "3 results" in region_a
    assert "data-dealer=" not in elsewhere  # another supervisor's region: nothing to list
