"""Fixtures for audit tests: a small network with a published standard."""

import pytest

from tests.support.audit_factories import AuditWorld, make_world


@pytest.fixture
def world(app) -> AuditWorld:
    return make_world()
