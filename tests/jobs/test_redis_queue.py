"""The production queue: Redis on 127.0.0.1:6379 for real, consumers in threads."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from huey.storage import PriorityRedisStorage
from sqlalchemy import func, select

from portal import jobs
from portal.extensions import db
from portal.models import DealerFile, ExportJob, JobState
from tests.conftest import client_for
from tests.support.databases import TEST_SECRET
from tests.support.factories import PASSWORD
from tests.support.live import ROOT, wait_for

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


def test_a_worker_process_started_by_the_documented_command_runs_the_export(
    app, world, redis_queue, tmp_path
):
    """`flask --app app worker` in a process of its own, sharing the database and Redis."""
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    export = db.session.scalars(select(ExportJob)).one()
    db.session.commit()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_UPLOAD_DIR": str(Path(app.instance_path) / "uploads"),
        "PORTAL_QUEUE_URL": REDIS_URL,
        "PORTAL_QUEUE_NAME": app.config["QUEUE_NAME"],
    }
    log = open(tmp_path / "worker.log", "w+b")  # noqa: SIM115  (closed below)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: export.job.finished or worker.poll() is not None, "the worker")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()

    assert export.status == JobState.DONE, output[-3000:]
    assert supervisor.get(f"/dealer-files/exports/{export.id}/download").status_code == 200
