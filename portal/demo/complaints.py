# ruff: noqa: RUF001  (the Chinese demo text uses full-width punctuation)
"""Demo complaints: a year of customer complaints and the ones open today.

Every complaint is recorded and moved through the real services, each step at its own
moment: the steps of all complaints are replayed in time order with the clock held at each
(`clock.frozen`), and the escalation run is called whenever an escalation falls due, as the
periodic job would. So deadlines, on-time flags, escalations, the transition log, the
activity log and notifications are what the portal itself produces. Most complaints are
forwarded and resolved on time; some are forwarded or resolved late (and escalated), a few
come back (repeats), a few are serious, and several are open now, one of them overdue.
Chinese-named dealers' complaints are written in Chinese. Randomness is seeded.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from portal import clock
from portal.complaints import deadlines, escalation, services
from portal.complaints.hours import Calendar
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    Holiday,
    Notification,
    ProductLine,
    Remedy,
    SeriousKind,
    Severity,
    Store,
    User,
)

ZONE = "Asia/Shanghai"
HISTORY = 40  # complaints over the past year, besides the ones open now
# How the history's complaints go (the rest go by the book).
LATE_FORWARD, LATE_RESOLVE, REPEATS, SERIOUS = 4, 4, 3, 4
AFTER_SALES = {"NORTH": "north.supervisor@demo.example", "EAST": "south.supervisor@demo.example",
               "SOUTH": "south.supervisor@demo.example"}  # fmt: skip
# Fixed-date public holidays (month, day, name); the lunar ones move and are left out.
HOLIDAYS = [
    (1, 1, "New Year's Day"),
    (5, 1, "Labour Day"),
    (5, 2, "Labour Day"),
    (5, 3, "Labour Day"),
    *((10, day, "National Day") for day in range(1, 8)),
]

TEXT = {
    "en": {
        "QUALITY": [
            "The sole of the running shoes came off after two weeks.",
            "The jacket's zip broke the first time it was worn.",
            "Stitching on the backpack strap is coming apart.",
            "The tennis racket's frame cracked after a month.",
        ],
        "SERVICE": [
            "Staff ignored the customer for twenty minutes at the fitting rooms.",
            "The cashier was rude when asked for a receipt.",
            "Promised a call back about a size exchange; nobody called.",
        ],
        "DELIVERY": [
            "The online order arrived five days late and the box was damaged.",
            "Delivered the wrong colour; the exchange has not arrived.",
        ],
        "PRICE": [
            "Charged the full price although the item was marked down.",
            "Price on the shelf differs from the price at the till.",
        ],
        "PROMOTION": [
            "The buy-two-get-one offer was refused at the till.",
            "Member points from the promotion were never credited.",
        ],
        "OTHER": [
            "The store closed early without notice; the customer came to pick up an order.",
        ],
        "serious": {
            SeriousKind.INJURY: "The treadmill's belt jammed and the customer fell; bruised knee.",
            SeriousKind.SAFETY: "Heater in the fitting room sparked; the customer smelled burning.",
            SeriousKind.MEDIA: "A video of staff arguing with the customer is circulating online.",
            SeriousKind.REGULATOR: "The customer filed a complaint with the market regulator.",
        },
        "forward": ["Sent to after-sales with photos.", "Forwarded; customer informed.", ""],
        "start": [
            "Called the customer to arrange a visit.",
            "Collected the item for checking.",
            "",
        ],
        "resolve": [
            "Replaced the item; the customer is satisfied.",
            "Refunded in full and apologised.",
            "Repaired free of charge and returned.",
            "Apologised in person; staff briefed.",
        ],
        "reopen": [
            "The customer called again: the same fault is back.",
            "The refund has not reached the customer's card.",
        ],
        "close": ["Customer confirmed by phone.", ""],
        "names": ["Emma Zhou", "Jack Lin", "Olivia Wang", "Leo Chen", "Grace Liu", "Tom Huang"],
    },
    "zh": {
        "QUALITY": [
            "跑鞋穿了两周鞋底就脱胶了。",
            "外套第一次穿拉链就坏了。",
            "双肩包背带开线。",
            "网球拍用了一个月框架开裂。",
        ],
        "SERVICE": [
            "顾客在试衣间等了二十分钟无人接待。",
            "收银员在顾客索要小票时态度恶劣。",
            "承诺回电处理换码，一直没有回复。",
        ],
        "DELIVERY": ["网购订单晚到五天，包装破损。", "发错颜色，换货至今未到。"],
        "PRICE": ["商品已标降价，结账仍按原价收费。", "货架标价与收银价格不一致。"],
        "PROMOTION": ["买二送一活动在收银台被拒绝。", "活动会员积分一直没有到账。"],
        "OTHER": ["门店未通知提前关门，顾客专程来取货扑空。"],
        "serious": {
            SeriousKind.INJURY: "跑步机皮带卡住，顾客摔倒，膝盖擦伤。",
            SeriousKind.SAFETY: "试衣间取暖器冒火花，有焦糊味。",
            SeriousKind.MEDIA: "店员与顾客争执的视频在网上传播。",
            SeriousKind.REGULATOR: "顾客已向市场监管部门投诉。",
        },
        "forward": ["已连同照片转售后。", "已转售后，并告知顾客。", ""],
        "start": ["已致电顾客约定上门。", "已取回商品检测。", ""],
        "resolve": [
            "已换新，顾客满意。",
            "已全额退款并致歉。",
            "已免费维修并送回。",
            "已当面致歉，并对员工进行培训。",
        ],
        "reopen": ["顾客再次来电：同样的问题又出现了。", "退款仍未到账。"],
        "close": ["已电话回访确认。", ""],
        "names": ["张丽", "李强", "王芳", "刘洋", "陈静", "杨帆"],
    },
}
SERIOUS_CHANNELS = {
    SeriousKind.MEDIA: Channel.SOCIAL_MEDIA,
    SeriousKind.REGULATOR: Channel.CONSUMER_ASSOCIATION,
}
REMEDIES = [Remedy.REPLACEMENT, Remedy.REFUND, Remedy.REPAIR, Remedy.APOLOGY]
COSTS = {Remedy.REPLACEMENT: 45_000, Remedy.REFUND: 60_000, Remedy.REPAIR: 8_000}


@dataclass
class Plan:
    """How one complaint goes: where and when it comes in, and what happens to it."""

    store: Store
    received_at: datetime
    category: ComplaintCategory
    channel: Channel
    story: str  # on_time, late_forward, late_resolve, repeat, serious; open_* for today's
    serious_kind: SeriousKind | None = None


@dataclass
class _Cast:
    """Who acts: per dealer, the user who records and handles; per region, the supervisor
    (who closes). And the product lines a quality complaint names."""

    handlers: dict[int, User]
    supervisors: dict[int, User]
    lines: list[ProductLine]


def seed_complaints(network: DemoNetwork) -> list[Complaint]:
    """Regions' calendars and contacts, the categories, and the complaints (flushes)."""
    rng = random.Random(20250316)  # noqa: S311  (demo data, not security)
    now = clock.now()
    _calendars(network, now.date())
    services.ensure_default_categories()
    categories = list(db.session.scalars(select(ComplaintCategory).order_by("sort_order")))
    stores = [
        store
        for dealer in network.dealers.values()
        if dealer.active
        for store in dealer.stores
        if store.active
    ]
    cast = _cast(network)
    plans = _history(rng, stores, categories, now) + _today(network, categories, now)
    made = _replay(rng, plans, cast, now)
    # What happened before last week was read long ago.
    history = select(Notification).where(
        Notification.kind.like("complaint.%"),
        Notification.created_at < now - timedelta(days=7),
        Notification.read_at.is_(None),
    )
    for notification in db.session.scalars(history):
        notification.read_at = notification.created_at + timedelta(hours=2)
    db.session.flush()
    return made


def _calendars(network: DemoNetwork, today: date) -> None:
    for code, region in network.regions.items():
        region.timezone = ZONE
        region.after_sales_user = network.users[AFTER_SALES[code]]
    region = network.regions["SOUTH"]
    region.after_sales_email = "after-sales.south@demo.example"
    taken = set(db.session.scalars(select(Holiday.day).where(Holiday.region_id.is_(None))))
    for year in (today.year - 1, today.year, today.year + 1):
        for month, day, name in HOLIDAYS:
            if date(year, month, day) not in taken:
                db.session.add(Holiday(region_id=None, day=date(year, month, day), name=name))
    db.session.flush()


def _cast(network: DemoNetwork) -> _Cast:
    handlers, supervisors = {}, {}
    for user in network.users.values():
        if user.dealer_id is not None:
            handlers[user.dealer_id] = user
    for code, email in AFTER_SALES.items():
        supervisors[network.regions[code].id] = network.users[email]
    # A suspended dealer's users may only read: their region's supervisor records for them.
    for dealer in network.dealers.values():
        if dealer.status.value == "suspended":
            handlers[dealer.id] = supervisors[dealer.region_id]
    return _Cast(handlers, supervisors, network.product_lines)


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def _history(rng, stores: list[Store], categories, now: datetime) -> list[Plan]:
    stories = (
        ["late_forward"] * LATE_FORWARD
        + ["late_resolve"] * LATE_RESOLVE
        + ["repeat"] * REPEATS
        + ["serious"] * SERIOUS
    )
    stories += ["on_time"] * (HISTORY - len(stories))
    rng.shuffle(stories)
    weights = [5, 3, 2, 1, 1, 1]  # quality, service, delivery, price, promotion, other
    plans = []
    for number, story in enumerate(stories):
        # Spread over the year, the oldest first, the last about three weeks ago.
        day = (now - timedelta(days=360 - number * 340 // HISTORY)).date()
        channel = rng.choice([Channel.PHONE, Channel.PHONE, Channel.IN_STORE, Channel.ONLINE])
        if channel == Channel.ONLINE and rng.random() < 0.5:
            received = _local(day, rng.randint(19, 22), rng.randint(0, 59))  # after hours
        else:
            received = _local(day, rng.randint(9, 16), rng.randint(0, 59))
        kind = None
        if story == "serious":
            kind = list(SeriousKind)[number % len(SeriousKind)]
            channel = SERIOUS_CHANNELS.get(kind, channel)
        category = rng.choices(categories, weights=weights)[0]
        plans.append(Plan(rng.choice(stores), received, category, channel, story, kind))
    return plans


def _today(network: DemoNetwork, categories, now: datetime) -> list[Plan]:
    """The complaints open now: one of each state, and one overdue. The ones handled
    yesterday or the day before were received on the last business days, so that their
    steps fall before now on any day of the week."""
    now = now.replace(second=0, microsecond=0)
    calendar = deadlines.calendar_for(network.regions["NORTH"])
    yesterday = _business_day(calendar, calendar.local_date(now), 1)
    day_before = _business_day(calendar, yesterday, 1)
    by_code = {category.code: category for category in categories}
    stores = {code: dealer.stores for code, dealer in network.dealers.items()}
    return [
        Plan(stores["N01"][0], now - timedelta(days=12, hours=3), by_code["QUALITY"],
             Channel.IN_STORE, "open_overdue"),
        Plan(stores["E02"][0], now - timedelta(days=25), by_code["SERVICE"], Channel.PHONE,
             "open_reopened"),
        Plan(stores["N02"][0], _local(day_before, 10, 5), by_code["DELIVERY"],
             Channel.ONLINE, "open_in_progress"),
        Plan(stores["E01"][1], _local(yesterday, 15, 20), by_code["PRICE"],
             Channel.PHONE, "open_forwarded"),
        Plan(stores["S02"][1], now - timedelta(hours=5), by_code["QUALITY"], Channel.PHONE,
             "open_serious", SeriousKind.SAFETY),
        Plan(stores["N04"][0], now - timedelta(minutes=40), by_code["PROMOTION"],
             Channel.IN_STORE, "open_received"),
    ]  # fmt: skip


def _business_day(calendar: Calendar, day: date, back: int) -> date:
    """The business day `back` business days before `day`."""
    while back:
        day -= timedelta(days=1)
        back -= calendar.is_business_day(day)
    return day


def _language(store: Store) -> str:
    return "en" if store.dealer.name.isascii() else "zh"


Script = Generator[datetime, None, None]


def _replay(rng, plans: list[Plan], cast: _Cast, now: datetime) -> list[Complaint]:
    """Run every complaint's script in time order, the clock held at each step, sending the
    escalations due between steps as the periodic run does."""
    made: list[Complaint] = []
    order = count()
    queue: list[tuple[datetime, int, Script]] = []
    for plan in plans:
        heapq.heappush(queue, (plan.received_at, next(order), _script(rng, plan, cast, made)))
    while queue:
        at, _, script = heapq.heappop(queue)
        _escalate_until(at, made)
        # Each service flushes what it must; autoflushing before every query of a step
        # would only repeat that (the seed's main cost).
        with clock.frozen(at), db.session.no_autoflush:
            step = next(script, None)
        if step is not None and step <= now:  # a step still to come today is not taken
            heapq.heappush(queue, (step, next(order), script))
    _escalate_until(now, made)
    return made


def _escalate_until(until: datetime, made: list[Complaint]) -> None:
    """The escalation run at every instant one fell due up to `until`."""
    while True:
        due = min(
            (c.next_alert_at for c in made if c.next_alert_at and c.next_alert_at <= until),
            default=None,
        )
        if due is None:
            return
        with clock.frozen(due):
            escalation.run_due(due)
        # The run moves each complaint's next escalation past the ORM: read them back.
        pending = select(Complaint.id, Complaint.next_alert_at).where(
            Complaint.next_alert_at.is_not(None)
        )
        found = {row.id: row.next_alert_at for row in db.session.execute(pending)}
        for complaint in made:
            set_committed_value(complaint, "next_alert_at", found.get(complaint.id))


def _script(rng, plan: Plan, cast: _Cast, made: list[Complaint]) -> Script:
    """One complaint's life: each `yield` is when its next step is taken."""
    texts = TEXT[_language(plan.store)]
    handler = cast.handlers[plan.store.dealer_id]
    supervisor = cast.supervisors[plan.store.dealer.region_id]
    serious = plan.serious_kind is not None
    description = (
        texts["serious"][plan.serious_kind] if serious else rng.choice(texts[plan.category.code])
    )
    name = rng.choice(texts["names"])
    new = services.NewComplaint(
        store=plan.store,
        category=plan.category,
        channel=plan.channel,
        description=description,
        severity=Severity.SERIOUS if serious else Severity.NORMAL,
        serious_kind=plan.serious_kind,
        product_line=rng.choice(cast.lines) if plan.category.code == "QUALITY" else None,
        customer_name=name,
        customer_phone=f"+86 13{rng.randint(100000000, 999999999)}",
        received_at=plan.received_at,
    )
    complaint = services.record(new, actor=handler, now=plan.received_at)
    made.append(complaint)
    calendar = deadlines.Calendars().of(complaint)
    story = plan.story
    if story == "open_received":
        return
    hours = rng.uniform(0.2, 1.6)
    if story in ("late_forward", "open_overdue"):
        hours = rng.uniform(2.6, 7.0)
    yield calendar.add(complaint.received_at, hours * 3600)
    services.forward(complaint, actor=handler, comment=rng.choice(texts["forward"]))
    if story == "open_forwarded":
        return
    yield calendar.add(clock.now(), rng.uniform(0.3, 3) * 3600)
    services.start(complaint, actor=handler, comment=rng.choice(texts["start"]))
    if story in ("open_in_progress", "open_serious", "open_overdue"):
        return
    yield _resolve_time(rng, calendar, complaint, late=story == "late_resolve")
    _resolve(rng, complaint, handler, texts)
    yield calendar.add(clock.now(), rng.uniform(4, 16) * 3600)
    services.close(
        complaint,
        actor=supervisor,
        comment=rng.choice(texts["close"]),
        satisfaction=rng.choice([3, 4, 4, 5, 5]) if story != "late_resolve" else rng.randint(2, 4),
    )
    if story not in ("repeat", "open_reopened"):
        return
    back = clock.now() + timedelta(days=rng.randint(2, 6))
    yield calendar.add(back, rng.uniform(0.5, 4) * 3600)
    services.reopen(complaint, actor=handler, reason=rng.choice(texts["reopen"]))
    if story == "open_reopened":
        return
    yield calendar.add(clock.now(), rng.uniform(0.5, 2) * 3600)
    services.start(complaint, actor=handler)
    yield _resolve_time(rng, calendar, complaint, late=False)
    _resolve(rng, complaint, handler, texts)
    yield calendar.add(clock.now(), rng.uniform(4, 16) * 3600)
    services.close(complaint, actor=supervisor, comment=rng.choice(texts["close"]))


def _resolve_time(rng, calendar: Calendar, complaint: Complaint, *, late: bool) -> datetime:
    """Before the resolution target (most), or well after it."""
    start = deadlines.clock_start(complaint)
    share = rng.uniform(1.15, 1.9) if late else rng.uniform(0.35, 0.9)
    return max(calendar.point(start, complaint.resolve_due_at, share), clock.now())


def _resolve(rng, complaint: Complaint, handler: User, texts: dict) -> None:
    index = rng.randrange(len(REMEDIES))
    remedy = REMEDIES[index]
    services.resolve(
        complaint,
        actor=handler,
        remedy=remedy,
        comment=texts["resolve"][index],
        cost_minor=COSTS.get(remedy),
    )
