"""Fixtures: the shared two-region world and an administrator's client."""

from tests.support.world import admin, world  # noqa: F401  (fixtures)
