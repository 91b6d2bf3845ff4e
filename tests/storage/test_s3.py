"""The S3-compatible storage backend, against moto's in-process S3 (no network)."""

import io
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import select

from portal import create_app, storage
from portal.extensions import db
from portal.models import Attachment
from tests.conftest import client_for
from tests.support import databases, uploads
from tests.support.factories import PASSWORD
from tests.support.plans import this_month

BUCKET = "portal-files"


@pytest.fixture
def bucket(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fake credentials
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def app_config(bucket):
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_PREFIX": "uploads/"}


def _upload(client, world):
    line = world.lines[0]
    data = {
        "store_id": world.stores_x[0].id,
        "period": this_month(-1),
        f"revenue_{line.id}": "100",
        f"units_{line.id}": "1",
        "files": [(io.BytesIO(uploads.with_exif("JPEG")), "front.jpg")],
    }
    assert (
        client.post("/reports/new", data=data, content_type="multipart/form-data").status_code
        == 302
    )
    return db.session.scalars(select(Attachment)).one()


def test_uploads_go_to_the_bucket_and_are_served_back_through_the_portal(
    app, client, auth, world, bucket
):
    assert isinstance(storage.backend(), storage.S3Storage)
    auth.sign_in(world.user_x)
    attachment = _upload(client, world)
    stored = bucket.get_object(Bucket=BUCKET, Key=f"uploads/{attachment.storage_key}")
    body = stored["Body"].read()
    assert uploads.GPS_MARKER.encode() not in body
    assert not (Path(app.instance_path) / "uploads").exists()
    response = client.get(f"/attachments/{attachment.id}")
    assert response.data == body
    assert response.headers["Content-Disposition"].startswith("attachment;")
    outsider = client_for(app, world.user_y.email, PASSWORD)
    assert outsider.get(f"/attachments/{attachment.id}").status_code == 404


def test_removing_a_file_deletes_the_object(app, client, auth, world, bucket):
    auth.sign_in(world.user_x)
    attachment = _upload(client, world)
    report_id = attachment.owner_id
    client.post(f"/reports/{report_id}/attachments/{attachment.id}/remove")
    listing = bucket.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")
    assert listing.get("KeyCount", 0) == 0


def test_malformed_keys_never_reach_the_bucket(bucket):
    backend = storage.S3Storage(bucket, BUCKET, "uploads")
    for key in ("../secret", "2026/01/x.png", "/etc/passwd", "2026/01/" + "a" * 32 + ".png/.."):
        with pytest.raises(ValueError, match="malformed"):
            backend.save(key, b"x")
    assert bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_s3_without_a_bucket_refuses_to_start(tmp_path, bucket):
    config = databases.test_config(
        f"sqlite:///{tmp_path}/x.sqlite3", tmp_path, STORAGE_BACKEND="s3", S3_BUCKET=""
    )
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        create_app(config)
