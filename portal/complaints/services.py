"""Complaint changes. Each function checks the rules, flushes, logs, notifies, never commits.

A complaint is recorded against a store by its dealer or by staff in scope; it then moves
one step at a time (`COMPLAINT_LIFECYCLE`): forwarded to the region's after-sales contact,
taken in hand, resolved with a remedy, closed by staff, or reopened when the customer comes
back (a repeat: a new resolution target starts). Who may take which step is
`portal.access.complaints`; what the steps say is `portal.lifecycle_text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import clock, lifecycle
from portal.complaints import deadlines, escalation, mailing
from portal.extensions import db
from portal.models import (
    COMPLAINT_LIFECYCLE,
    Channel,
    Complaint,
    ComplaintAction,
    ComplaintCategory,
    ComplaintStatus,
    ProductLine,
    Remedy,
    SeriousKind,
    Severity,
    Store,
    User,
)

# How far back a complaint's receipt may be dated (a call logged after the fact).
BACKDATE_LIMIT = timedelta(days=30)
DESCRIPTION_MAX = 5000
COST_MAX_MINOR = 10**12
DEFAULT_CATEGORIES = (
    ("QUALITY", "Product quality", "产品质量"),
    ("SERVICE", "Service", "服务"),
    ("DELIVERY", "Delivery", "送货"),
    ("PRICE", "Price", "价格"),
    ("PROMOTION", "Promotion", "促销"),
    ("OTHER", "Other", "其他"),
)


class ComplaintError(lifecycle.LifecycleError):
    """A change the complaint rules refuse; `field` names the form field to show it on."""


class ComplaintExists(lifecycle.RecordExists):
    """The same form was sent twice: `record` is the complaint it recorded."""


LIFECYCLE = lifecycle.Lifecycle(
    COMPLAINT_LIFECYCLE,
    error=ComplaintError,
    exists=ComplaintExists,
    about=lambda complaint: {
        "reference": complaint.reference,
        "store": complaint.store.name,
    },
    decided=lambda complaint: {"reference": complaint.reference},
    summary=lambda complaint: {
        "dealer_id": complaint.dealer_id,
        "store_id": complaint.store_id,
        "category": complaint.category.code,
        "severity": complaint.severity.value,
        "channel": complaint.channel.value,
    },
    link=lambda complaint: f"/complaints/{complaint.id}",
)


@dataclass
class NewComplaint:
    """What a form, an import row or an API call gives to record a complaint."""

    store: Store
    category: ComplaintCategory
    channel: Channel
    description: str
    severity: Severity = Severity.NORMAL
    serious_kind: SeriousKind | None = None
    product_line: ProductLine | None = None
    customer_name: str = ""
    customer_phone: str = ""
    customer_email: str = ""
    received_at: datetime | None = None
    client_key: str | None = None


def record(
    new: NewComplaint, *, actor: User, now: datetime | None = None, imported: bool = False
) -> Complaint:
    """Record a complaint received at `new.received_at` (default now) and start its clock.

    `imported`: an admin's CSV import of past complaints, which may be older than
    BACKDATE_LIMIT (every other rule applies)."""
    now = now or clock.now()
    received_at = new.received_at or now
    _check_new(new, received_at, now, backdate_limit=not imported)
    store = new.store
    complaint = Complaint(
        client_key=new.client_key or None,
        store=store,
        dealer_id=store.dealer_id,
        region_id=store.dealer.region_id,
        region=store.dealer.region,
        category=new.category,
        product_line=new.product_line,
        channel=new.channel,
        severity=new.severity,
        serious_kind=new.serious_kind if new.severity == Severity.SERIOUS else None,
        customer_name=new.customer_name.strip(),
        customer_phone=new.customer_phone.strip(),
        customer_email=new.customer_email.strip(),
        description=new.description.strip(),
        status=ComplaintStatus.RECEIVED,
        received_at=received_at,
        created_by_id=actor.id,
        cycle=0,
    )
    deadlines.start_clock(complaint, deadlines.Calendars().of(complaint), received_at)

    def existing() -> Complaint | None:
        if not complaint.client_key:
            return None
        return db.session.scalar(
            select(Complaint).where(Complaint.client_key == complaint.client_key)
        )

    LIFECYCLE.create(complaint, existing=existing)
    LIFECYCLE.move(complaint, ComplaintAction.RECEIVE, actor=actor, at=received_at)
    return complaint


def _check_new(
    new: NewComplaint, received_at: datetime, now: datetime, *, backdate_limit: bool = True
) -> None:
    if not new.description.strip():
        raise ComplaintError(_l("Describe what the customer complained of."), "description")
    if len(new.description) > DESCRIPTION_MAX:
        message = _l("Keep it under %(max)d characters.", max=DESCRIPTION_MAX)
        raise ComplaintError(message, "description")
    if received_at > now + timedelta(minutes=5):
        raise ComplaintError(_l("A complaint cannot be received in the future."), "received_at")
    if backdate_limit and received_at < now - BACKDATE_LIMIT:
        message = _l("Record complaints within %(days)d days of receiving them.", days=30)
        raise ComplaintError(message, "received_at")
    if new.severity == Severity.SERIOUS and new.serious_kind is None:
        raise ComplaintError(_l("Say why the complaint is serious."), "serious_kind")
    if not new.category.active:
        raise ComplaintError(_l("This category is no longer used."), "category_id")
    if not new.store.active or not new.store.dealer.active:
        raise ComplaintError(_l("This store is no longer active."), "store_id")


def forward(complaint: Complaint, *, actor: User, comment: str = "") -> None:
    """Send the complaint to the region's after-sales contact; notes whether it was on time."""
    at = clock.now()
    LIFECYCLE.move(complaint, ComplaintAction.FORWARD, actor=actor, comment=comment, at=at)
    complaint.forwarded_on_time = at <= complaint.forward_due_at
    _after_step(complaint)
    mailing.forwarded(complaint)


def start(complaint: Complaint, *, actor: User, comment: str = "") -> None:
    LIFECYCLE.move(complaint, ComplaintAction.START, actor=actor, comment=comment)
    _after_step(complaint)


def resolve(
    complaint: Complaint,
    *,
    actor: User,
    remedy: Remedy,
    comment: str,
    cost_minor: int | None = None,
    satisfaction: int | None = None,
) -> None:
    """Record how the complaint was resolved: remedy, cost and, when known, satisfaction."""
    if cost_minor is not None and not 0 <= cost_minor <= COST_MAX_MINOR:
        raise ComplaintError(_l("Enter a cost of zero or more."), "cost")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ComplaintError(_l("Satisfaction is from 1 to 5."), "satisfaction")
    at = clock.now()
    LIFECYCLE.move(complaint, ComplaintAction.RESOLVE, actor=actor, comment=comment, at=at)
    complaint.remedy = remedy
    complaint.cost_minor = cost_minor
    if satisfaction is not None:
        complaint.satisfaction = satisfaction
    complaint.resolved_on_time = at <= complaint.resolve_due_at
    _after_step(complaint)


def close(
    complaint: Complaint, *, actor: User, comment: str = "", satisfaction: int | None = None
) -> None:
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ComplaintError(_l("Satisfaction is from 1 to 5."), "satisfaction")
    LIFECYCLE.move(complaint, ComplaintAction.CLOSE, actor=actor, comment=comment)
    if satisfaction is not None:
        complaint.satisfaction = satisfaction
    _after_step(complaint)


def reopen(complaint: Complaint, *, actor: User, reason: str) -> None:
    """The customer came back: a repeat, with a new resolution target from now."""
    at = clock.now()
    LIFECYCLE.move(complaint, ComplaintAction.REOPEN, actor=actor, comment=reason, at=at)
    complaint.cycle += 1
    complaint.resolved_on_time = None
    complaint.remedy = None
    deadlines.start_clock(complaint, deadlines.Calendars().of(complaint), at)
    db.session.flush()


def _after_step(complaint: Complaint) -> None:
    """A step may end a target: the next escalation point moves (or there is none)."""
    complaint.next_alert_at = escalation.next_unsent(complaint, deadlines.Calendars())
    db.session.flush()


def ensure_default_categories() -> int:
    """Add the usual categories when there are none; returns how many were added."""
    if db.session.scalar(select(ComplaintCategory.id).limit(1)) is not None:
        return 0
    for position, (code, name, name_zh) in enumerate(DEFAULT_CATEGORIES, start=1):
        db.session.add(
            ComplaintCategory(
                code=code, name=name, name_zh=name_zh, resolve_days=3, sort_order=position * 10
            )
        )
    db.session.flush()
    return len(DEFAULT_CATEGORIES)


def steps_open_to(complaint: Complaint) -> list[ComplaintAction]:
    """The actions the complaint's status allows (access decides who may take them)."""
    return [
        action
        for action in ComplaintAction
        if action != ComplaintAction.RECEIVE
        and complaint.status in COMPLAINT_LIFECYCLE.step(action).sources
    ]


def describe(complaint: Complaint) -> dict[str, Any]:
    """Words and figures a notice or mail about the complaint uses."""
    return {
        "reference": complaint.reference,
        "store": complaint.store.name,
        "dealer": f"{complaint.dealer.code} {complaint.dealer.name}",
        "category": complaint.category.label,
    }
