"""The items' optional Chinese text: edited in the draft, carried by the JSON export and import;
files made before it existed still import."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Standard, StandardVersion, VersionStatus
from portal.standards import transfer
from tests.conftest import client_for
from tests.standards.test_transfer import exported, upload
from tests.support.factories import PASSWORD


def _items(code: str) -> dict[str, tuple[str, str]]:
    standard = db.session.scalar(select(Standard).where(Standard.code == code))
    version = standard.versions[0]
    return {item.code: (item.question_zh, item.guidance_zh) for item in version.items}


def test_the_chinese_text_goes_out_and_comes_back(app, world):
    document = exported(app, world)
    first = document["sections"][0]["items"][0]
    assert (first["question_zh"], first["guidance_zh"]) == ("", "")
    first["question_zh"], first["guidance_zh"] = "入口干净明亮", "从街对面检查"
    document["code"] = "COPY"

    assert upload(app, world, document).status_code == 302

    assert _items("COPY")[first["code"]] == ("入口干净明亮", "从街对面检查")
    standard = db.session.scalar(select(Standard).where(Standard.code == "COPY"))
    again = transfer.export_version(standard.versions[0])["sections"][0]["items"][0]
    assert again["question_zh"] == "入口干净明亮"


def test_a_file_without_chinese_text_still_imports(app, world):
    document = exported(app, world)
    for section in document["sections"]:
        for item in section["items"]:
            del item["question_zh"], item["guidance_zh"]
    document["code"] = "OLD"

    assert upload(app, world, document).status_code == 302

    assert set(_items("OLD").values()) == {("", "")}


def test_the_item_form_saves_the_chinese_text(app, world):
    admin = client_for(app, world.admin.email, PASSWORD)
    draft = db.session.scalar(
        select(StandardVersion).where(StandardVersion.status == VersionStatus.DRAFT)
    )
    if draft is None:
        assert (
            admin.post("/standards/new", data={"code": "shop", "name": "Shop"}).status_code == 302
        )
        draft = db.session.scalar(select(StandardVersion).order_by(StandardVersion.id.desc()))
    admin.post(f"/standards/versions/{draft.id}/sections/new", data={"title": "Front"})
    section = draft.sections[-1]
    assert 'name="question_zh"' in admin.get(
        f"/standards/sections/{section.id}/items/new"
    ).get_data(as_text=True)

    response = admin.post(
        f"/standards/sections/{section.id}/items/new",
        data={
            "section_id": section.id,
            "code": "F-1",
            "question": "Door clean?",
            "question_zh": "门干净吗",
            "guidance_zh": "看玻璃",
            "weight": "4",
        },
    )

    assert response.status_code == 302
    item = next(i for i in draft.items if i.code == "F-1")
    assert (item.question_zh, item.guidance_zh) == ("门干净吗", "看玻璃")
