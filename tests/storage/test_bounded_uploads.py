"""S20: photos are decoded in a limited child process, within a pixel budget per request."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal import storage
from portal.extensions import db
from portal.models import Attachment, StoreReport
from tests.storage.test_uploads import LAST, _attachments, _stored_files
from tests.support import uploads


def _post_report(client, world, files: list[tuple[bytes, str]]):
    line = world.lines[0]
    data = {
        "store_id": world.stores_x[0].id,
        "period": LAST,
        f"revenue_{line.id}": "100",
        f"units_{line.id}": "1",
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post("/reports/new", data=data, content_type="multipart/form-data")


def _nothing_kept(app) -> bool:
    reports = db.session.scalar(select(func.count()).select_from(StoreReport))
    return _attachments() == [] and _stored_files(app) == [] and reports == 0


def big_png(width: int, height: int) -> bytes:
    """Few bytes, many pixels: a flat grey image (like the 154 KB PNGs of 6300x6300)."""
    buffer = io.BytesIO()
    Image.new("L", (width, height), 128).save(buffer, "PNG")
    return buffer.getvalue()


def test_photos_within_the_request_budget_are_all_kept(app, client, auth, world):
    app.config["UPLOAD_MAX_PIXELS_PER_REQUEST"] = 3 * 64 * 64
    auth.sign_in(world.user_x)
    files = [(uploads.png(64, 64), f"p{n}.png") for n in range(3)]
    assert _post_report(client, world, files).status_code == 302
    assert len(_attachments()) == 3


def test_a_request_over_the_pixel_budget_is_refused_and_keeps_nothing(app, client, auth, world):
    app.config["UPLOAD_MAX_PIXELS_PER_REQUEST"] = 3 * 64 * 64 - 1  # each file is within limits
    auth.sign_in(world.user_x)
    files = [(uploads.png(64, 64), f"p{n}.png") for n in range(3)]
    response = _post_report(client, world, files)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "too many pixels in total" in body
    assert _nothing_kept(app)
    # The budget is per request: the next one starts afresh.
    assert _post_report(client, world, files[:2]).status_code == 302


def test_the_budget_counts_decoded_pixels_not_bytes(app, client, auth, world):
    """Three small files that decode to many pixels, as in the 20-PNG report."""
    app.config["UPLOAD_MAX_PIXELS_PER_REQUEST"] = 5_000_000
    auth.sign_in(world.user_x)
    files = [(big_png(1500, 1500), f"p{n}.png") for n in range(3)]
    assert all(len(content) < 50_000 for content, _name in files)
    response = _post_report(client, world, files)
    assert response.status_code == 422
    assert "too many pixels in total" in response.get_data(as_text=True)
    assert _nothing_kept(app)


def test_the_web_process_decodes_no_upload(app, client, auth, world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an upload was decoded in the web process")

    monkeypatch.setattr(Image, "open", refuse)
    auth.sign_in(world.user_x)
    files = [(uploads.with_exif("JPEG"), "a.jpg"), (uploads.png(), "b.png"), (uploads.pdf(), "c")]
    assert _post_report(client, world, files).status_code == 302
    stored = sorted(attachment.content_type for attachment in _attachments())
    assert stored == ["application/pdf", "image/jpeg", "image/png"]


def test_a_crash_in_the_decoding_process_refuses_the_file_cleanly(app, client, auth, world):
    app.config["UPLOAD_CHECK_MEMORY_MB"] = 16  # the child cannot even start: out of memory
    auth.sign_in(world.user_x)
    response = _post_report(client, world, [(uploads.png(), "a.png")])
    assert response.status_code == 422
    assert "could not be processed" in response.get_data(as_text=True)
    assert _nothing_kept(app)


def test_a_decoding_that_runs_out_of_time_refuses_the_file_cleanly(
    app, client, auth, world, caplog
):
    app.config["UPLOAD_CHECK_TIMEOUT_SECONDS"] = 0.05
    auth.sign_in(world.user_x)
    response = _post_report(client, world, [(big_png(6000, 6000), "slow.png")])
    assert response.status_code == 422
    assert "could not be processed" in response.get_data(as_text=True)
    assert _nothing_kept(app)
    assert any("stopped after" in record.getMessage() for record in caplog.records)


def test_outside_a_request_each_file_has_only_the_per_file_limit(app):
    app.config["UPLOAD_MAX_PIXELS_PER_REQUEST"] = 10
    cleaned = storage.clean(uploads.png(64, 64), storage.IMAGES)
    assert (cleaned.width, cleaned.height) == (64, 64)
    app.config["UPLOAD_MAX_PIXELS"] = 64 * 64 - 1
    with pytest.raises(storage.UploadRejected, match="too many pixels"):
        storage.clean(uploads.png(64, 64), storage.IMAGES)
    assert db.session.scalars(select(Attachment)).all() == []


def test_a_new_report_decodes_its_photos_with_no_transaction_open(
    app, client, auth, world, decoding_watched
):
    """A POST's transaction holds SQLite's write lock: open while photos decode (seconds
    for large ones), every other writer would wait, then fail with "database is locked"."""
    auth.sign_in(world.user_x)
    files = [(uploads.png(64, 64), "a.png"), (uploads.jpeg(), "b.jpg")]
    assert _post_report(client, world, files).status_code == 302
    assert decoding_watched == [False, False]
    assert len(_attachments()) == 2


def test_an_edited_report_decodes_its_photos_with_no_transaction_open(
    app, client, auth, world, decoding_watched
):
    auth.sign_in(world.user_x)
    assert _post_report(client, world, []).status_code == 302
    report = db.session.scalars(select(StoreReport)).one()
    line = world.lines[0]
    data = {
        "version": report.version,
        f"revenue_{line.id}": "200",
        f"units_{line.id}": "2",
        "files": [(io.BytesIO(uploads.png(64, 64)), "a.png")],
    }
    response = client.post(
        f"/reports/{report.id}/edit", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert decoding_watched == [False]
    db.session.refresh(report)
    assert [line.revenue_minor for line in report.lines] == [20_000]
    assert len(_attachments()) == 1
