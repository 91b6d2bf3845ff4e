"""A refused notice draft edit keeps the files it would have removed, and stores none."""

import io
from pathlib import Path

import pytest

from portal import storage
from portal.extensions import db
from portal.models import Notice, Role, User
from portal.notices import services
from tests.conftest import client_for
from tests.notices.conftest import notice_values, pdf_bytes, upload
from tests.support.factories import PASSWORD, make_user


@pytest.fixture
def admin(app) -> User:
    user = make_user(Role.ADMIN, email="admin@example.test")
    db.session.commit()
    return user


@pytest.fixture
def draft(admin) -> Notice:
    notice, _created = services.create_notice(
        notice_values(audience="network"),
        author=admin,
        files=[upload(pdf_bytes(), "rules.pdf")],
    )
    db.session.commit()
    return notice


def _form(notice: Notice, files: list, remove_file_ids: list[int]) -> dict:
    return {
        "version": notice.version,
        "title": notice.title,
        "body": notice.body,
        "effective_from": notice.effective_from.isoformat(),
        "acknowledge_days": notice.acknowledge_days,
        "audience": notice.audience.value,
        "files": files,
        "remove_file_ids": remove_file_ids,
    }


def _stored_files() -> list[Path]:
    root = storage.backend().root
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_a_refused_draft_edit_keeps_the_file_it_would_have_removed(app, admin, draft):
    (notice_file,) = draft.files
    attachment_id = notice_file.attachment_id
    original = storage.load(notice_file.attachment)
    before = _stored_files()
    client = client_for(app, admin.email, PASSWORD)
    response = client.post(
        f"/notices/{draft.id}/edit",
        data=_form(draft, [(io.BytesIO(b""), "x.pdf")], [notice_file.id]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "The file is empty" in response.get_data(as_text=True)
    download = client.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200
    assert download.data == original
    assert _stored_files() == before


def test_a_refused_upload_leaves_no_bytes_of_the_other_files(app, admin, draft):
    before = _stored_files()
    client = client_for(app, admin.email, PASSWORD)
    response = client.post(
        f"/notices/{draft.id}/edit",
        data=_form(draft, [(io.BytesIO(pdf_bytes()), "good.pdf"), (io.BytesIO(b""), "x.pdf")], []),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "The file is empty" in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert [f.attachment.filename for f in draft.files] == ["rules.pdf"]
    assert _stored_files() == before
