"""The embedded queue: SQLite in instance/queue.sqlite3, run by drain() or consumer threads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from huey.storage import SqliteStorage
from sqlalchemy import func, select

from portal import jobs
from portal.extensions import db
from portal.models import DealerFile, ExportJob, Job, JobState
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_dealer
from tests.support.live import wait_for


def test_without_a_queue_url_the_queue_is_sqlite_in_the_instance_folder(app):
    storage = jobs.queue_of(app).huey.storage

    assert isinstance(storage, SqliteStorage)
    assert Path(storage.filename) == Path(app.instance_path) / "queue.sqlite3"


def test_a_view_only_queues_the_export_and_a_worker_runs_it(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    export = db.session.scalars(select(ExportJob)).one()

    assert export.status == JobState.QUEUED  # the request rendered nothing
    assert db.session.scalar(select(func.count(DealerFile.id))) == 0
    status = supervisor.get(f"/dealer-files/exports/{export.id}/status.json").get_json()
    assert (status["status"], status["finished"]) == ("queued", False)

    jobs.drain(app)

    db.session.expire_all()
    assert export.status == JobState.DONE
    status = supervisor.get(f"/dealer-files/exports/{export.id}/status.json").get_json()
    assert status["finished"] is True
    assert status["percent"] == 100
    bundle = zipfile.ZipFile(io.BytesIO(supervisor.get(status["download"]).data))
    assert len(bundle.namelist()) == 1


def test_the_progress_page_shows_how_far_the_export_got(app, world):
    make_dealer(world.region_a, name="Second dealer")
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    export = db.session.scalars(select(ExportJob)).one()
    huey = jobs.queue_of(app).huey
    db.session.commit()  # on SQLite the test's own transaction would lock the job out

    huey.execute(huey.dequeue())  # only the planning step: two renders wait in the queue

    status = supervisor.get(f"/dealer-files/exports/{export.id}/status.json").get_json()
    assert (status["status"], status["done"], status["total"]) == ("running", 0, 2)
    page = supervisor.get(f"/dealer-files/exports/{export.id}").get_data(as_text=True)
    assert "Running" in page
    assert "Second dealer" in page
    jobs.drain(app)
    status = supervisor.get(f"/dealer-files/exports/{export.id}/status.json").get_json()
    assert (status["status"], status["done"], status["total"]) == ("done", 2, 2)


def test_consumer_threads_run_the_export(app, world):
    make_dealer(world.region_a, name="Second dealer")
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)

    with jobs.embedded_consumer(app, workers=2):
        supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
        export = db.session.scalars(select(ExportJob)).one()
        wait_for(lambda: export.job.finished, "the export")

    assert export.status == JobState.DONE
    assert export.done == export.total == 2
    assert db.session.scalar(select(func.count(DealerFile.id))) == 2
    kinds = db.session.scalars(select(Job.kind).order_by(Job.id)).all()
    # One render per dealer, and one job that wrote the ZIP.
    assert kinds == ["dossier_export", "dealer_file", "dealer_file", "dossier_export.zip"]
