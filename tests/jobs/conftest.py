"""Queue tests: the real queue (SQLite or Redis), run by drain() or by consumer threads."""

from __future__ import annotations

import pytest

from tests.dossiers.conftest import seed_figures
from tests.support.plans import World, make_world


@pytest.fixture
def app_config() -> dict:
    """The real queue: SQLite in the instance folder (tests/conftest.py puts others in memory)."""
    return {"QUEUE_URL": None}


@pytest.fixture
def world(app) -> World:
    world = make_world()
    seed_figures(world)
    return world
