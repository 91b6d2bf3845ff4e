"""Region exports: a ZIP of every active dealer's file, built by a job with progress."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from sqlalchemy import select

from portal.dossiers import export
from portal.extensions import db
from portal.models import DealerFile, ExportJob, ExportStatus
from portal.models.base import utcnow
from tests.audits.test_pdf import text_of
from tests.conftest import client_for
from tests.dossiers.conftest import CANARY_Y
from tests.support.factories import PASSWORD, make_dealer


def test_a_supervisor_exports_the_region_as_a_zip(app, world):
    second = make_dealer(world.region_a, name="上海第二经销商")
    make_dealer(world.region_a, name="Dormant dealer", active=False)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    response = supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    assert response.status_code == 302
    job = db.session.scalars(select(ExportJob)).one()
    assert response.headers["Location"].endswith(f"/dealer-files/exports/{job.id}")
    assert job.status == ExportStatus.DONE
    assert (job.done, job.total) == (2, 2)
    status = supervisor.get(f"/dealer-files/exports/{job.id}/status.json").get_json()
    assert status["finished"] is True
    assert status["percent"] == 100
    page = supervisor.get(f"/dealer-files/exports/{job.id}").get_data(as_text=True)
    assert "js/dossiers.js" in page
    assert "<script>" not in page
    download = supervisor.get(status["download"])
    assert download.status_code == 200
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    bundle = zipfile.ZipFile(io.BytesIO(download.data))
    files = {f.document_id: f for f in db.session.scalars(select(DealerFile))}
    assert sorted(bundle.namelist()) == sorted(f"{doc}.pdf" for doc in files)
    assert {f.dealer_id for f in files.values()} == {world.dealer_x.id, second.id}
    texts = " ".join(text_of(bundle.read(name)) for name in bundle.namelist())
    assert "北京恒泰商贸有限公司" in texts
    assert "上海第二经销商" in texts
    assert CANARY_Y not in texts
    assert "Dormant dealer" not in texts


def test_a_second_export_reuses_unchanged_files(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    jobs = db.session.scalars(select(ExportJob).order_by(ExportJob.id)).all()
    assert [job.status for job in jobs] == [ExportStatus.DONE, ExportStatus.DONE]
    assert len(db.session.scalars(select(DealerFile)).all()) == 1
    first, second = (zipfile.ZipFile(io.BytesIO(export.load(job))).namelist() for job in jobs)
    assert first == second


def test_exports_stay_within_the_supervisors_regions(app, world):
    other = client_for(app, world.supervisor_b.email, PASSWORD)
    assert (
        other.post("/dealer-files/exports", data={"region": world.region_a.id}).status_code == 404
    )
    assert db.session.scalar(select(ExportJob.id)) is None
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    job = db.session.scalars(select(ExportJob)).one()
    for url in ("", "/status.json", "/download"):
        assert other.get(f"/dealer-files/exports/{job.id}{url}").status_code == 404
    assert "Region A" not in other.get("/dealer-files/exports").get_data(as_text=True)
    dealer_user = client_for(app, world.user_x.email, PASSWORD)
    assert dealer_user.get(f"/dealer-files/exports/{job.id}").status_code == 403
    assert dealer_user.post("/dealer-files/exports", data={"region": 1}).status_code == 403


def test_a_failed_export_says_so(app, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr("portal.dossiers.archive.render", broken)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    job = db.session.scalars(select(ExportJob)).one()
    assert job.status == ExportStatus.FAILED
    assert job.storage_key is None
    page = supervisor.get(f"/dealer-files/exports/{job.id}").get_data(as_text=True)
    assert "The export failed" in page
    assert "exploded" not in page
    assert supervisor.get(f"/dealer-files/exports/{job.id}/download").status_code == 404


def test_the_background_job_runs_from_its_row(app, world):
    """Without DOSSIER_EXPORT_SYNC the view only queues; `run` (the thread's body) works
    from the database row alone, in an app context of its own."""
    job = export.create_job(region=world.region_a, requested_by=world.supervisor_a, locale="en")
    job_id = job.id
    db.session.commit()
    export.run(app, job_id)
    job = db.session.get(ExportJob, job_id)
    assert job.status == ExportStatus.DONE
    assert job.done == job.total == 1


def test_a_job_that_stopped_moving_shows_as_interrupted_without_writing(app, world):
    """A worker lost with its server (a restart) leaves a running job behind: after
    DOSSIER_EXPORT_STALLED_MINUTES without progress the pages say so and stop polling."""
    job = export.create_job(region=world.region_a, requested_by=world.supervisor_a, locale="en")
    job.status, job.total, job.done = ExportStatus.RUNNING, 3, 1
    job.progress_at = utcnow() - timedelta(minutes=app.config["DOSSIER_EXPORT_STALLED_MINUTES"] + 1)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)

    status = supervisor.get(f"/dealer-files/exports/{job.id}/status.json").get_json()
    page = supervisor.get(f"/dealer-files/exports/{job.id}").get_data(as_text=True)

    assert status["finished"] is True
    assert status["status"] == "failed"
    assert status["label"] == "Interrupted"
    assert "stopped making progress" in page
    assert 'data-finished="1"' in page
    db.session.refresh(job)
    assert job.status == ExportStatus.RUNNING  # reading never writes


def test_a_running_job_that_moves_is_not_interrupted(app, world):
    job = export.create_job(region=world.region_a, requested_by=world.supervisor_a, locale="en")
    job.status, job.progress_at = ExportStatus.RUNNING, utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert not export.stalled(job)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    status = supervisor.get(f"/dealer-files/exports/{job.id}/status.json").get_json()
    assert status["finished"] is False
    assert status["status"] == "running"
