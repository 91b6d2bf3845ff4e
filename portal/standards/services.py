"""Building standards: drafts are edited, published versions are frozen for ever.

Every function takes plain values and model instances, flushes, logs, never commits, and
raises `StandardError` (or `StandardFrozen`) with a message for the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import activity
from portal.extensions import db
from portal.models import (
    Audit,
    Standard,
    StandardItem,
    StandardPurpose,
    StandardSection,
    StandardVersion,
    User,
    VersionStatus,
)
from portal.models.base import utcnow

ITEM_FIELDS = (
    "code",
    "question",
    "guidance",
    "question_zh",
    "guidance_zh",
    "weight",
    "critical",
    "na_allowed",
    "photo_required",
)


class StandardError(ValueError):
    """A change the standards area refuses; `field` names the form field, if any."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class StandardFrozen(StandardError):
    """The version is published: its content can never change."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "This version is published and cannot be changed. "
                "Use “Edit” on the standard to start a new draft version."
            )
        )


def _require_draft(version: StandardVersion) -> None:
    if not version.is_draft:
        raise StandardFrozen()


def _touch(version: StandardVersion) -> None:
    """Bump the draft's version: its content lives in other tables, and a page that posts
    the draft's version (publish, section rename) must see any change as a conflict."""
    version.updated_at = utcnow()


def _pick(values: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Only the named fields: anything else a client posts is ignored (check S5)."""
    return {name: values[name] for name in allowed if name in values}


# Lookups


def current_version(standard: Standard) -> StandardVersion | None:
    """The latest published version: the one new audits use."""
    published = [v for v in standard.versions if v.status == VersionStatus.PUBLISHED]
    return published[-1] if published else None


def draft_of(standard: Standard) -> StandardVersion | None:
    drafts = [v for v in standard.versions if v.is_draft]
    return drafts[-1] if drafts else None


def audit_counts(version_ids: list[int]) -> dict[int, int]:
    if not version_ids:
        return {}
    rows = db.session.execute(
        select(Audit.standard_version_id, func.count())
        .where(Audit.standard_version_id.in_(version_ids))
        .group_by(Audit.standard_version_id)
    )
    return {row[0]: row[1] for row in rows}


# Standards


def standard_by_code(code: str) -> Standard | None:
    return db.session.scalar(select(Standard).where(Standard.code == code))


def _code_taken(code: str) -> bool:
    return db.session.scalar(select(Standard.id).where(Standard.code == code)) is not None


def create_standard(
    *, code: str, name: str, actor: User, purpose: StandardPurpose = StandardPurpose.AUDIT
) -> StandardVersion:
    """A new standard (for audits, or for screening prospects) with an empty first draft."""
    if _code_taken(code):
        raise StandardError(_l("This code is already used."), "code")
    standard = Standard(code=code, name=name, purpose=purpose)
    version = StandardVersion(standard=standard, number=1, status=VersionStatus.DRAFT)
    try:
        with db.session.begin_nested():
            db.session.add_all([standard, version])
            db.session.flush()
    except IntegrityError:
        # Another request took the code between our check and our insert.
        raise StandardError(_l("This code is already used."), "code") from None
    details = {"code": code, "name": name, "purpose": purpose}
    activity.record("standard.create", standard, actor=actor, details=details)
    return version


def rename_standard(standard: Standard, *, name: str, actor: User) -> None:
    changed = activity.apply_changes(standard, {"name": name})
    if changed:
        db.session.flush()
        activity.record("standard.update", standard, actor=actor, details=changed)


def set_active(standard: Standard, active: bool, *, actor: User) -> None:
    """A retired standard keeps its versions and audits but cannot be scheduled."""
    if standard.active != active:
        standard.active = active
        db.session.flush()
        action = "standard.activate" if active else "standard.retire"
        activity.record(action, standard, actor=actor)


def start_draft(standard: Standard, *, actor: User) -> StandardVersion:
    """The draft to edit: the existing one, or a copy of the latest published version."""
    existing = draft_of(standard)
    if existing is not None:
        return existing
    source = current_version(standard)
    number = max((v.number for v in standard.versions), default=0) + 1
    try:
        with db.session.begin_nested():  # flushes what is pending first: build the draft inside
            draft = StandardVersion(standard=standard, number=number, status=VersionStatus.DRAFT)
            db.session.add(draft)
            if source is not None:
                copy_content(source, draft)
            db.session.flush()
    except IntegrityError:
        # Another request started the draft between our check and our insert: use it.
        db.session.expire(standard, ["versions"])
        existing = draft_of(standard)
        if existing is None:
            raise
        return existing
    activity.record(
        "standard.draft", draft, actor=actor, details={"from": source.number if source else None}
    )
    return draft


def copy_content(source: StandardVersion, target: StandardVersion) -> None:
    for section in source.sections:
        new_section = StandardSection(position=section.position, title=section.title)
        target.sections.append(new_section)
        for item in section.items:
            values = {name: getattr(item, name) for name in ITEM_FIELDS}
            new_section.items.append(
                StandardItem(standard_version=target, position=item.position, **values)
            )


def discard_draft(version: StandardVersion, *, actor: User) -> Standard | None:
    """Delete a draft; a standard whose only version it was goes too (returns None)."""
    _require_draft(version)
    standard = version.standard
    activity.record("standard.discard_draft", version, actor=actor)
    db.session.delete(version)
    db.session.flush()
    db.session.expire(standard, ["versions"])
    if not standard.versions:
        activity.record("standard.delete", standard, actor=actor)
        db.session.delete(standard)
        db.session.flush()
        return None
    return standard


def publish(
    version: StandardVersion, *, notes: str, actor: User, now: datetime | None = None
) -> None:
    """Freeze the draft: from now on audits can use it and nothing can change it."""
    _require_draft(version)
    problems = publish_problems(version)
    if problems:
        raise StandardError(problems[0])
    version.status = VersionStatus.PUBLISHED
    version.notes = notes
    version.published_at = now or utcnow()
    version.published_by_id = actor.id
    db.session.flush()
    activity.record("standard.publish", version, actor=actor, details={"items": len(version.items)})


def publish_problems(version: StandardVersion) -> list[Any]:
    """Why a draft cannot be published yet (empty when it can)."""
    problems: list[Any] = []
    if not version.sections:
        problems.append(_l("Add at least one section with items before publishing."))
    for section in version.sections:
        if not section.items:
            problems.append(
                _l("Section “%(title)s” has no items: add some or delete it.", title=section.title)
            )
    return problems


# Sections


def add_section(version: StandardVersion, *, title: str, actor: User) -> StandardSection:
    _require_draft(version)
    position = max((s.position for s in version.sections), default=0) + 1
    section = StandardSection(title=title, position=position)
    version.sections.append(section)
    _touch(version)
    db.session.flush()
    activity.record("standard.add_section", version, actor=actor, details={"title": title})
    return section


def rename_section(section: StandardSection, *, title: str, actor: User) -> None:
    _require_draft(section.version)
    changed = activity.apply_changes(section, {"title": title})
    if changed:
        _touch(section.version)
        db.session.flush()
        activity.record("standard.edit_section", section.version, actor=actor, details=changed)


def delete_section(section: StandardSection, *, actor: User) -> None:
    version = section.version
    _require_draft(version)
    version.sections.remove(section)
    _touch(version)
    db.session.flush()
    activity.record(
        "standard.delete_section",
        version,
        actor=actor,
        details={"title": section.title, "items": [item.code for item in section.items]},
    )


def move_section(section: StandardSection, direction: int, *, actor: User) -> None:
    _require_draft(section.version)
    if _swap(section.version.sections, section, direction):
        _touch(section.version)
        db.session.flush()
        activity.record(
            "standard.move_section", section.version, actor=actor, details={"title": section.title}
        )


def _swap(siblings: list[Any], record: Any, direction: int) -> bool:
    """Swap `record` with its neighbour up (-1) or down (+1); positions renumbered 1…n."""
    ordered = sorted(siblings, key=lambda r: (r.position, r.id or 0))
    index = ordered.index(record)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, one in enumerate(ordered, start=1):
        if one.position != position:
            one.position = position
    return True


# Items


def _check_item(version: StandardVersion, values: Mapping[str, Any], current: StandardItem | None):
    code = values.get("code")
    clash = db.session.scalar(
        select(StandardItem).where(StandardItem.version_id == version.id, StandardItem.code == code)
    )
    if clash is not None and clash is not current:
        raise StandardError(_l("Another item of this version already has this code."), "code")
    if not 0 <= int(values.get("weight", 0)) <= 10:
        raise StandardError(_l("The weight must be a whole number from 0 to 10."), "weight")


def add_item(section: StandardSection, values: Mapping[str, Any], *, actor: User) -> StandardItem:
    version = section.version
    _require_draft(version)
    values = _pick(values, ITEM_FIELDS)
    _check_item(version, values, None)
    position = max((i.position for i in section.items), default=0) + 1
    item = StandardItem(standard_version=version, position=position, **values)
    section.items.append(item)
    _touch(version)
    db.session.flush()
    activity.record("standard.add_item", version, actor=actor, details={"values": values})
    return item


def update_item(
    item: StandardItem,
    values: Mapping[str, Any],
    *,
    actor: User,
    section: StandardSection | None = None,
) -> dict[str, list[Any]]:
    """Change an item's fields; `section` (of the same draft) moves it to the section's end."""
    version = item.section.version
    _require_draft(version)
    values = _pick(values, ITEM_FIELDS)
    _check_item(version, values, item)
    changed = activity.apply_changes(item, values)
    if section is not None and section is not item.section:
        if section.version is not version:
            raise StandardError(_l("Choose a section of this version."), "section_id")
        changed["section"] = [item.section.title, section.title]
        item.position = max((i.position for i in section.items), default=0) + 1
        item.section.items.remove(item)
        section.items.append(item)
    if changed:
        _touch(version)
        db.session.flush()
        activity.record(
            "standard.edit_item", version, actor=actor, details={"code": item.code, **changed}
        )
    return changed


def delete_item(item: StandardItem, *, actor: User) -> None:
    section = item.section
    _require_draft(section.version)
    section.items.remove(item)
    _touch(section.version)
    db.session.flush()
    activity.record(
        "standard.delete_item", section.version, actor=actor, details={"code": item.code}
    )


def move_item(item: StandardItem, direction: int, *, actor: User) -> None:
    _require_draft(item.section.version)
    if _swap(item.section.items, item, direction):
        _touch(item.section.version)
        db.session.flush()
        activity.record(
            "standard.move_item", item.section.version, actor=actor, details={"code": item.code}
        )


def next_item_code(version: StandardVersion) -> str:
    """A free code suggestion for a new item: I-01, I-02, …"""
    taken = {item.code for item in version.items}
    number = len(taken) + 1
    while f"I-{number:02d}" in taken:
        number += 1
    return f"I-{number:02d}"
