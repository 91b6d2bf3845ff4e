"""Fixtures for assessment tests: the two-region world and signed-in clients per role."""

from datetime import date

import pytest

from portal import clock
from portal.assessments import cycles
from tests.support.clients import signed_in_client
from tests.support.world import World, build_world


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture
def clients(app, world):
    """One signed-in client per role name in the world (created on first use)."""
    made = {}

    def client(role: str):
        if role not in made:
            made[role] = signed_in_client(app, world.people[role])
        return made[role]

    return client


def last_quarter(today: date | None = None) -> cycles.Cycle:
    return cycles.containing(today or clock.today(), 3).shift(-1)


def rating_form(ratings: dict[str, int | str], *, comment: str = "", **extra) -> dict:
    """What the assessment form posts: a rating and a comment per criterion."""
    data = {"comment": comment, **extra}
    for key, value in ratings.items():
        data[f"rating_{key}"] = str(value)
        data[f"comment_{key}"] = f"About {key}"
    return data


ALL_FOUR = {"market_development": 4, "team_service": 4, "cooperation": 4}
