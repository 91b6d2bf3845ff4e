"""Fixtures for audit tests: a small network with a published standard."""

import pytest

from tests.support.audit_factories import AuditWorld, make_world


@pytest.fixture
def world(app) -> AuditWorld:
    return make_world()


@pytest.fixture
def app_config() -> dict:
    """PDF reports render in a job: run jobs at once, where they are queued (the queue's
    own behaviour, with consumers, is tested in tests/jobs/)."""
    return {"QUEUE_IMMEDIATE": True, "JOB_RETRIES": 0}
