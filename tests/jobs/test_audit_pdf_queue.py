"""An audit's PDF renders in a job: the GET never waits on a render, the page polls."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import jobs, pdf
from portal.extensions import db
from portal.models import Job, JobState
from tests.conftest import client_for
from tests.support.audit_factories import AuditWorld, all_pass, make_audit, make_world
from tests.support.factories import PASSWORD


@pytest.fixture
def world(app) -> AuditWorld:  # the audits' world, not the dealer files'
    return make_world()


def test_the_pdf_is_queued_shown_in_progress_and_downloaded_when_ready(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        complete=True,
    )
    db.session.commit()
    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    url = f"/audits/{audit.id}/report.pdf"

    first = dealer.get(url)

    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/audits/{audit.id}/report")
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.state) == ("audit_pdf", JobState.QUEUED)
    status = dealer.get(f"/audits/{audit.id}/report/status.json").get_json()
    assert (status["status"], status["download"]) == ("queued", None)
    assert "being prepared" in dealer.get(f"/audits/{audit.id}/report").get_data(as_text=True)
    assert dealer.get(url).status_code == 302  # asked again: the same job, nothing new
    assert db.session.scalar(select(func.count(Job.id))) == 1
    db.session.commit()  # on SQLite the test's own transaction would lock the job out

    jobs.drain(app)

    status = dealer.get(f"/audits/{audit.id}/report/status.json").get_json()
    assert (status["status"], status["finished"]) == ("done", True)
    assert status["download"].endswith(url)
    response = dealer.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert db.session.scalar(select(func.count(Job.id))) == 1  # unchanged: no new render


def test_the_progress_page_keeps_the_reports_access_rules(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version),
        complete=True,
    )
    db.session.commit()
    client_for(app, world.supervisor.email, PASSWORD).get(f"/audits/{audit.id}/report.pdf")

    outsider = client_for(app, world.far_dealer_user.email, PASSWORD)
    for path in ("/report", "/report/status.json", "/report.pdf"):
        assert outsider.get(f"/audits/{audit.id}{path}").status_code == 404
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_the_render_runs_outside_any_database_transaction(app, world, monkeypatch):
    """On SQLite a worker's transaction holds the write lock (BEGIN IMMEDIATE): held during
    a long render (360 photos), every other writer waits, then fails with "database is
    locked". The job reads first, ends its transaction, then renders and loads photos."""
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        photos=["A-01", "B-01"],
        complete=True,
    )
    db.session.commit()
    real_render = pdf.render_html
    in_transaction = []

    def watched(html, *, attachments, limits=None):
        in_transaction.append(db.session().in_transaction())
        document = real_render(html, attachments=attachments, limits=limits)
        in_transaction.append(db.session().in_transaction())  # the photos were loaded by now
        return document

    monkeypatch.setattr(pdf, "render_html", watched)
    client_for(app, world.supervisor.email, PASSWORD).get(f"/audits/{audit.id}/report.pdf")
    db.session.commit()

    jobs.drain(app)

    assert in_transaction == [False, False]
    job = db.session.scalars(select(Job)).one()
    assert job.state == JobState.DONE
