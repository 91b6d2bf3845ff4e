"""Issuing one dealer file through the queue: the request only enqueues, the page polls."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import jobs
from portal.extensions import db
from portal.models import DealerFile, Job, JobState
from tests.conftest import client_for
from tests.support.factories import PASSWORD


def test_issuing_queues_a_render_and_the_page_shows_it_then_the_file(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    issue_url = f"/dealer-files/dealers/{world.dealer_x.id}/issue"

    response = supervisor.post(issue_url)

    job = db.session.scalars(select(Job)).one()
    assert response.headers["Location"].endswith(f"/dealer-files/renders/{job.id}")
    assert job.state == JobState.QUEUED
    assert db.session.scalar(select(func.count(DealerFile.id))) == 0  # nothing rendered
    status = supervisor.get(f"/dealer-files/renders/{job.id}/status.json").get_json()
    assert (status["status"], status["finished"]) == ("queued", False)
    page = supervisor.get(f"/dealer-files/renders/{job.id}").get_data(as_text=True)
    assert "being prepared" in page
    assert 'data-testid="dealer-file-link"' not in page

    again = supervisor.post(issue_url)  # a double click, or a colleague: the same job
    assert again.headers["Location"] == response.headers["Location"]
    jobs.drain(app)

    dealer_file = db.session.scalars(select(DealerFile)).one()
    status = supervisor.get(f"/dealer-files/renders/{job.id}/status.json").get_json()
    assert (status["status"], status["finished"]) == ("done", True)
    page = supervisor.get(f"/dealer-files/renders/{job.id}").get_data(as_text=True)
    assert dealer_file.document_id in page
    assert f"/dealer-files/{dealer_file.id}/download" in page
    third = supervisor.post(issue_url)  # unchanged since: the archived file is reused
    assert f"/dealers/{world.dealer_x.id}" in third.headers["Location"]
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_a_render_page_is_for_those_who_may_issue_the_dealers_file(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post(f"/dealer-files/dealers/{world.dealer_x.id}/issue")
    job = db.session.scalars(select(Job)).one()

    other = client_for(app, world.supervisor_b.email, PASSWORD)
    for url in (f"/dealer-files/renders/{job.id}", f"/dealer-files/renders/{job.id}/status.json"):
        assert other.get(url).status_code == 404
        assert client_for(app, world.user_x.email, PASSWORD).get(url).status_code == 403
        assert client_for(app, world.admin.email, PASSWORD).get(url).status_code == 200
    assert supervisor.get("/dealer-files/renders/999999").status_code == 404
