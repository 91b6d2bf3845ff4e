"""Demo sales plans and store reports: 12 months of history with every status and flag.

Figures follow a store's format, the season and each dealer's form; the current and next
month hold a realistic mix of work in progress (approved, submitted, returned, draft,
late and missing), so every plan, report, review and plan-vs-actual page has content.
"""

# ruff: noqa: RUF001  (Chinese demo text uses full-width punctuation)
from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import insert
from werkzeug.datastructures import FileStorage

from portal import clock, notifications, periods, storage
from portal.access.plans import REPORT_OWNER_TYPE
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.metrics import rollup
from portal.models import (
    CompetitorActivity,
    CompetitorActivityKind,
    Dealer,
    DealerStatus,
    PlanAction,
    PlanStatus,
    PlanTransition,
    ReportAction,
    ReportStatus,
    ReportTransition,
    SalesPlan,
    SalesPlanLine,
    Store,
    StoreFormat,
    StoreReport,
    StoreReportLine,
    User,
)

FORMAT_SIZE = {
    StoreFormat.FLAGSHIP: 3.0,
    StoreFormat.STANDARD: 1.0,
    StoreFormat.SHOP_IN_SHOP: 0.6,
    StoreFormat.COUNTER: 0.4,
    StoreFormat.OUTLET: 0.8,
}
# Share of a store's revenue and average price per unit, by product line code.
LINE_MIX = {
    "FTW": (0.35, 620),
    "APP": (0.30, 280),
    "ACC": (0.12, 150),
    "EQP": (0.13, 840),
    "KID": (0.10, 240),
}
SEASON = [0.85, 1.10, 0.90, 0.95, 1.00, 1.05, 1.00, 0.95, 1.05, 1.10, 1.30, 1.20]
STANDARD_STORE_REVENUE = 320_000  # CNY a month

COMPETITORS = ["Nike", "Adidas", "Anta", "Li-Ning", "Xtep", "361°", "Puma", "Decathlon"]
OBSERVATIONS = {
    "en": {
        CompetitorActivityKind.PRICING: "Running shoes 20% off all month.",
        CompetitorActivityKind.PROMOTION: "Buy two, get the third free on apparel.",
        CompetitorActivityKind.NEW_STORE: "Opened a 400 m² store across the street.",
        CompetitorActivityKind.PRODUCT_LAUNCH: "Launched a new basketball shoe with a queue.",
        CompetitorActivityKind.STAFFING: "Hiring experienced sales staff at higher pay.",
    },
    "zh": {
        CompetitorActivityKind.PRICING: "跑鞋全月八折。",
        CompetitorActivityKind.PROMOTION: "服装买二送一。",
        CompetitorActivityKind.NEW_STORE: "对面新开一家400平方米门店。",
        CompetitorActivityKind.PRODUCT_LAUNCH: "新款篮球鞋发售，门口排队。",
        CompetitorActivityKind.STAFFING: "高薪招聘有经验的导购。",
    },
}
ISSUES = {
    "en": [
        "",
        "",
        "Air conditioning broke for a week.",
        "Two size runs of FTW out of stock.",
        "Mall renovation reduced footfall.",
        "POS terminal down on a Saturday.",
    ],
    "zh": [
        "",
        "",
        "空调坏了一周。",
        "两个鞋码断货。",
        "商场装修，客流减少。",
        "周六收银系统故障。",
    ],
}
FEEDBACK = {
    "en": [
        "Customers ask for more kids' sizes.",
        "Good response to the new running line.",
        "Requests for longer opening hours.",
        "Complaints about fitting room queues.",
    ],
    "zh": [
        "顾客希望童装尺码更多。",
        "新跑步系列反响很好。",
        "顾客希望延长营业时间。",
        "试衣间排队时间长。",
    ],
}


@dataclass
class _Context:
    rng: random.Random
    now: datetime
    current: str
    due_day: int
    due_days: int
    lines: list
    supervisors: dict[int, User]  # region id -> a supervisor
    dealer_users: dict[int, User]
    # Child rows, inserted in bulk once their parents have ids (the ORM is slow for
    # thousands of lines): (parent, model, foreign key column, values).
    children: list = field(default_factory=list)

    def later(self, parent, model, key: str, **values) -> None:
        self.children.append((parent, model, key, values))


def seed_plans(demo: DemoNetwork, today: date | None = None) -> None:
    """Plans and reports for the 12 months up to `today` (and next month's plans)."""
    today = today or clock.today()
    config = current_app.config
    context = _Context(
        rng=random.Random(20260301),  # noqa: S311  (repeatable demo data)
        now=datetime.combine(today, time(9, 0), tzinfo=UTC),
        current=periods.of(today),
        due_day=config["PLAN_DUE_DAY"],
        due_days=config["REPORT_DUE_DAYS"],
        lines=[line for line in demo.product_lines if line.code in LINE_MIX],
        supervisors=_supervisors(demo),
        dealer_users={u.dealer_id: u for u in demo.users.values() if u.dealer_id is not None},
    )
    for index, dealer in enumerate(sorted(demo.dealers.values(), key=lambda d: d.code)):
        if dealer.status == DealerStatus.PROSPECT:
            continue
        form = 0.86 + 0.03 * (index % 8)  # how well this dealer sells against plan
        for offset in range(-11, 2):
            period = periods.shift(context.current, offset)
            if dealer.status == DealerStatus.TERMINATED and offset > -7:
                continue
            _month(context, dealer, period, offset, form, index)
    db.session.flush()
    _insert_children(context)
    rollup.rebuild_all()  # the lines went in with Core inserts, past the flush events
    _photos(context, demo)
    _notifications(context)


def _supervisors(demo: DemoNetwork) -> dict[int, User]:
    chosen: dict[int, User] = {}
    for user in demo.users.values():
        for region in user.regions:
            chosen.setdefault(region.id, user)
    return chosen


def _month(context, dealer: Dealer, period: str, offset: int, form: float, index: int) -> None:
    rng = context.rng
    season = SEASON[periods.split(period)[1] - 1]
    stores = [store for store in dealer.stores if offset <= -7 or store.active]
    targets = {}
    for store in stores:
        for line in context.lines:
            share, price = LINE_MIX[line.code]
            revenue = STANDARD_STORE_REVENUE * FORMAT_SIZE[store.format] * share * season
            revenue = round(revenue * rng.uniform(0.95, 1.08) / 1000) * 1000
            targets[(store, line)] = (revenue * 100, max(1, round(revenue / price)))
    _plan(context, dealer, period, offset, index, targets)
    if offset <= 0:
        for store in stores:
            _report(context, dealer, store, period, offset, form, targets)


def _plan_fate(rng: random.Random, offset: int, index: int) -> str | None:
    """What happened to this plan: approved, returned-then-approved, submitted, … or none."""
    if offset <= -2:
        return "approved_after_return" if rng.random() < 0.15 else "approved"
    if offset == -1:
        return "submitted" if index % 6 == 1 else "approved"
    if offset == 0:
        return {1: "submitted", 4: "submitted", 7: "returned", 9: None}.get(index, "approved")
    return {0: "submitted", 2: "submitted", 3: "draft", 5: "draft", 8: None, 10: None}.get(
        index, "submitted"
    )


def _plan(context, dealer: Dealer, period: str, offset: int, index: int, targets) -> None:
    rng = context.rng
    fate = _plan_fate(rng, offset, index)
    if fate is None:
        return  # missing
    due = _at(periods.plan_due_date(period, context.due_day))
    late = rng.random() < 0.12
    submitted = (
        due + timedelta(days=rng.randint(1, 5))
        if late
        else due - timedelta(days=rng.randint(0, 8), hours=rng.randint(0, 8))
    )
    created = submitted - timedelta(days=rng.randint(2, 6))
    plan = SalesPlan(
        dealer=dealer,
        period=period,
        status=PlanStatus.DRAFT,
        created_at=created,
        note="",
        created_by_id=context.dealer_users[dealer.id].id,
    )
    for (store, line), (revenue, units) in targets.items():
        context.later(
            plan,
            SalesPlanLine,
            "plan_id",
            store_id=store.id,
            product_line_id=line.id,
            revenue_minor=revenue,
            units=units,
        )
    dealer_user = context.dealer_users[dealer.id]
    supervisor = context.supervisors.get(dealer.region_id)
    steps = [(PlanAction.CREATE, None, PlanStatus.DRAFT, dealer_user, created, "")]
    if fate != "draft":
        steps.append(
            (PlanAction.SUBMIT, PlanStatus.DRAFT, PlanStatus.SUBMITTED, dealer_user, submitted, "")
        )
        plan.first_submitted_at = plan.submitted_at = _clamp(context, submitted)
    decided = submitted + timedelta(days=rng.randint(1, 4), hours=rng.randint(1, 6))
    if fate in ("approved_after_return", "returned"):
        comment = _return_comment(dealer)
        steps.append(
            (
                PlanAction.RETURN,
                PlanStatus.SUBMITTED,
                PlanStatus.RETURNED,
                supervisor,
                decided,
                comment,
            )
        )
        if fate == "approved_after_return":
            resubmitted = decided + timedelta(days=1, hours=rng.randint(1, 5))
            steps.append(
                (
                    PlanAction.SUBMIT,
                    PlanStatus.RETURNED,
                    PlanStatus.SUBMITTED,
                    dealer_user,
                    resubmitted,
                    "",
                )
            )
            plan.submitted_at = _clamp(context, resubmitted)
            decided = resubmitted + timedelta(days=1)
    if fate in ("approved", "approved_after_return"):
        steps.append(
            (PlanAction.APPROVE, PlanStatus.SUBMITTED, PlanStatus.APPROVED, supervisor, decided, "")
        )
        plan.decided_at = _clamp(context, decided)
    for action, before, after, actor, at, comment in steps:
        context.later(
            plan,
            PlanTransition,
            "plan_id",
            action=action,
            from_status=before,
            to_status=after,
            actor_id=actor.id if actor else None,
            at=_clamp(context, at),
            comment=comment,
        )
        plan.status = after
    if offset == 0 and fate == "returned":
        plan.note = _note(dealer)
    db.session.add(plan)


def _report(context, dealer, store: Store, period: str, offset: int, form: float, targets) -> None:
    rng = context.rng
    fate = _report_fate(rng, offset, store)
    if fate is None:
        return
    language = "en" if dealer.name.isascii() else "zh"
    due = _at(periods.report_due_date(period, context.due_days))
    late = rng.random() < 0.1
    submitted = (
        due + timedelta(days=rng.randint(1, 6))
        if late
        else due - timedelta(days=rng.randint(0, 8), hours=rng.randint(0, 8))
    )
    report = StoreReport(
        store=store,
        dealer=dealer,
        period=period,
        status=ReportStatus.DRAFT,
        footfall=round(FORMAT_SIZE[store.format] * rng.uniform(5200, 7800)),
        closing_stock_minor=round(FORMAT_SIZE[store.format] * rng.uniform(380_000, 520_000)) * 100,
        staff_count=max(2, round(FORMAT_SIZE[store.format] * rng.uniform(5, 8))),
        issues=rng.choice(ISSUES[language]),
        customer_feedback=rng.choice(FEEDBACK[language]),
        created_at=submitted - timedelta(days=2),
        created_by_id=context.dealer_users[dealer.id].id,
    )
    for line in context.lines:
        revenue, units = targets[(store, line)]
        factor = form * rng.uniform(0.9, 1.12)
        context.later(
            report,
            StoreReportLine,
            "report_id",
            product_line_id=line.id,
            revenue_minor=round(revenue * factor),
            units=round(units * factor),
        )
    for position in range(rng.choice([0, 0, 1, 1, 2])):
        kind = rng.choice(list(OBSERVATIONS[language]))
        context.later(
            report,
            CompetitorActivity,
            "report_id",
            position=position,
            competitor=rng.choice(COMPETITORS),
            kind=kind,
            observation=OBSERVATIONS[language][kind],
        )
    dealer_user = context.dealer_users[dealer.id]
    supervisor = context.supervisors.get(dealer.region_id)
    steps = [
        (
            ReportAction.CREATE,
            None,
            ReportStatus.DRAFT,
            dealer_user,
            submitted - timedelta(days=2),
            "",
        )
    ]
    if fate != "draft":
        steps.append(
            (
                ReportAction.SUBMIT,
                ReportStatus.DRAFT,
                ReportStatus.SUBMITTED,
                dealer_user,
                submitted,
                "",
            )
        )
        report.first_submitted_at = report.submitted_at = _clamp(context, submitted)
    decided = submitted + timedelta(days=rng.randint(2, 7))
    if fate == "reviewed":
        steps.append(
            (
                ReportAction.REVIEW,
                ReportStatus.SUBMITTED,
                ReportStatus.REVIEWED,
                supervisor,
                decided,
                "",
            )
        )
    elif fate == "returned":
        steps.append(
            (
                ReportAction.RETURN,
                ReportStatus.SUBMITTED,
                ReportStatus.RETURNED,
                supervisor,
                decided,
                _report_comment(dealer),
            )
        )
    for action, before, after, actor, at, comment in steps:
        context.later(
            report,
            ReportTransition,
            "report_id",
            action=action,
            from_status=before,
            to_status=after,
            actor_id=actor.id if actor else None,
            at=_clamp(context, at),
            comment=comment,
        )
        report.status = after
    if fate in ("reviewed", "returned"):
        report.decided_at = _clamp(context, decided)
    db.session.add(report)


def _report_fate(rng: random.Random, offset: int, store: Store) -> str | None:
    roll = rng.random()
    if offset <= -2:
        if roll < 0.03:
            return None  # missing
        return "submitted" if roll < 0.10 else "reviewed"
    if offset == -1:
        if roll < 0.08:
            return None
        if roll < 0.16:
            return "draft"
        if roll < 0.24:
            return "returned"
        return "submitted" if roll < 0.70 else "reviewed"
    return "draft" if store.code.endswith("01") and roll < 0.5 else None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=UTC)


def _clamp(context, at: datetime) -> datetime:
    """Nothing in the demo happens in the future."""
    return min(at, context.now - timedelta(minutes=30))


def _return_comment(dealer: Dealer) -> str:
    if dealer.name.isascii():
        return "Footwear targets look low against last year; please revisit the flagship."
    return "鞋类目标低于去年同期，请重新评估旗舰店目标。"


def _report_comment(dealer: Dealer) -> str:
    if dealer.name.isascii():
        return "Closing stock looks too high; please check the count."
    return "期末库存偏高，请核对盘点数据。"


def _note(dealer: Dealer) -> str:
    if dealer.name.isascii():
        return "Mall renovation on the second floor may hold back apparel."
    return "商场二楼装修，服装销售可能受影响。"


def _insert_children(context) -> None:
    rows: dict[type, list[dict]] = {}
    for parent, model, key, values in context.children:
        rows.setdefault(model, []).append({key: parent.id, **values})
    for model, batch in rows.items():
        db.session.execute(insert(model), batch)
    context.children.clear()


def _photos(context, demo: DemoNetwork) -> None:
    """A few store photos on last month's reports (generated, so nothing is downloaded)."""
    period = periods.shift(context.current, -1)
    reports = db.session.scalars(
        db.select(StoreReport)
        .where(StoreReport.period == period, StoreReport.status != ReportStatus.DRAFT)
        .order_by(StoreReport.id)
        .limit(3)
    ).all()
    for number, report in enumerate(reports):
        image = Image.new("RGB", (640, 420), (220 - number * 40, 230, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle((40, 60, 600, 360), outline=(40, 60, 90), width=6)
        draw.text((60, 80), f"{report.store.code} {period}", fill=(20, 30, 50))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        buffer.seek(0)
        storage.save_upload(
            FileStorage(buffer, filename=f"shopfront-{report.store.code}.jpg"),
            owner_type=REPORT_OWNER_TYPE,
            owner_id=report.id,
            dealer_id=report.dealer_id,
            uploaded_by=context.dealer_users[report.dealer_id],
        )


def _notifications(context) -> None:
    """Unread messages about the work in progress, as the services would have sent them."""
    waiting = db.session.scalars(
        db.select(SalesPlan).where(
            SalesPlan.status.in_([PlanStatus.SUBMITTED, PlanStatus.RETURNED])
        )
    ).all()
    for plan in waiting:
        link = f"/plans/{plan.id}"
        if plan.status == PlanStatus.SUBMITTED:
            notifications.notify_supervisors_of(
                plan.dealer_id,
                "plan.submitted",
                link=link,
                dealer=f"{plan.dealer.code} {plan.dealer.name}",
                period=plan.period,
            )
        else:
            notifications.notify_dealer(
                plan.dealer_id,
                "plan.returned",
                link=link,
                period=plan.period,
                comment=db.session.scalar(
                    db.select(PlanTransition.comment)
                    .where(PlanTransition.plan_id == plan.id)
                    .order_by(PlanTransition.at.desc(), PlanTransition.id.desc())
                    .limit(1)
                ),
            )
