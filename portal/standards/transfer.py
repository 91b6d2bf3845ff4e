"""Standards as JSON: export a version, import one as a new standard or a new draft.

Import is strict and all-or-nothing: every problem is reported with where it is
(`sections[2].items[0].weight`), and nothing is saved unless the whole file is valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal import activity
from portal.extensions import db
from portal.models import (
    Standard,
    StandardItem,
    StandardSection,
    StandardVersion,
    User,
    VersionStatus,
)
from portal.models.base import utcnow
from portal.standards import services

FORMAT = "dealer-portal-standard"
FORMAT_VERSION = 1
LIMITS = {"sections": 50, "items": 300}


@dataclass(frozen=True)
class ImportProblem:
    where: str
    message: str


class ImportRejected(ValueError):
    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem{'' if len(problems) == 1 else 's'}")
        self.problems = problems


def export_version(version: StandardVersion) -> dict[str, Any]:
    standard = version.standard
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "code": standard.code,
        "name": standard.name,
        "version": version.number,
        "status": version.status.value,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "sections": [
            {
                "title": section.title,
                "items": [
                    {name: getattr(item, name) for name in services.ITEM_FIELDS}
                    for item in section.items
                ],
            }
            for section in version.sections
        ],
    }


class _Checker:
    """Collects every problem in a parsed file instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem(where, message))

    def text(self, obj: dict, key: str, where: str, *, limit: int, required: bool = True) -> str:
        value = obj.get(key, "" if not required else None)
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(where, _("Text is required.") if required else _("Must be text."))
            return ""
        value = value.strip()
        if len(value) > limit:
            self.fail(where, _("At most %(limit)d characters.", limit=limit))
        return value

    def code(self, obj: dict, key: str, where: str) -> str:
        value = self.text(obj, key, where, limit=20)
        valid = all(c.isascii() and (c.isalnum() or c in "-_") for c in value)
        if value and not (valid and value[0].isalnum()):
            self.fail(
                where,
                _("Use letters, digits, - and _ only, starting with a letter or digit."),
            )
        return value.upper()

    def flag(self, obj: dict, key: str, where: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            self.fail(where, _("Must be true or false."))
            return default
        return value

    def keys(self, obj: dict, allowed: set[str], where: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.fail(f"{where}.{key}" if where else key, _("Unknown field."))


def parse(data: bytes) -> dict[str, Any]:
    """Validate a file and return clean values, or raise ImportRejected with every problem."""
    check = _Checker()
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        # A few KB of "[[[[…" exhaust the decoder's stack long before the size limit.
        raise ImportRejected(
            [ImportProblem("file", _("The file is nested too deeply to be a standard."))]
        ) from None
    except ValueError as error:  # bad UTF-8, bad JSON, an integer of thousands of digits
        raise ImportRejected(
            [ImportProblem("file", _("Not a valid UTF-8 JSON file: %(error)s", error=str(error)))]
        ) from None
    if not isinstance(document, dict):
        raise ImportRejected([ImportProblem("file", _("The file must hold one JSON object."))])
    if document.get("format") != FORMAT or document.get("format_version") != FORMAT_VERSION:
        raise ImportRejected(
            [
                ImportProblem(
                    "format",
                    _(
                        "Not a standard exported by this portal (format %(f)s version %(v)d).",
                        f=FORMAT,
                        v=FORMAT_VERSION,
                    ),
                )
            ]
        )
    check.keys(
        document,
        {
            "format",
            "format_version",
            "code",
            "name",
            "version",
            "status",
            "exported_at",
            "sections",
        },
        "",
    )
    clean = {
        "code": check.code(document, "code", "code"),
        "name": check.text(document, "name", "name", limit=200),
        "sections": _sections(check, document.get("sections")),
    }
    if check.problems:
        raise ImportRejected(check.problems)
    return clean


def _sections(check: _Checker, sections: Any) -> list[dict[str, Any]]:
    if not isinstance(sections, list) or not sections:
        check.fail("sections", _("A list of at least one section is required."))
        return []
    if len(sections) > LIMITS["sections"]:
        check.fail("sections", _("At most %(limit)d sections.", limit=LIMITS["sections"]))
        return []
    clean, codes, count = [], set(), 0
    for index, section in enumerate(sections):
        where = f"sections[{index}]"
        if not isinstance(section, dict):
            check.fail(where, _("Each section must be an object."))
            continue
        check.keys(section, {"title", "items"}, where)
        items = section.get("items")
        if not isinstance(items, list) or not items:
            check.fail(f"{where}.items", _("A list of at least one item is required."))
            items = []
        count += len(items)
        clean.append(
            {
                "title": check.text(section, "title", f"{where}.title", limit=200),
                "items": [
                    _item(check, item, f"{where}.items[{n}]", codes) for n, item in enumerate(items)
                ],
            }
        )
    if count > LIMITS["items"]:
        check.fail("sections", _("At most %(limit)d items in all.", limit=LIMITS["items"]))
    return clean


def _item(check: _Checker, item: Any, where: str, codes: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        check.fail(where, _("Each item must be an object."))
        return {}
    check.keys(item, set(services.ITEM_FIELDS), where)
    code = check.code(item, "code", f"{where}.code")
    if code and code in codes:
        check.fail(f"{where}.code", _("Code %(code)s is used twice.", code=code))
    codes.add(code)
    weight = item.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 10:
        check.fail(f"{where}.weight", _("Must be a whole number from 0 to 10."))
        weight = 0
    return {
        "code": code,
        "question": check.text(item, "question", f"{where}.question", limit=500),
        "guidance": check.text(item, "guidance", f"{where}.guidance", limit=4000, required=False),
        # the Chinese text came later: files without it import as before
        "question_zh": check.text(
            item, "question_zh", f"{where}.question_zh", limit=500, required=False
        ),
        "guidance_zh": check.text(
            item, "guidance_zh", f"{where}.guidance_zh", limit=4000, required=False
        ),
        "weight": weight,
        "critical": check.flag(item, "critical", f"{where}.critical", False),
        "na_allowed": check.flag(item, "na_allowed", f"{where}.na_allowed", True),
        "photo_required": check.flag(item, "photo_required", f"{where}.photo_required", False),
    }


def _draft_exists(standard: Standard) -> ImportRejected:
    return ImportRejected(
        [
            ImportProblem(
                "code",
                _(
                    "Standard %(code)s already has a draft. "
                    "Publish or discard it, then import again.",
                    code=standard.code,
                ),
            )
        ]
    )


def _new_draft(standard: Standard) -> StandardVersion:
    """An empty draft numbered after the standard's latest version."""
    if services.draft_of(standard) is not None:
        raise _draft_exists(standard)
    number = max(v.number for v in standard.versions) + 1
    try:
        with db.session.begin_nested():  # flushes what is pending first: build the draft inside
            version = StandardVersion(standard=standard, number=number, status=VersionStatus.DRAFT)
            db.session.add(version)
            db.session.flush()
    except IntegrityError:
        # Another request started a draft with this number between our check and our insert.
        raise _draft_exists(standard) from None
    return version


def import_standard(data: bytes, *, actor: User) -> StandardVersion:
    """A new standard (new code) or a new draft version of the standard with that code."""
    clean = parse(data)
    standard = services.standard_by_code(clean["code"])
    if standard is None:
        try:
            version = services.create_standard(code=clean["code"], name=clean["name"], actor=actor)
        except services.StandardError as error:  # the code was taken meanwhile
            raise ImportRejected([ImportProblem("code", str(error.message))]) from None
    else:
        version = _new_draft(standard)
    for position, section_values in enumerate(clean["sections"], start=1):
        section = StandardSection(title=section_values["title"], position=position)
        version.sections.append(section)
        for item_position, values in enumerate(section_values["items"], start=1):
            section.items.append(
                StandardItem(standard_version=version, position=item_position, **values)
            )
    db.session.flush()
    activity.record(
        "standard.import",
        version,
        actor=actor,
        details={"items": sum(len(s["items"]) for s in clean["sections"])},
    )
    return version
