"""Demo notices: published policies (one with two versions), a running promotion with partial
acknowledgement and execution (some with photos), a draft and an archived notice."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.models import ExecutionStatus, Notice, NoticeReceipt, User
from portal.notices import responses, services

RETURNS_V1 = """\
From the effective date, every store accepts returns of **unworn** footwear and apparel
within **30 days** of purchase, with the receipt.

- Refund to the original means of payment.
- Sale items: exchange only.
- Record every return in the POS with reason code *RT*.
"""
RETURNS_V2 = RETURNS_V1.replace("**30 days**", "**14 days**") + (
    "\nMembers of the loyalty programme keep the 30-day window.\n"
)
OPENING_HOURS = """\
## Spring Festival opening hours

| Day | Hours |
|:--|--:|
| Eve | 10:00-16:00 |
| Day 1 | closed |
| Days 2-7 | 11:00-20:00 |

Post the hours at the entrance one week ahead.
"""
FRANCHISE_FEES = """\
Franchise fee invoices are now issued on the **5th** of each month and are due within
15 days. Questions: [finance portal](https://finance.example.com/franchise).
"""
PROMOTION = """\
# Summer running promotion

Buy any running shoe and get **20 % off** running apparel.

1. Set up the running display at the entrance (kit delivered by the distributor).
2. Put the price cards on every eligible shelf.
3. Brief the team on the rules: one discount per receipt, not with other offers.

Confirm each store below with a photo of the display in place.
"""
UNIFORMS = "Staff wear the 2024 uniform from 1 March; the old one is retired."


def _photo(rng: random.Random, label: str) -> FileStorage:
    """A small JPEG standing in for a photo of the display in a store."""
    image = Image.new("RGB", (480, 360), (rng.randint(180, 230),) * 3)
    draw = ImageDraw.Draw(image)
    colour = (rng.randint(0, 90), rng.randint(90, 200), rng.randint(150, 255))
    draw.rectangle((40, 60, 440, 300), outline=(60, 60, 60), width=6)
    for shelf in range(3):
        top = 90 + shelf * 70
        draw.rectangle((70, top, 410, top + 40), fill=colour)
    draw.text((60, 20), f"SUMMER RUN - {label}", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return FileStorage(stream=io.BytesIO(buffer.getvalue()), filename=f"display-{label}.jpg")


def _poster() -> FileStorage:
    image = Image.new("RGB", (600, 800), (250, 120, 30))
    ImageDraw.Draw(image).text((40, 40), "SUMMER RUN -20%", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return FileStorage(stream=io.BytesIO(buffer.getvalue()), filename="summer-run-poster.jpg")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 15), tzinfo=UTC)


def _publish(notice: Notice, actor: User, day: date) -> None:
    """Publish as if on `day` (the demo shows notices that have been running a while)."""
    version = services.publish(notice, actor=actor, today=day)
    notice.published_at = version.published_at = _at(day, 9)


def _values(kind: str, title: str, body: str, start: date, **extra) -> dict:
    return {"kind": kind, "title": title, "body": body, "effective_from": start, **extra}


def _acknowledge(notice: Notice, user: User, day: date, hour: int, *, read_only=False) -> None:
    responses.mark_read(notice, user=user)
    if not read_only:
        responses.acknowledge(notice, user=user, version=notice.current_version)
    db.session.flush()
    receipt = db.session.scalar(
        select(NoticeReceipt).where(
            NoticeReceipt.notice_id == notice.id,
            NoticeReceipt.dealer_id == user.dealer_id,
            NoticeReceipt.version_number == notice.current_version,
        )
    )
    receipt.read_at = _at(day, hour)
    if receipt.acknowledged_at is not None:
        receipt.acknowledged_at = _at(day, hour + 1)


def seed_notices(demo: DemoNetwork) -> None:
    rng = random.Random(20240505)  # noqa: S311  (deterministic demo data)
    today = clock.today()
    users = demo.users
    admin = users["admin@demo.example"]
    north = users["north.supervisor@demo.example"]
    south = users["south.supervisor@demo.example"]
    regions = demo.regions
    dealer_user = {code: users[f"{code.lower()}@demo.example"] for code in demo.dealers}

    # 1. A network-wide policy, materially changed once: some dealers acknowledged only v1.
    returns, _ = services.create_notice(
        _values("policy", "Returns and exchanges", RETURNS_V1, today - timedelta(days=40),
                audience="network", acknowledge_days=7),
        author=admin,
    )  # fmt: skip
    _publish(returns, admin, today - timedelta(days=40))
    for code in ("N01", "N02", "N04", "E01", "E02", "E04", "S01", "S02"):
        _acknowledge(returns, dealer_user[code], today - timedelta(days=rng.randint(33, 39)), 10)
    services.make_material_change(
        returns,
        _values("policy", "Returns and exchanges", RETURNS_V2, today - timedelta(days=40),
                audience="network", acknowledge_days=7),
        actor=admin,
        change_note="The return window is now 14 days (30 days for loyalty members).",
        today=today - timedelta(days=9),
    )  # fmt: skip
    returns.versions[-1].published_at = _at(today - timedelta(days=9), 9)
    for code in ("N01", "E01", "S02", "S04"):
        _acknowledge(returns, dealer_user[code], today - timedelta(days=rng.randint(3, 8)), 11)
    _acknowledge(returns, dealer_user["N02"], today - timedelta(days=2), 14, read_only=True)

    # 2. A regional policy from the North supervisor.
    hours, _ = services.create_notice(
        _values("policy", "Spring Festival opening hours", OPENING_HOURS, today,
                effective_to=today + timedelta(days=45), audience="regions",
                region_ids=[regions["NORTH"].id], acknowledge_days=5),
        author=north,
    )  # fmt: skip
    _publish(hours, north, today - timedelta(days=3))
    _acknowledge(hours, dealer_user["N01"], today - timedelta(days=2), 9)
    _acknowledge(hours, dealer_user["N04"], today - timedelta(days=1), 16, read_only=True)

    # 3. A policy for franchisees only.
    fees, _ = services.create_notice(
        _values("policy", "Franchise fee invoicing", FRANCHISE_FEES, today - timedelta(days=20),
                audience="kind", audience_kind="franchisee", acknowledge_days=10),
        author=admin,
    )  # fmt: skip
    _publish(fees, admin, today - timedelta(days=20))
    for code in ("N01", "E01", "S01"):
        _acknowledge(fees, dealer_user[code], today - timedelta(days=rng.randint(12, 18)), 15)

    # 4. A running promotion in East and South: deadline passed, partial execution.
    promo_start = today - timedelta(days=5)
    promotion, _ = services.create_notice(
        _values("promotion", "Summer running promotion", PROMOTION, promo_start,
                effective_to=today + timedelta(days=25), audience="regions",
                region_ids=[regions["EAST"].id, regions["SOUTH"].id], acknowledge_days=5,
                promotion_start=promo_start, promotion_end=today + timedelta(days=25),
                execution_deadline=today - timedelta(days=2)),
        author=south,
        files=[_poster()],
    )  # fmt: skip
    published_on = today - timedelta(days=12)
    _publish(promotion, south, published_on)
    for code, offset in (("E01", 11), ("E02", 10), ("S01", 8), ("S02", 6), ("E04", 4)):
        _acknowledge(promotion, dealer_user[code], today - timedelta(days=offset), 10)
    _acknowledge(promotion, dealer_user["S04"], today - timedelta(days=3), 12, read_only=True)
    _seed_executions(promotion, demo, dealer_user, rng, today)

    # 5. A draft promotion and 6. an archived policy.
    services.create_notice(
        _values("promotion", "Back-to-school kids bundle", "Bundle draft: **kids shoes + bag**.",
                today + timedelta(days=20), audience="regions", region_ids=[regions["NORTH"].id],
                promotion_start=today + timedelta(days=20),
                promotion_end=today + timedelta(days=50),
                execution_deadline=today + timedelta(days=18)),
        author=north,
    )  # fmt: skip
    uniforms, _ = services.create_notice(
        _values("policy", "New staff uniform", UNIFORMS, today - timedelta(days=120),
                audience="network", acknowledge_days=14),
        author=admin,
    )  # fmt: skip
    _publish(uniforms, admin, today - timedelta(days=120))
    for code in ("N01", "N02", "E01", "E02", "S01", "S02"):
        _acknowledge(uniforms, dealer_user[code], today - timedelta(days=110), 10)
    services.archive(uniforms, actor=admin)
    db.session.flush()


def _seed_executions(promotion, demo, dealer_user, rng, today) -> None:
    """Some stores executed on time (most with a photo), one late, one not possible."""
    deadline = promotion.execution_deadline
    plan = [
        ("E01", 0, ExecutionStatus.DONE, 4, True),
        ("E01", 1, ExecutionStatus.DONE, 3, True),
        ("E01", 2, ExecutionStatus.NOT_POSSIBLE, 3, False),
        ("E02", 0, ExecutionStatus.DONE, 5, True),
        ("S01", 0, ExecutionStatus.DONE, 2, True),
        ("S01", 1, ExecutionStatus.DONE, 1, False),
        ("S02", 0, ExecutionStatus.DONE, -1, True),  # a day after the deadline: late
    ]
    for code, index, status, days_before, with_photo in plan:
        store = demo.dealers[code].stores[index]
        day = deadline - timedelta(days=days_before)
        execution, _ = responses.report_execution(
            promotion,
            store,
            user=dealer_user[code],
            version=promotion.current_version,
            status=status,
            reason="" if status == ExecutionStatus.DONE else "The display kit arrived damaged.",
            photo=_photo(rng, store.code) if with_photo else None,
            today=day,
        )
        execution.reported_at = _at(day, rng.randint(9, 17))
    db.session.flush()
