"""S14: uploads are checked by content, cleaned, stored outside static and served safely."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal import storage
from portal.extensions import db
from portal.models import Attachment, StoreReport
from tests.conftest import client_for
from tests.support import uploads
from tests.support.factories import PASSWORD
from tests.support.plans import this_month

LAST = this_month(-1)
STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"


@pytest.fixture
def app_config():
    return {"UPLOAD_MAX_BYTES": 300_000, "UPLOAD_MAX_PIXELS": 4_000_000}


def _post_report(client, world, content: bytes, filename: str):
    line = world.lines[0]
    data = {
        "store_id": world.stores_x[0].id,
        "period": LAST,
        f"revenue_{line.id}": "100",
        f"units_{line.id}": "1",
        "files": [(io.BytesIO(content), filename)],
    }
    return client.post("/reports/new", data=data, content_type="multipart/form-data")


def _attachments():
    return db.session.scalars(select(Attachment)).all()


def _stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "uploads"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_file_over_the_size_limit_gets_413_and_nothing_is_kept(app, client, auth, world):
    auth.sign_in(world.user_x)
    response = _post_report(client, world, uploads.jpeg(exif=False) + b"\0" * 400_000, "big.jpg")
    assert response.status_code == 413
    assert _attachments() == []
    assert db.session.scalar(select(func.count()).select_from(StoreReport)) == 0
    assert _stored_files(app) == []


def test_a_request_over_the_request_limit_gets_413(app, client, auth, world):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    auth.sign_in(world.user_x)
    response = _post_report(client, world, b"x" * 200_000, "big.pdf")
    assert response.status_code == 413


def test_the_type_comes_from_the_content_not_the_name(client, auth, world):
    auth.sign_in(world.user_x)
    assert _post_report(client, world, uploads.png(), "holiday.pdf").status_code == 302
    (attachment,) = _attachments()
    assert attachment.content_type == "image/png"
    assert attachment.filename == "holiday.png"


NOT_PHOTOS = [
    (b"just some text", "notes.jpg"),
    (uploads.HTML_IMPOSTOR, "photo.png"),
    (b"GIF89a" + b"\0" * 20, "anim.gif"),
    (b"\xff\xd8\xff" + b"not really a jpeg", "broken.jpg"),
]


def test_files_that_are_not_real_photos_or_pdfs_are_refused(app, client, auth, world):
    auth.sign_in(world.user_x)
    for content, name in NOT_PHOTOS:
        response = _post_report(client, world, content, name)
        assert response.status_code == 422, name
        body = response.get_data(as_text=True)
        refused = ("Only JPEG, PNG or WebP photos and PDF documents", "could not be read")
        assert any(reason in body for reason in refused), name
        assert _attachments() == [], name
        assert db.session.scalar(select(func.count()).select_from(StoreReport)) == 0, name
        assert _stored_files(app) == [], name


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_photos_are_re_encoded_without_exif(app, client, auth, world, image_format):
    original = uploads.with_exif(image_format)
    assert uploads.GPS_MARKER.encode() in original
    auth.sign_in(world.user_x)
    assert _post_report(client, world, original, "shop.img").status_code == 302
    (attachment,) = _attachments()
    stored = storage.load(attachment)
    assert uploads.GPS_MARKER.encode() not in stored
    assert b"CanaryCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == image_format
        assert dict(image.getexif()) == {}


def test_a_pixel_bomb_is_refused(app, client, auth, world):
    auth.sign_in(world.user_x)
    response = _post_report(client, world, uploads.png_header_only(30000, 30000), "bomb.png")
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)
    assert _attachments() == []


def test_pdfs_with_scripts_are_refused_and_clean_ones_kept(client, auth, world):
    auth.sign_in(world.user_x)
    bad = uploads.pdf(b"3 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n")
    assert _post_report(client, world, bad, "invoice.pdf").status_code == 422
    assert _post_report(client, world, uploads.pdf(), "invoice.pdf").status_code == 302
    (attachment,) = _attachments()
    assert attachment.content_type == "application/pdf"


def test_files_are_stored_outside_static_under_generated_names(app, client, auth, world):
    auth.sign_in(world.user_x)
    _post_report(client, world, uploads.png(), "../../etc/passwd.png")
    (attachment,) = _attachments()
    assert re.fullmatch(r"[0-9]{4}/[0-9]{2}/[0-9a-f]{32}\.png", attachment.storage_key)
    assert "passwd" not in attachment.storage_key
    assert attachment.filename == "passwd.png"
    (path,) = _stored_files(app)
    assert path.resolve().is_relative_to(Path(app.instance_path).resolve())
    assert not path.resolve().is_relative_to(STATIC)
    assert not list(STATIC.rglob(path.name))


def test_downloads_are_access_checked_and_sent_as_attachments(app, client, auth, world):
    auth.sign_in(world.user_x)
    _post_report(client, world, uploads.png(), "front.png")
    (attachment,) = _attachments()
    url = f"/attachments/{attachment.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.mimetype == "image/png"
    expected = {
        world.user_y: 404,
        world.supervisor_b: 404,
        world.supervisor_a: 200,
        world.admin: 200,
    }
    for user, status in expected.items():
        assert client_for(app, user.email, PASSWORD).get(url).status_code == status
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302
    assert "/sign-in" in anonymous.headers["Location"]


def test_attachments_of_unknown_owner_types_are_visible_to_nobody(app, client, auth, world):
    attachment = Attachment(
        storage_key="2026/01/" + "a" * 32 + ".png",
        owner_type="nobody_registered_this",
        owner_id=1,
        dealer_id=world.dealer_x.id,
        filename="x.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
    )
    db.session.add(attachment)
    db.session.commit()
    auth.sign_in(world.admin)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404


def test_a_refused_report_keeps_none_of_its_files(app, client, auth, world):
    auth.sign_in(world.user_x)
    data = {
        "store_id": world.stores_x[0].id,
        "period": LAST,
        "action": "submit",  # refused: a report needs actuals before it is submitted
        "files": [(io.BytesIO(uploads.png()), "front.png")],
    }
    response = client.post("/reports/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Enter the actuals" in response.get_data(as_text=True)
    assert _attachments() == []
    assert _stored_files(app) == []
