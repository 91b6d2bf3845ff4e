"""Factories for standards, audits and corrective actions, built through the services."""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PIL import Image
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.audits import corrective, scheduling, services
from portal.extensions import db
from portal.models import (
    AnswerResult,
    Audit,
    CorrectiveAction,
    Dealer,
    Region,
    Role,
    Standard,
    StandardVersion,
    Store,
    User,
)
from portal.standards import services as standards
from tests.support.factories import make_dealer, make_region, make_store, make_user

_numbers = itertools.count(1)

DEFAULT_ITEMS: tuple[dict[str, Any], ...] = (
    {"code": "A-01", "question": "Entrance clean and lit", "weight": 5},
    {"code": "A-02", "question": "Fire exits unobstructed", "weight": 10, "critical": True},
    {"code": "B-01", "question": "Prices shown on every item", "weight": 3, "photo_required": True},
    {"code": "B-02", "question": "Promotion display installed", "weight": 2, "na_allowed": True},
)


def _admin() -> User:
    return make_user(Role.ADMIN)


def make_standard(
    *,
    code: str | None = None,
    items: Sequence[Mapping[str, Any]] = DEFAULT_ITEMS,
    publish: bool = True,
    actor: User | None = None,
) -> StandardVersion:
    """A standard with two sections split by the item code's letter; published by default."""
    actor = actor or _admin()
    number = next(_numbers)
    version = standards.create_standard(
        code=code or f"STD{number}", name=f"Standard {number}", actor=actor
    )
    sections: dict[str, Any] = {}
    for values in items:
        letter = values["code"].split("-")[0]
        if letter not in sections:
            sections[letter] = standards.add_section(
                version, title=f"Section {letter}", actor=actor
            )
        full = {
            "guidance": "",
            "weight": 1,
            "critical": False,
            "na_allowed": False,
            "photo_required": False,
            **values,
        }
        standards.add_item(sections[letter], full, actor=actor)
    if publish:
        standards.publish(version, notes="", actor=actor)
    return version


def photo_upload(name: str = "photo.png", colour: str = "red") -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=name, content_type="image/png")


def photo_bytes(colour: str = "red") -> bytes:
    return photo_upload(colour=colour).stream.read()


def make_audit(
    store: Store,
    standard: Standard,
    auditor: User,
    *,
    scheduled_for: date | None = None,
    announced: bool = True,
    answers: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    photos: Sequence[str] = (),
    complete: bool = False,
) -> Audit:
    """Schedule an audit; with `answers` ({code: "pass"|"fail"|"na"}) start and answer it."""
    audit = scheduling.schedule_audit(
        store=store,
        standard=standard,
        scheduled_for=scheduled_for or clock.today(),
        announced=announced,
        actor=auditor,
    )
    if answers is None and not complete:
        return audit
    services.start(audit, actor=auditor)
    answer_items(audit, answers or {}, auditor, notes=notes, photos=photos)
    if complete:
        services.complete(audit, summary="", actor=auditor)
    db.session.flush()
    return audit


def answer_items(
    audit: Audit,
    answers: Mapping[str, str],
    auditor: User,
    *,
    notes: Mapping[str, str] | None = None,
    photos: Sequence[str] = (),
) -> None:
    for answer in audit.answers:
        code = answer.item.code
        if code in answers:
            services.save_answer(
                audit,
                answer,
                result=AnswerResult(answers[code]),
                note=(notes or {}).get(code, ""),
                actor=auditor,
            )
        if code in photos:
            services.add_photo(audit, answer, photo_upload(f"{code}.png"), actor=auditor)


def all_pass(version: StandardVersion, **overrides: str) -> dict[str, str]:
    return {item.code: overrides.get(item.code, "pass") for item in version.items}


def respond(action: CorrectiveAction, dealer_user: User, comment: str = "Fixed it") -> None:
    corrective.respond(
        action, comment=comment, photos=[photo_upload("evidence.png")], actor=dealer_user
    )


@dataclass
class AuditWorld:
    region: Region
    other_region: Region
    dealer: Dealer
    other_dealer: Dealer  # same region, another tenant
    far_dealer: Dealer  # another region
    store: Store
    other_store: Store
    far_store: Store
    admin: User
    supervisor: User
    far_supervisor: User
    dealer_user: User
    other_dealer_user: User
    far_dealer_user: User
    version: StandardVersion

    @property
    def standard(self) -> Standard:
        return self.version.standard


def make_world() -> AuditWorld:
    """Two regions; two dealers in the first (two tenants), one in the second; people."""
    region, other_region = make_region(), make_region()
    dealer, other_dealer = make_dealer(region), make_dealer(region)
    far_dealer = make_dealer(other_region)
    admin = make_user(Role.ADMIN)
    return AuditWorld(
        region=region,
        other_region=other_region,
        dealer=dealer,
        other_dealer=other_dealer,
        far_dealer=far_dealer,
        store=make_store(dealer),
        other_store=make_store(other_dealer),
        far_store=make_store(far_dealer),
        admin=admin,
        supervisor=make_user(Role.SUPERVISOR, regions=[region]),
        far_supervisor=make_user(Role.SUPERVISOR, regions=[other_region]),
        dealer_user=make_user(Role.DEALER, dealer=dealer),
        other_dealer_user=make_user(Role.DEALER, dealer=other_dealer),
        far_dealer_user=make_user(Role.DEALER, dealer=far_dealer),
        version=make_standard(actor=admin),
    )
