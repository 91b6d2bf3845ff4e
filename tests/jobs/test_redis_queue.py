"""The production queue: Redis on 127.0.0.1:6379 for real, consumers in threads."""

from __future__ import annotations

import uuid

import pytest
from huey.storage import PriorityRedisStorage
from sqlalchemy import func, select

from portal import jobs
from portal.extensions import db
from portal.models import DealerFile, ExportJob, JobState
from tests.conftest import client_for
from tests.jobs.conftest import wait_for
from tests.support.factories import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config() -> dict:
    # A queue name of its own: parallel test runs share the one Redis.
    return {"QUEUE_URL": REDIS_URL, "QUEUE_NAME": f"portal-test-{uuid.uuid4().hex}"}


@pytest.fixture
def redis_queue(app):
    huey = jobs.queue_of(app).huey
    yield huey
    huey.flush()


def test_a_redis_queue_url_makes_a_redis_queue(app, redis_queue):
    assert isinstance(redis_queue.storage, PriorityRedisStorage)
    assert redis_queue.storage.conn.ping()


def test_an_export_goes_through_redis_to_a_consumer(app, world, redis_queue):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    export = db.session.scalars(select(ExportJob)).one()
    db.session.commit()

    assert export.status == JobState.QUEUED
    assert redis_queue.pending_count() == 1  # the job waits in Redis, not in this process

    with jobs.embedded_consumer(app, workers=2):
        wait_for(lambda: export.job.finished, "the export")

    assert export.status == JobState.DONE
    assert db.session.scalar(select(func.count(DealerFile.id))) == 1
    assert supervisor.get(f"/dealer-files/exports/{export.id}/download").status_code == 200
    assert redis_queue.pending_count() == 0
