"""Fixtures for the sign-in area tests."""

from tests.support.world import admin, world  # noqa: F401  (fixtures)
