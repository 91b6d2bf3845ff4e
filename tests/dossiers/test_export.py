"""Region exports: a ZIP of every active or suspended dealer's file, built by queued jobs.

These tests run the queue in immediate mode (tests/dossiers/conftest.py); the queue itself,
with real consumers, is tested in tests/jobs/."""

from __future__ import annotations

import hashlib
import io
import zipfile

from sqlalchemy import select

from portal.dossiers import export
from portal.extensions import db
from portal.models import DealerFile, DealerStatus, ExportJob, ExportStatus
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


def test_an_export_files_active_and_suspended_dealers_as_its_page_says(app, world):
    """Issue 11: the page promised "every active dealer" and the ZIP held suspended ones
    too. Now page and code agree: active records of active or suspended dealers, listed
    with their status; prospects, terminated dealers and archived records stay out."""
    suspended = make_dealer(world.region_a, name="Suspended dealer", status=DealerStatus.SUSPENDED)
    make_dealer(world.region_a, name="Prospect dealer", status=DealerStatus.PROSPECT)
    make_dealer(world.region_a, name="Terminated dealer", status=DealerStatus.TERMINATED)
    make_dealer(world.region_a, name="Archived dealer", active=False)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)

    scope = supervisor.get("/dealer-files/exports").get_data(as_text=True)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})

    assert "every active or suspended dealer" in scope
    assert "prospects, terminated dealers and archived records are left out" in scope
    job = db.session.scalars(select(ExportJob)).one()
    assert job.status == ExportStatus.DONE
    bundle = zipfile.ZipFile(io.BytesIO(export.load(job)))
    filed = {f.dealer_id for f in db.session.scalars(select(DealerFile))}
    assert filed == {world.dealer_x.id, suspended.id}
    assert len(bundle.namelist()) == 2
    page = supervisor.get(f"/dealer-files/exports/{job.id}").get_data(as_text=True)
    listed = page[page.index('data-testid="export-dealers"') :]
    assert "Suspended dealer" in listed
    assert "Suspended</span>" in listed
    for absent in ("Prospect dealer", "Terminated dealer", "Archived dealer"):
        assert absent not in listed


def test_the_zip_is_written_to_a_temporary_file_not_memory(app, world, monkeypatch):
    spooled = []
    real = export.tempfile.TemporaryFile

    def spy(*args, **kwargs):
        handle = real(*args, **kwargs)
        spooled.append(handle)
        return handle

    monkeypatch.setattr(export.tempfile, "TemporaryFile", spy)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})

    job = db.session.scalars(select(ExportJob)).one()
    assert job.status == ExportStatus.DONE
    assert len(spooled) == 1
    assert spooled[0].closed
    data = export.load(job)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert len(data) == job.size
