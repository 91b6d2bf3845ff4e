# ruff: noqa: RUF001  (the Chinese demo text uses full-width punctuation)
"""Demo audits: a retail store standard (two published versions) and a year of visits.

Everything goes through the real services, so scores, repeat flags, due dates, the
activity log and notifications are exactly what the portal itself would produce. The
history is back-dated relative to today; randomness is seeded, so runs are repeatable.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import update
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.audits import corrective, scheduling, services
from portal.demo.network import DemoNetwork
from portal.demo.retail_standard import NEW_IN_V2, SECTIONS
from portal.demo.retail_standard_zh import ITEMS_ZH
from portal.extensions import db
from portal.models import (
    AnswerResult,
    Audit,
    Dealer,
    DealerStatus,
    Notification,
    Standard,
    StandardVersion,
    Store,
    User,
)
from portal.models.base import utcnow
from portal.standards import services as standards

FAIL_NOTES = {
    "en": [
        "Fixed during the visit is not enough: needs a permanent fix.",
        "Seen twice today.",
        "Store manager informed.",
        "Photo taken; see attachment.",
        "Partly done.",
    ],
    "zh": [
        "店长已知悉，需要整改。",
        "现场拍照留证。",
        "本次检查发现两处。",
        "部分完成，需跟进。",
        "与上次检查问题相同。",
    ],
}
RESPONSES = {
    "en": [
        "Fixed and checked by the store manager; photo attached.",
        "Replaced and staff briefed in this morning's meeting.",
        "Ordered the part; installed on delivery. Photo attached.",
    ],
    "zh": [
        "已整改完毕，店长复核，附照片。",
        "已更换，并在早会上对员工进行了培训。",
        "配件已到货并安装，附整改照片。",
    ],
}


@dataclass
class DemoAudits:
    version: StandardVersion | None = None
    audits: list[Audit] = field(default_factory=list)


def seed_audits(network: DemoNetwork) -> DemoAudits:
    """The retail standard, a year of completed audits, and today's open work (flushes)."""
    rng = random.Random(20240604)  # noqa: S311  (demo data, not security)
    admin = network.users["admin@demo.example"]
    today = clock.today()
    v1 = _standard(admin)
    demo = DemoAudits()
    stores = _audited_stores(network)
    quality = {store.id: rng.uniform(0.72, 0.97) for store in stores}
    history_days = (300, 150)
    for index, store in enumerate(stores):
        for step, days_ago in enumerate(history_days[index % 2 :]):
            if days_ago < 200 and demo.version is None:
                demo.version = _publish_v2(v1, admin)
            day = today - timedelta(days=days_ago + rng.randint(0, 20))
            audit = _completed(rng, v1.standard, store, day, quality[store.id], close=True)
            demo.audits.append(audit)
            if step == 0 and index % 3 == 0:
                _acknowledge(demo.audits[-1], day + timedelta(days=2))
    if demo.version is None:
        demo.version = _publish_v2(v1, admin)
    # Everything above is history: its notifications were read long ago.
    db.session.execute(update(Notification).values(read_at=utcnow()))
    for index, store in enumerate(stores):
        day = today - timedelta(days=rng.randint(3, 24))
        audit = _completed(rng, v1.standard, store, day, quality[store.id], close=False)
        demo.audits.append(audit)
        if index % 2 == 0:
            _acknowledge(audit, day + timedelta(days=1))
    _open_work(rng, network, v1.standard, stores, demo)
    db.session.flush()
    return demo


def _standard(admin: User) -> StandardVersion:
    version = standards.create_standard(code="RSS", name="Retail Store Standard", actor=admin)
    for title, items in SECTIONS:
        section = standards.add_section(version, title=title, actor=admin)
        for row in items:
            standards.add_item(section, _item_values(row), actor=admin)
    published = _at(clock.today() - timedelta(days=400), 9)
    standards.publish(version, notes="First edition.", actor=admin, now=published)
    return version


def _item_values(row: tuple) -> dict:
    code, question, guidance, weight, critical, na_allowed, photo_required = row
    question_zh, guidance_zh = ITEMS_ZH.get(code, ("", ""))
    return {
        "code": code,
        "question": question,
        "guidance": guidance,
        "question_zh": question_zh,
        "guidance_zh": guidance_zh,
        "weight": weight,
        "critical": critical,
        "na_allowed": na_allowed,
        "photo_required": photo_required,
    }


def _publish_v2(v1: StandardVersion, admin: User) -> StandardVersion:
    draft = standards.start_draft(v1.standard, actor=admin)
    promotion = draft.sections[-1]
    standards.add_item(promotion, _item_values(NEW_IN_V2), actor=admin)
    standards.publish(
        draft,
        notes="Adds PE-04: staff briefed on the current promotion.",
        actor=admin,
        now=_at(clock.today() - timedelta(days=200), 9),
    )
    return draft


def _audited_stores(network: DemoNetwork) -> list[Store]:
    stores = []
    for dealer in network.dealers.values():
        if dealer.status in (DealerStatus.ACTIVE, DealerStatus.SUSPENDED):
            stores.extend(store for store in dealer.stores[:1] if store.active)
    return stores


def _auditor(store: Store) -> User:
    dealer: Dealer = store.dealer
    return next(u for u in dealer.region.supervisors if u.active)


def _language(store: Store) -> str:
    return "en" if store.dealer.name.isascii() else "zh"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _completed(rng, standard: Standard, store: Store, day: date, quality: float, *, close: bool):
    """A finished visit on `day`; with `close`, the dealer's answers and verifications too."""
    auditor = _auditor(store)
    audit = scheduling.schedule_audit(
        store=store,
        standard=standard,
        scheduled_for=day,
        announced=rng.random() < 0.7,
        actor=auditor,
        on=day - timedelta(days=14),
    )
    services.start(audit, actor=auditor, now=_at(day, 9))
    _answer_all(rng, audit, auditor, quality, _at(day, 10))
    services.complete(
        audit,
        summary=_summary(audit, _language(store)),
        actor=auditor,
        now=_at(day, 12),
    )
    dealer_user = _dealer_user(store)
    for number, action in enumerate(audit.actions):
        if close:
            _close(rng, action, dealer_user, auditor, day, reopen=number == 1)
    return audit


def _answer_all(rng, audit: Audit, auditor: User, quality: float, at: datetime) -> None:
    language = _language(audit.store)
    for answer in audit.answers:
        item = answer.item
        chance = 0.985 if item.critical else quality
        if item.na_allowed and rng.random() < 0.08:
            result = AnswerResult.NA
        elif rng.random() < chance:
            result = AnswerResult.PASS
        else:
            result = AnswerResult.FAIL
        note = rng.choice(FAIL_NOTES[language]) if result == AnswerResult.FAIL else ""
        services.save_answer(audit, answer, result=result, note=note, actor=auditor, now=at)
        if result == AnswerResult.FAIL and item.photo_required:
            upload = _photo(rng, f"{item.code}.jpg")
            services.add_photo(audit, answer, upload, actor=auditor)


def _summary(audit: Audit, language: str) -> str:
    failed = [a.item.code for a in audit.answers if a.result == AnswerResult.FAIL]
    if language == "zh":
        return f"共 {len(audit.answers)} 项，未通过 {len(failed)} 项。请在期限内完成整改。"
    return (
        f"{len(audit.answers)} items checked, {len(failed)} failed. "
        "Please fix the open items by their due dates."
    )


def _dealer_user(store: Store) -> User:
    return next(
        u for u in db.session.scalars(db.select(User).where(User.dealer_id == store.dealer_id))
    )


def _close(rng, action, dealer_user: User, auditor: User, day: date, *, reopen: bool) -> None:
    language = _language(action.store)
    responded = day + timedelta(days=rng.randint(1, 6))
    corrective.respond(
        action,
        comment=rng.choice(RESPONSES[language]),
        photos=[_photo(rng, "evidence.jpg")] if action.item.photo_required else [],
        actor=dealer_user,
        now=_at(responded, 11),
    )
    if reopen:
        corrective.reopen(
            action,
            comment="Not fixed properly yet: see the photo."
            if language == "en"
            else "整改不到位，请重新处理。",
            due_on=None,
            actor=auditor,
            now=_at(responded + timedelta(days=2), 16),
        )
        responded += timedelta(days=4)
        corrective.respond(
            action,
            comment=rng.choice(RESPONSES[language]),
            photos=[_photo(rng, "evidence.jpg")],
            actor=dealer_user,
            now=_at(responded, 11),
        )
    corrective.verify(action, comment="", actor=auditor, now=_at(responded + timedelta(days=3), 15))


def _acknowledge(audit: Audit, day: date) -> None:
    comment = "" if _language(audit.store) == "en" else "已收到，会按期整改。"
    services.acknowledge(audit, comment=comment, actor=_dealer_user(audit.store), now=_at(day, 10))


def _open_work(
    rng, network: DemoNetwork, standard: Standard, stores: list[Store], demo: DemoAudits
) -> None:
    """Today's state: open, overdue and responded actions; audits ahead and under way."""
    today = clock.today()
    recent = demo.audits[-len(stores) :]
    for index, audit in enumerate(recent):
        dealer_user = _dealer_user(audit.store)
        for number, action in enumerate(audit.actions):
            bucket = (index + number) % 4
            if bucket in (0, 3):
                continue  # still open (overdue once its due date passes)
            corrective.respond(
                action,
                comment=rng.choice(RESPONSES[_language(audit.store)]),
                photos=[_photo(rng, "evidence.jpg")],
                actor=dealer_user,
                now=_at(min(today, audit.completed_at.date() + timedelta(days=2)), 11),
            )
            if bucket == 2:
                corrective.verify(action, comment="", actor=_auditor(audit.store), now=utcnow())
    north = network.users["north.supervisor@demo.example"]
    south = network.users["south.supervisor@demo.example"]
    n01 = network.dealers["N01"].stores
    s02 = network.dealers["S02"].stores
    e02 = network.dealers["E02"].stores
    scheduling.schedule_audit(
        store=n01[2],
        standard=standard,
        scheduled_for=today + timedelta(days=5),
        announced=True,
        actor=north,
    )
    scheduling.schedule_audit(
        store=s02[2],
        standard=standard,
        scheduled_for=today + timedelta(days=9),
        announced=False,
        actor=south,
    )
    overdue = scheduling.schedule_audit(
        store=e02[1],
        standard=standard,
        scheduled_for=today - timedelta(days=3),
        announced=True,
        actor=south,
        on=today - timedelta(days=20),
    )
    in_progress = scheduling.schedule_audit(
        store=network.dealers["N02"].stores[1],
        standard=standard,
        scheduled_for=today,
        announced=True,
        actor=north,
    )
    services.start(in_progress, actor=north)
    for answer in in_progress.answers[:12]:
        services.save_answer(in_progress, answer, result=AnswerResult.PASS, note="", actor=north)
    with_failures = next((a for a in recent if a.actions), None)
    if with_failures is not None:
        scheduling.schedule_follow_up(
            with_failures,
            scheduled_for=today + timedelta(days=14),
            announced=True,
            actor=_auditor(with_failures.store),
        )
    demo.audits += [overdue, in_progress]


def _photo(rng: random.Random, name: str) -> FileStorage:
    """A small generated JPEG standing in for a phone photo."""
    image = Image.new("RGB", (320, 240), (rng.randint(150, 230),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        x, y = rng.randint(0, 280), rng.randint(0, 200)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle((x, y, x + rng.randint(20, 100), y + rng.randint(20, 80)), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=name, content_type="image/jpeg")
