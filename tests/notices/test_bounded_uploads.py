"""Notice files and execution photos are decoded before anything is written or locked.

A POST's transaction takes SQLite's write lock with its first statement, and an edited
notice is locked for the change: held while a large photo decodes (seconds, in a child),
every other writer would wait for it (check S20). `decoding_watched` records whether a
transaction was open each time a file went to its child.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Attachment, Notice, NoticeExecution, NoticeFile
from tests.notices.conftest import jpeg_bytes, make_notice, pdf_bytes, sign_in, upload


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _form(world, **extra):
    return {
        "title": "Window display rules",
        "body": "Keep the **window** tidy.",
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": 7,
        "audience": "regions",
        "region_ids": [world.north.id],
        **extra,
    }


def test_a_new_notice_decodes_its_files_with_no_transaction_open(app, world, decoding_watched):
    client = sign_in(app, world.sup_north)
    db.session.commit()
    files = [upload(jpeg_bytes(), "window.jpg"), upload(pdf_bytes(), "rules.pdf")]
    response = client.post(
        "/notices/new?kind=policy",
        data=_form(world, submission_token="t-files", files=files),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert decoding_watched == [False, False]
    notice = db.session.scalar(select(Notice).where(Notice.title == "Window display rules"))
    assert sorted(f.attachment.filename for f in notice.files) == ["rules.pdf", "window.jpg"]


def test_a_refused_file_keeps_no_notice_and_says_which_file(app, world, decoding_watched):
    client = sign_in(app, world.sup_north)
    files = [upload(jpeg_bytes(), "ok.jpg"), upload(b"GIF89a not really", "broken.gif")]
    response = client.post(
        "/notices/new?kind=policy",
        data=_form(world, submission_token="t-bad", files=files),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "broken.gif:" in response.get_data(as_text=True)
    assert _count(Notice) == 0
    assert _count(Attachment) == 0


def test_an_edited_draft_decodes_its_files_before_the_notice_is_locked(
    app, world, decoding_watched
):
    notice = make_notice(
        world.sup_north, publish=False, audience="regions", region_ids=[world.north.id]
    )
    client = sign_in(app, world.sup_north)
    response = client.post(
        f"/notices/{notice.id}/edit",
        data=_form(world, version=notice.version, files=[upload(jpeg_bytes(), "shelf.jpg")]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert decoding_watched == [False]
    assert [f.attachment.filename for f in db.session.scalars(select(NoticeFile))] == [
        "shelf.jpg"
    ]


def test_an_execution_photo_decodes_with_no_transaction_open(app, world, decoding_watched):
    notice = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id]
    )
    client = sign_in(app, world.user_n1)
    response = client.post(
        f"/notices/{notice.id}/stores/{world.n1a.id}/execution",
        data={"version": 1, "status": "done", "photo": upload(jpeg_bytes(), "display.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert decoding_watched == [False]
    execution = db.session.scalar(select(NoticeExecution))
    assert db.session.get(Attachment, execution.photo_id).filename == "display.jpg"
