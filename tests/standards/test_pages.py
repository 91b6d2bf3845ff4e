"""Standards over HTTP: who may read and build them, and that published versions stay frozen."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import StandardVersion, VersionStatus
from tests.conftest import client_for
from tests.support.audit_factories import make_standard
from tests.support.factories import PASSWORD


def signed_in(app, user):
    return client_for(app, user.email, PASSWORD)


def test_admin_builds_and_publishes_a_standard_through_the_pages(app, world):
    admin = signed_in(app, world.admin)
    response = admin.post("/standards/new", data={"code": "shop", "name": "Shop standard"})
    assert response.status_code == 302
    version = db.session.scalar(select(StandardVersion).order_by(StandardVersion.id.desc()))
    assert version.standard.code == "SHOP"
    response = admin.post(f"/standards/versions/{version.id}/sections/new", data={"title": "Front"})
    assert response.status_code == 302
    section = version.sections[0]
    form = admin.get(f"/standards/sections/{section.id}/items/new")
    assert 'value="I-01"' in form.get_data(as_text=True)
    response = admin.post(
        f"/standards/sections/{section.id}/items/new",
        data={
            "section_id": section.id,
            "code": "f-1",
            "question": "Door clean?",
            "weight": "4",
            "critical": "y",
        },
    )
    assert response.status_code == 302
    item = version.items[0]
    assert (item.code, item.weight, item.critical, item.na_allowed) == ("F-1", 4, True, False)
    page = admin.get(f"/standards/versions/{version.id}").get_data(as_text=True)
    assert "Door clean?" in page
    assert 'data-testid="publish"' in page
    response = admin.post(
        f"/standards/versions/{version.id}/publish",
        data={"notes": "v1", "version": version.version},
    )
    assert response.status_code == 302
    assert version.status == VersionStatus.PUBLISHED
    page = admin.get(f"/standards/versions/{version.id}").get_data(as_text=True)
    assert 'data-testid="frozen-note"' in page
    assert 'data-testid="publish"' not in page
    assert f"/standards/items/{item.id}/edit" not in page


def test_bad_item_input_gets_a_message_and_saves_nothing(app, world):
    draft = make_standard(publish=False, actor=world.admin)
    admin = signed_in(app, world.admin)
    section = draft.sections[0]
    response = admin.post(
        f"/standards/sections/{section.id}/items/new",
        data={"section_id": section.id, "code": "A-01", "question": "Dup", "weight": "11"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "The weight must be from 0 to 10." in body
    response = admin.post(
        f"/standards/sections/{section.id}/items/new",
        data={"section_id": section.id, "code": "A-01", "question": "Dup", "weight": "1"},
    )
    assert "Another item of this version already has this code." in response.get_data(as_text=True)
    assert len(draft.items) == 4


def test_an_item_edit_from_a_stale_form_shows_a_conflict(app, world):
    draft = make_standard(publish=False, actor=world.admin)
    item = draft.items[0]
    admin = signed_in(app, world.admin)
    data = {
        "section_id": item.section_id,
        "code": item.code,
        "question": "Changed",
        "weight": "2",
        "version": item.version,
    }
    assert admin.post(f"/standards/items/{item.id}/edit", data=data).status_code == 302
    response = admin.post(f"/standards/items/{item.id}/edit", data={**data, "question": "Mine"})
    assert response.status_code == 409
    assert item.question == "Changed"


def _published_targets(world):
    version = world.version
    section = version.sections[0]
    item = version.items[0]
    item_data = {
        "section_id": section.id,
        "code": item.code,
        "question": "HACKED",
        "weight": "0",
        "version": item.version,
    }
    return [
        ("get", f"/standards/versions/{version.id}/sections/new", None),
        ("post", f"/standards/versions/{version.id}/sections/new", {"title": "HACKED"}),
        ("get", f"/standards/sections/{section.id}/edit", None),
        ("post", f"/standards/sections/{section.id}/edit", {"title": "HACKED"}),
        ("post", f"/standards/sections/{section.id}/delete", {}),
        ("post", f"/standards/sections/{section.id}/move", {"direction": "down"}),
        ("get", f"/standards/sections/{section.id}/items/new", None),
        (
            "post",
            f"/standards/sections/{section.id}/items/new",
            {**item_data, "code": "NEW-1"},
        ),
        ("get", f"/standards/items/{item.id}/edit", None),
        ("post", f"/standards/items/{item.id}/edit", item_data),
        ("post", f"/standards/items/{item.id}/delete", {}),
        ("post", f"/standards/items/{item.id}/move", {"direction": "down"}),
        ("post", f"/standards/versions/{version.id}/publish", {"version": version.version}),
        ("post", f"/standards/versions/{version.id}/discard", {}),
    ]


def _fingerprint(version):
    db.session.expire_all()
    return [
        (
            s.id,
            s.position,
            s.title,
            [(i.id, i.position, i.code, i.question, i.weight) for i in s.items],
        )
        for s in version.sections
    ] + [version.status, version.notes, version.version]


def test_no_crafted_request_alters_a_published_version(app, world):
    admin = signed_in(app, world.admin)
    before = _fingerprint(world.version)
    for method, url, data in _published_targets(world):
        response = getattr(admin, method)(url, data=data)
        assert response.status_code == 409, (method, url)
        assert "This version is frozen" in response.get_data(as_text=True)
    assert _fingerprint(world.version) == before


def test_posting_the_version_or_section_of_another_standard_changes_nothing_else(app, world):
    draft = make_standard(publish=False, actor=world.admin)
    item = draft.items[0]
    admin = signed_in(app, world.admin)
    published_section = world.version.sections[0]
    response = admin.post(
        f"/standards/items/{item.id}/edit",
        data={
            "section_id": published_section.id,  # not a choice of this draft: refused
            "code": item.code,
            "question": "Moved?",
            "weight": "1",
            "version": item.version,
            "version_id": world.version.id,
            "standard_version_id": world.version.id,
        },
    )
    assert response.status_code == 200  # the form shows "Not a valid choice"
    db.session.expire_all()
    assert item.version_id == draft.id
    assert item.question != "Moved?"
    assert len(published_section.items) == 2


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("admin", 200, 302), ("supervisor", 200, 403), ("dealer_user", 403, 403)],
)
def test_admins_build_standards_supervisors_read_them_dealers_never_see_them(
    app, world, who, read, write
):
    client = signed_in(app, getattr(world, who))
    version = world.version
    for url in (
        "/standards/",
        f"/standards/{version.standard_id}",
        f"/standards/versions/{version.id}",
        f"/standards/versions/{version.id}/export.json",
    ):
        assert client.get(url).status_code == read, url
    response = client.post(f"/standards/{version.standard_id}/edit")
    assert response.status_code == write
    response = client.post("/standards/new", data={"code": "ZZ", "name": "Z"})
    assert response.status_code == write
    drafts = db.session.scalars(
        select(StandardVersion).where(StandardVersion.status == VersionStatus.DRAFT)
    ).all()
    assert len(drafts) == (2 if who == "admin" else 0)


def test_edit_continues_the_existing_draft_instead_of_making_another(app, world):
    admin = signed_in(app, world.admin)
    first = admin.post(f"/standards/{world.standard.id}/edit")
    second = admin.post(f"/standards/{world.standard.id}/edit")
    assert first.headers["Location"] == second.headers["Location"]
    drafts = [v for v in world.standard.versions if v.status == VersionStatus.DRAFT]
    assert len(drafts) == 1


def test_up_and_down_buttons_reorder_a_draft_without_javascript(app, world):
    draft = make_standard(publish=False, actor=world.admin)
    first, second = draft.sections
    admin = signed_in(app, world.admin)
    a02 = first.items[1].id
    moved = admin.post(f"/standards/items/{a02}/move", data={"direction": "up"})
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"#item-{a02}")
    admin.post(f"/standards/sections/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert [item.code for item in draft.items] == ["B-01", "B-02", "A-02", "A-01"]
