"""Queue tests: the real queue (SQLite or Redis), run by drain() or by consumer threads."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from portal.extensions import db
from tests.dossiers.conftest import seed_figures
from tests.support.plans import World, make_world

PATIENCE_SECONDS = 120  # a loaded two-core machine renders slowly; never a timing assertion


@pytest.fixture
def world(app) -> World:
    world = make_world()
    seed_figures(world)
    return world


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until `condition()` holds (ending the read each time, so SQLite writers go on)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        db.session.expire_all()
        held = condition()
        db.session.commit()
        if held:
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")
