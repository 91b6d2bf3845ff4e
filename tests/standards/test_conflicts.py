"""Standards under concurrent admins: stale pages get a conflict, races get a form error."""

import re

import pytest
from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.models import Role, Standard, StandardVersion, VersionStatus
from portal.standards import services
from tests.conftest import client_for
from tests.support.audit_factories import make_standard
from tests.support.factories import PASSWORD, make_user

ITEM = {
    "code": "X-01",
    "question": "Fire exit free?",
    "guidance": "",
    "weight": 10,
    "critical": True,
    "na_allowed": False,
    "photo_required": False,
}


def signed_in(app, user):
    return client_for(app, user.email, PASSWORD)


def posted_version(page) -> str:
    """The draft version a page's form would post back (publish or section form)."""
    match = re.search(r'name="version"[^>]*value="(\d+)"', page.get_data(as_text=True))
    assert match, "the page carries no version"
    return match.group(1)


@pytest.fixture
def two_admins(app, world):
    other = make_user(Role.ADMIN)
    return signed_in(app, world.admin), signed_in(app, other)


def test_publishing_a_page_older_than_another_admins_new_item_is_refused(app, world, two_admins):
    alice, bob = two_admins
    draft = make_standard(publish=False, actor=world.admin)
    seen = posted_version(alice.get(f"/standards/versions/{draft.id}"))
    section = draft.sections[0]
    added = bob.post(
        f"/standards/sections/{section.id}/items/new",
        data={**ITEM, "section_id": section.id, "critical": "y"},
    )
    assert added.status_code == 302

    response = alice.post(
        f"/standards/versions/{draft.id}/publish", data={"notes": "v1", "version": seen}
    )

    assert response.status_code == 409
    assert "The draft changed while you were looking at it." in response.get_data(as_text=True)
    assert "Fire exit free?" in response.get_data(as_text=True)  # she now sees Bob's item
    assert draft.status == VersionStatus.DRAFT
    assert draft.published_at is None
    # Publishing again from the page she was shown publishes what it showed.
    again = alice.post(
        f"/standards/versions/{draft.id}/publish",
        data={"notes": "v1", "version": posted_version(response)},
    )
    assert again.status_code == 302
    assert draft.status == VersionStatus.PUBLISHED
    assert "X-01" in [item.code for item in draft.items]


def test_an_admin_who_edits_an_item_then_publishes_does_not_conflict_with_herself(app, world):
    draft = make_standard(publish=False, actor=world.admin)
    item = draft.items[0]
    admin = signed_in(app, world.admin)
    before = posted_version(admin.get(f"/standards/versions/{draft.id}"))
    edited = admin.post(
        f"/standards/items/{item.id}/edit",
        data={"section_id": item.section_id, "code": item.code, "question": "New?", "weight": 2}
        | {"version": item.version},
    )
    assert edited.status_code == 302
    page = admin.get(edited.headers["Location"])
    assert posted_version(page) != before
    response = admin.post(
        f"/standards/versions/{draft.id}/publish", data={"version": posted_version(page)}
    )
    assert response.status_code == 302
    assert draft.status == VersionStatus.PUBLISHED


CHANGES = {
    "add a section": lambda v, a: services.add_section(v, title="New", actor=a),
    "rename a section": lambda v, a: services.rename_section(v.sections[0], title="R", actor=a),
    "delete a section": lambda v, a: services.delete_section(v.sections[0], actor=a),
    "move a section": lambda v, a: services.move_section(v.sections[0], 1, actor=a),
    "add an item": lambda v, a: services.add_item(v.sections[0], ITEM, actor=a),
    "edit an item": lambda v, a: services.update_item(v.items[0], {"weight": 9}, actor=a),
    "move an item to another section": lambda v, a: services.update_item(
        v.items[0], {}, actor=a, section=v.sections[1]
    ),
    "delete an item": lambda v, a: services.delete_item(v.items[0], actor=a),
    "move an item": lambda v, a: services.move_item(v.items[0], 1, actor=a),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_to_a_drafts_content_moves_its_version(world, change):
    draft = make_standard(publish=False, actor=world.admin)
    db.session.commit()
    before = draft.version
    change(draft, world.admin)
    db.session.commit()
    assert draft.version > before


def test_a_change_that_changes_nothing_leaves_the_version_alone(world):
    draft = make_standard(publish=False, actor=world.admin)
    db.session.commit()
    before = draft.version
    services.move_section(draft.sections[0], -1, actor=world.admin)  # already first
    services.rename_section(draft.sections[0], title=draft.sections[0].title, actor=world.admin)
    db.session.commit()
    assert draft.version == before


def test_concurrent_section_renames_do_not_overwrite_each_other(app, world, two_admins):
    alice, bob = two_admins
    draft = make_standard(publish=False, actor=world.admin)
    section = draft.sections[0]
    url = f"/standards/sections/{section.id}/edit"
    alice_seen = posted_version(alice.get(url))
    bob_seen = posted_version(bob.get(url))
    assert bob.post(url, data={"title": "Entrance", "version": bob_seen}).status_code == 302

    response = alice.post(url, data={"title": "Front door", "version": alice_seen})

    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in body
    assert "Entrance" in body
    assert "Front door" in body
    assert section.title == "Entrance"
    # Saving again from the conflict page knowingly keeps her title.
    again = alice.post(url, data={"title": "Front door", "version": posted_version(response)})
    assert again.status_code == 302
    assert section.title == "Front door"


def test_a_section_rename_without_a_version_is_treated_as_stale(app, world):
    draft = make_standard(publish=False, actor=world.admin)
    section = draft.sections[0]
    admin = signed_in(app, world.admin)
    response = admin.post(f"/standards/sections/{section.id}/edit", data={"title": "Sneaky"})
    assert response.status_code == 409
    assert section.title != "Sneaky"


def test_a_code_taken_between_check_and_insert_is_a_form_error(app, world, monkeypatch):
    # Two requests for the same new code: both pass the check, the second insert fails.
    monkeypatch.setattr(services, "_code_taken", lambda code: False)
    admin = signed_in(app, world.admin)
    count = db.session.scalar(select(func.count()).select_from(Standard))
    response = admin.post("/standards/new", data={"code": world.standard.code, "name": "Twin"})
    assert response.status_code == 200
    assert "This code is already used." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Standard)) == count


def test_a_draft_started_between_check_and_insert_is_the_one_returned(world):
    standard = world.standard
    assert [v.number for v in standard.versions] == [1]  # loaded: this request's view
    # Another request starts version 2 meanwhile; this session's collection does not see it.
    other = db.session.execute(
        insert(StandardVersion)
        .values(standard_id=standard.id, number=2, status=VersionStatus.DRAFT, notes="")
        .returning(StandardVersion.id)
    ).scalar_one()

    draft = services.start_draft(standard, actor=world.admin)

    assert draft.id == other
    db.session.commit()
    drafts = db.session.scalars(
        select(StandardVersion).where(
            StandardVersion.standard_id == standard.id,
            StandardVersion.status == VersionStatus.DRAFT,
        )
    ).all()
    assert [d.id for d in drafts] == [other]


def test_saving_again_from_an_item_conflict_page_keeps_your_values(app, world, two_admins):
    alice, bob = two_admins
    draft = make_standard(publish=False, actor=world.admin)
    item = draft.items[0]
    url = f"/standards/items/{item.id}/edit"
    data = {"section_id": item.section_id, "code": item.code, "weight": "2"}
    seen = posted_version(alice.get(url))
    assert bob.post(url, data={**data, "question": "Bob's", "version": seen}).status_code == 302
    conflict = alice.post(url, data={**data, "question": "Alice's", "version": seen})
    assert conflict.status_code == 409
    again = alice.post(
        url, data={**data, "question": "Alice's", "version": posted_version(conflict)}
    )
    assert again.status_code == 302
    assert item.question == "Alice's"


def test_saving_again_from_a_rename_conflict_page_keeps_your_name(app, world, two_admins):
    alice, bob = two_admins
    url = f"/standards/{world.standard.id}/rename"
    seen = posted_version(alice.get(url))
    assert bob.post(url, data={"name": "Bob's", "version": seen}).status_code == 302
    conflict = alice.post(url, data={"name": "Alice's", "version": seen})
    assert conflict.status_code == 409
    again = alice.post(url, data={"name": "Alice's", "version": posted_version(conflict)})
    assert again.status_code == 302
    assert world.standard.name == "Alice's"
