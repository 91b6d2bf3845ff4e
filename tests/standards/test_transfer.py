"""Standards as JSON: export, import as new or as a new draft; strict, all-or-nothing."""

import io
import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Standard, StandardItem, VersionStatus
from portal.standards import transfer
from tests.conftest import client_for
from tests.support.factories import PASSWORD


def exported(app, world) -> dict:
    admin = client_for(app, world.admin.email, PASSWORD)
    response = admin.get(f"/standards/versions/{world.version.id}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return json.loads(response.data)


def upload(app, world, document, raw: bytes | None = None):
    admin = client_for(app, world.admin.email, PASSWORD)
    data = raw if raw is not None else json.dumps(document).encode()
    return admin.post(
        "/standards/import",
        data={"file": (io.BytesIO(data), "standard.json")},
        content_type="multipart/form-data",
    )


def item_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StandardItem))


def test_an_export_imports_back_as_a_new_standard(app, world):
    document = exported(app, world)
    assert [i["code"] for s in document["sections"] for i in s["items"]] == [
        "A-01",
        "A-02",
        "B-01",
        "B-02",
    ]
    document["code"] = "COPY"
    response = upload(app, world, document)
    assert response.status_code == 302
    copy = db.session.scalar(select(Standard).where(Standard.code == "COPY"))
    version = copy.versions[0]
    assert version.status == VersionStatus.DRAFT
    assert transfer.export_version(version)["sections"] == document["sections"]


def test_importing_an_existing_code_makes_its_next_draft_version(app, world):
    document = exported(app, world)
    document["sections"][0]["items"][0]["question"] = "Entrance spotless"
    assert upload(app, world, document).status_code == 302
    db.session.expire_all()
    assert [v.number for v in world.standard.versions] == [1, 2]
    assert world.standard.versions[1].items[0].question == "Entrance spotless"
    assert world.version.items[0].question == "Entrance clean and lit"
    response = upload(app, world, document)  # a draft exists now
    assert response.status_code == 422
    assert "already has a draft" in response.get_data(as_text=True)


def test_every_problem_is_reported_with_its_place_and_nothing_is_saved(app, world):
    document = exported(app, world)
    document["code"] = "NEWCODE"
    items = document["sections"][0]["items"]
    items[0]["weight"] = 11
    items[1]["code"] = "A-01"
    items[1]["critical"] = "yes"
    document["sections"][1]["title"] = ""
    document["sections"][1]["items"][0]["colour"] = "red"
    before = item_count()
    response = upload(app, world, document)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for where in (
        "sections[0].items[0].weight",
        "sections[0].items[1].code",
        "sections[0].items[1].critical",
        "sections[1].title",
        "sections[1].items[0].colour",
    ):
        assert where in body
    assert item_count() == before
    assert db.session.scalar(select(Standard).where(Standard.code == "NEWCODE")) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe not json", "Not a valid UTF-8 JSON file"),
        (b"[1, 2]", "one JSON object"),
        (b'{"format": "something-else"}', "Not a standard exported by this portal"),
        (b"[" * 100_000, "The file is nested too deeply to be a standard."),
        (b'{"format": ' + b"1" * 5000 + b"}", "Not a valid UTF-8 JSON file"),
    ],
    ids=["not UTF-8", "not an object", "other format", "deeply nested", "huge integer"],
)
def test_files_that_are_not_standards_are_refused_clearly(app, world, raw, message):
    response = upload(app, world, None, raw=raw)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_huge_file_is_refused(app, world):
    app.config["STANDARD_IMPORT_MAX_BYTES"] = 100
    response = upload(app, world, exported(app, world))
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)


def test_a_code_taken_by_another_import_meanwhile_is_reported_not_a_crash(app, world, monkeypatch):
    # Both requests saw the code free; the other one's standard now holds it.
    document = exported(app, world)
    monkeypatch.setattr(transfer.services, "standard_by_code", lambda code: None)
    monkeypatch.setattr(transfer.services, "_code_taken", lambda code: False)
    before = item_count()
    response = upload(app, world, document)
    assert response.status_code == 422
    assert "This code is already used." in response.get_data(as_text=True)
    assert item_count() == before
