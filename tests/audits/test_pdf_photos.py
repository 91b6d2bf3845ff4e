"""S20: the audit PDF's photos are prepared inside the renderer's limits, never in the web
process; a render that fails or runs out of time answers with a message, not an error."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from portal import pdf
from portal.audits import corrective, services
from portal.extensions import db
from portal.models import ActivityEntry
from tests.audits.test_pdf import image_count, text_of
from tests.conftest import client_for
from tests.dossiers.test_download_log import locked_log
from tests.support.audit_factories import all_pass, make_audit, photo_upload
from tests.support.factories import PASSWORD


def distinct_images(document: bytes) -> int:
    """Image objects in the document (pages may share one resource dictionary)."""
    found = set()
    for page in PdfReader(io.BytesIO(document)).pages:
        for reference in page["/Resources"].get("/XObject", {}).values():
            if reference.get_object().get("/Subtype") == "/Image":
                found.add(reference.idnum)
    return len(found)


@pytest.fixture
def audit_with_photos(world):
    codes = sorted(all_pass(world.version))
    failed = codes[:2]
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **dict.fromkeys(failed, "fail")),
        photos=codes,
    )
    services.complete(audit, summary="Photos everywhere", actor=world.supervisor)
    for action in audit.actions:
        corrective.respond(
            action,
            comment="Fixed, see photos",
            photos=[photo_upload("e1.png", "blue"), photo_upload("e2.png", "green")],
            actor=world.dealer_user,
        )
    db.session.commit()
    return audit, len(codes) + 2 * len(failed)


def test_the_web_process_decodes_no_photo_and_the_pdf_has_them_all(
    app, world, audit_with_photos, monkeypatch
):
    audit, photos = audit_with_photos
    assert photos >= 8

    def refuse(*args, **kwargs):
        raise AssertionError("a photo was decoded in the web process")

    monkeypatch.setattr(Image, "open", refuse)
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.get(f"/audits/{audit.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "Photos everywhere" in text_of(response.data)
    monkeypatch.undo()
    assert distinct_images(response.data) == photos


def test_photos_are_given_to_the_renderer_one_at_a_time(audit_with_photos):
    """Attachments may be loaders: called only when the child takes the photo."""
    calls = []

    def loader(colour: str):
        def load() -> bytes:
            calls.append(colour)
            return photo_upload(colour=colour).stream.read()

        return load

    html = "<p>x</p><img src='attachment:1'><img src='attachment:2'>"
    document = pdf.render_html(
        html, attachments={1: ("image/png", loader("red")), 2: ("image/png", loader("blue"))}
    )
    assert calls == ["red", "blue"]
    assert image_count(document) == 2


def test_a_broken_photo_is_left_out_and_the_rest_still_renders():
    html = "<p>x</p><img src='attachment:1'><img src='attachment:2'>"
    good = photo_upload().stream.read()
    document = pdf.render_html(
        html, attachments={1: ("image/png", b"\x89PNG\r\n\x1a\nbroken"), 2: ("image/png", good)}
    )
    assert image_count(document) == 1


def test_a_render_over_its_time_limit_shows_a_message_on_its_progress_page(
    app, world, audit_with_photos
):
    """The render runs in a job with the background limits; past them the job fails and
    the page that polls it says so (no 500, no waiting request)."""
    audit, _photos = audit_with_photos
    app.config["PDF_BACKGROUND_TIMEOUT_SECONDS"] = 0.01
    app.config["JOB_RETRIES"] = 0
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.get(f"/audits/{audit.id}/report.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/audits/{audit.id}/report")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The PDF could not be produced" in page


def test_the_web_render_ends_before_the_web_worker_is_killed(app):
    """gunicorn's default --timeout is 30 s: a web-triggered render must stop before."""
    limits = pdf.Limits.from_config()
    assert limits.timeout_seconds < 30
    assert limits.cpu_seconds <= limits.timeout_seconds
    assert pdf.Limits.from_config(background=True).timeout_seconds >= limits.timeout_seconds


def test_the_pdf_downloads_even_when_its_log_entry_cannot_be_written(
    app, world, audit_with_photos, caplog
):
    audit, _photos = audit_with_photos
    app.config["DOWNLOAD_LOG_BUSY_TIMEOUT_MS"] = 10
    client = client_for(app, world.supervisor.email, PASSWORD)
    with locked_log("audit.report_pdf") as locked:
        response = client.get(f"/audits/{audit.id}/report.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert locked.attempts == 3
    messages = [r.getMessage() for r in caplog.records if r.name == "portal.downloads"]
    assert any("audit.report_pdf" in message for message in messages)
    assert not db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "audit.report_pdf")
    ).all()
