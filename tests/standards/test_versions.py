"""Standards: build a draft, reorder it, publish it; published versions never change."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    FrozenVersionError,
    StandardItem,
    StandardSection,
    StandardVersion,
    VersionStatus,
)
from portal.standards import services
from portal.standards.services import StandardError, StandardFrozen
from tests.support.audit_factories import make_standard

ITEM = {
    "code": "X-01",
    "question": "Q",
    "guidance": "",
    "weight": 3,
    "critical": False,
    "na_allowed": True,
    "photo_required": False,
}


def codes(version: StandardVersion) -> list[str]:
    return [item.code for item in version.items]


def test_a_new_standard_starts_as_an_empty_draft(world):
    version = services.create_standard(code="NEW", name="New one", actor=world.admin)
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert services.publish_problems(version)
    with pytest.raises(StandardError):
        services.publish(version, notes="", actor=world.admin)
    with pytest.raises(StandardError) as error:
        services.create_standard(code="NEW", name="Again", actor=world.admin)
    assert error.value.field == "code"


def test_items_and_sections_reorder_with_up_and_down(world):
    draft = make_standard(publish=False, actor=world.admin)
    assert codes(draft) == ["A-01", "A-02", "B-01", "B-02"]
    first, second = draft.sections
    a02 = first.items[1]
    services.move_item(a02, -1, actor=world.admin)
    services.move_item(a02, -1, actor=world.admin)  # already first: nothing happens
    db.session.expire_all()
    assert codes(draft) == ["A-02", "A-01", "B-01", "B-02"]
    services.move_section(second, -1, actor=world.admin)
    db.session.expire_all()
    assert codes(draft) == ["B-01", "B-02", "A-02", "A-01"]


def test_an_item_can_move_to_another_section_of_the_draft(world):
    draft = make_standard(publish=False, actor=world.admin)
    first, second = draft.sections
    item = first.items[0]
    services.update_item(item, {**ITEM, "code": item.code}, actor=world.admin, section=second)
    db.session.expire_all()
    assert [i.code for i in second.items] == ["B-01", "B-02", "A-01"]
    other = make_standard(publish=False, actor=world.admin)
    with pytest.raises(StandardError):
        services.update_item(item, ITEM, actor=world.admin, section=other.sections[0])


def test_item_codes_are_unique_within_a_version(world):
    draft = make_standard(publish=False, actor=world.admin)
    with pytest.raises(StandardError) as error:
        services.add_item(draft.sections[0], {**ITEM, "code": "B-01"}, actor=world.admin)
    assert error.value.field == "code"


def test_editing_a_published_standard_starts_a_new_draft_copy(world):
    published = world.version
    draft = services.start_draft(world.standard, actor=world.admin)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert codes(draft) == codes(published)
    assert {i.id for i in draft.items}.isdisjoint({i.id for i in published.items})
    assert services.start_draft(world.standard, actor=world.admin) is draft
    services.add_item(draft.sections[0], ITEM, actor=world.admin)
    services.publish(draft, notes="Adds X-01", actor=world.admin)
    db.session.expire_all()
    assert services.current_version(world.standard) is draft
    assert "X-01" not in codes(published)


@pytest.mark.parametrize(
    "change",
    [
        lambda v, a: services.add_section(v, title="More", actor=a),
        lambda v, a: services.rename_section(v.sections[0], title="Renamed", actor=a),
        lambda v, a: services.delete_section(v.sections[0], actor=a),
        lambda v, a: services.move_section(v.sections[1], -1, actor=a),
        lambda v, a: services.add_item(v.sections[0], ITEM, actor=a),
        lambda v, a: services.update_item(v.items[0], {**ITEM, "code": "A-01"}, actor=a),
        lambda v, a: services.delete_item(v.items[0], actor=a),
        lambda v, a: services.move_item(v.items[1], -1, actor=a),
        lambda v, a: services.publish(v, notes="again", actor=a),
        lambda v, a: services.discard_draft(v, actor=a),
    ],
)
def test_every_change_to_a_published_version_is_refused(world, change):
    before = codes(world.version)
    with pytest.raises(StandardFrozen):
        change(world.version, world.admin)
    db.session.rollback()
    db.session.expire_all()
    assert codes(world.version) == before


def test_the_database_guard_refuses_direct_changes_to_published_content(world):
    db.session.commit()
    item = world.version.items[0]
    item.weight = 0
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()
    world.version.sections[0].title = "Sneaky"
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()
    world.version.sections[0].items.append(
        StandardItem(code="Z-1", question="?", standard_version=world.version)
    )
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(world.version.items[0])
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()
    world.version.status = VersionStatus.DRAFT
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()


def test_discarding_the_only_draft_removes_the_standard(world):
    version = services.create_standard(code="GONE", name="Temporary", actor=world.admin)
    services.add_section(version, title="S", actor=world.admin)
    assert services.discard_draft(version, actor=world.admin) is None
    assert db.session.scalar(select(StandardSection).where(StandardSection.title == "S")) is None
