"""Customer complaints: what a customer complained of, at which store, and its lifecycle;
the categories admins keep; each region's business calendar (opening hours, holidays) that
the complaints' service levels count in; the escalations already sent.

A complaint moves received → forwarded (to the region's after-sales contact) → in progress
→ resolved → closed, one step at a time; a resolved or closed complaint is reopened when
the customer comes back, and counts as a repeat. Its deadlines are computed, never typed
(`portal.complaints.deadlines`), and kept on the row so that lists and the escalation run
find what is late with an index.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.i18n import localized
from portal.models import lifecycle
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
    utcnow,
)
from portal.models.lifecycle import Comment, Notice, Recipients, Step

if TYPE_CHECKING:
    from portal.models.network import Dealer, ProductLine, Region, Store
    from portal.models.users import User


class ComplaintStatus(LabelledEnum):
    RECEIVED = "received"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class ComplaintAction(LabelledEnum):
    RECEIVE = "receive"
    FORWARD = "forward"
    START = "start"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


class Channel(LabelledEnum):
    PHONE = "phone"
    IN_STORE = "in_store"
    ONLINE = "online"
    SOCIAL_MEDIA = "social_media"
    CONSUMER_ASSOCIATION = "consumer_association"


class Severity(LabelledEnum):
    NORMAL = "normal"
    SERIOUS = "serious"


class SeriousKind(LabelledEnum):
    """Why a complaint is serious: it then counts clock hours, not business hours."""

    INJURY = "injury"
    SAFETY = "safety"
    MEDIA = "media"
    REGULATOR = "regulator"


class Remedy(LabelledEnum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"
    REFUND = "refund"
    APOLOGY = "apology"
    NONE = "none"


class Target(LabelledEnum):
    """The service levels a complaint is measured against."""

    FORWARD = "forward"
    RESOLVE = "resolve"


class AlertLevel(LabelledEnum):
    """Escalation steps: the handler at 75 % of a target, the region's supervisors at 100 %,
    the admins at 200 %."""

    REMIND = "remind"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


OPEN_STATUSES = frozenset(
    {
        ComplaintStatus.RECEIVED,
        ComplaintStatus.FORWARDED,
        ComplaintStatus.IN_PROGRESS,
        ComplaintStatus.REOPENED,
    }
)
# Staff close a complaint once the customer is satisfied or cannot be helped further.
HANDLING = (ComplaintStatus.FORWARDED, ComplaintStatus.IN_PROGRESS, ComplaintStatus.REOPENED)

COMPLAINT_LIFECYCLE = lifecycle.Workflow.of(
    "complaint",
    [
        Step(
            ComplaintAction.RECEIVE,
            (),
            ComplaintStatus.RECEIVED,
            notice=Notice("complaint.received", Recipients.SUPERVISORS),
        ),
        Step(
            ComplaintAction.FORWARD,
            (ComplaintStatus.RECEIVED,),
            ComplaintStatus.FORWARDED,
            Comment(),
            stamps=("forwarded_at",),
        ),
        Step(
            ComplaintAction.START,
            (ComplaintStatus.FORWARDED, ComplaintStatus.REOPENED),
            ComplaintStatus.IN_PROGRESS,
            Comment(),
            first_stamps=("started_at",),
        ),
        Step(
            ComplaintAction.RESOLVE,
            (ComplaintStatus.IN_PROGRESS,),
            ComplaintStatus.RESOLVED,
            Comment(required=True),
            stamps=("resolved_at",),
            notice=Notice("complaint.resolved", Recipients.SUPERVISORS),
        ),
        Step(
            ComplaintAction.CLOSE,
            (ComplaintStatus.RESOLVED,),
            ComplaintStatus.CLOSED,
            Comment(),
            stamps=("closed_at",),
            notice=Notice("complaint.closed", Recipients.DEALER),
        ),
        Step(
            ComplaintAction.REOPEN,
            (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED),
            ComplaintStatus.REOPENED,
            Comment(required=True, key="reason"),
            stamps=("reopened_at",),
            notice=Notice("complaint.reopened", Recipients.SUPERVISORS, quote=True),
        ),
    ],
)

register_labels(
    ComplaintStatus,
    {
        ComplaintStatus.RECEIVED: lazy_pgettext("complaint status", "Received"),
        ComplaintStatus.FORWARDED: lazy_pgettext("complaint status", "Forwarded"),
        ComplaintStatus.IN_PROGRESS: lazy_pgettext("complaint status", "In progress"),
        ComplaintStatus.RESOLVED: lazy_pgettext("complaint status", "Resolved"),
        ComplaintStatus.CLOSED: lazy_pgettext("complaint status", "Closed"),
        ComplaintStatus.REOPENED: lazy_pgettext("complaint status", "Reopened"),
    },
)
register_labels(
    ComplaintAction,
    {
        ComplaintAction.RECEIVE: lazy_pgettext("complaint step", "Received"),
        ComplaintAction.FORWARD: lazy_pgettext("complaint step", "Forwarded to after-sales"),
        ComplaintAction.START: lazy_pgettext("complaint step", "Handling started"),
        ComplaintAction.RESOLVE: lazy_pgettext("complaint step", "Resolved"),
        ComplaintAction.CLOSE: lazy_pgettext("complaint step", "Closed"),
        ComplaintAction.REOPEN: lazy_pgettext("complaint step", "Reopened"),
    },
)
register_labels(
    Channel,
    {
        Channel.PHONE: _l("Phone"),
        Channel.IN_STORE: _l("In store"),
        Channel.ONLINE: _l("Online"),
        Channel.SOCIAL_MEDIA: _l("Social media"),
        Channel.CONSUMER_ASSOCIATION: _l("Consumer association"),
    },
)
register_labels(
    Severity,
    {Severity.NORMAL: _l("Normal"), Severity.SERIOUS: _l("Serious")},
)
register_labels(
    SeriousKind,
    {
        SeriousKind.INJURY: _l("Injury"),
        SeriousKind.SAFETY: _l("Safety"),
        SeriousKind.MEDIA: _l("Media attention"),
        SeriousKind.REGULATOR: _l("Regulator involved"),
    },
)
register_labels(
    Remedy,
    {
        Remedy.REPAIR: _l("Repair"),
        Remedy.REPLACEMENT: _l("Replacement"),
        Remedy.REFUND: _l("Refund"),
        Remedy.APOLOGY: _l("Apology"),
        Remedy.NONE: lazy_pgettext("remedy", "None"),
    },
)
register_labels(
    Target,
    {Target.FORWARD: _l("Forwarding"), Target.RESOLVE: _l("Resolution")},
)
register_labels(
    AlertLevel,
    {
        AlertLevel.REMIND: _l("Reminder to the handler"),
        AlertLevel.SUPERVISOR: _l("Escalated to the supervisors"),
        AlertLevel.ADMIN: _l("Escalated to head office"),
    },
)


class ComplaintCategory(TimestampMixin, VersionedMixin, db.Model):
    """What a complaint is about; admins keep the list and each one's resolution target."""

    __tablename__ = "complaint_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120), default="")
    resolve_days: Mapped[int] = mapped_column(SmallInteger, default=3)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        return localized(self.name, self.name_zh)

    def __str__(self) -> str:
        return self.label


class Complaint(TimestampMixin, VersionedMixin, db.Model):
    """One customer's complaint about one store.

    `dealer_id` and `region_id` are the store's when the complaint was received, so a
    complaint stays with the business it was made against. `cycle` counts reopenings: each
    starts a new resolution target, and escalations are sent once per target and cycle.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("cost_minor IS NULL OR cost_minor >= 0", name="cost_not_negative"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_1_to_5"
        ),
        Index("ix_complaints_region_received", "region_id", "received_at"),
        Index("ix_complaints_dealer_received", "dealer_id", "received_at"),
        Index("ix_complaints_status_received", "status", "received_at"),
        # The home pages' counts of open complaints read only this (portal/metrics/complaints.py).
        Index(
            "ix_complaints_open_figures",
            "status",
            "region_id",
            "dealer_id",
            "severity",
            "received_at",
            "forward_due_at",
            "resolve_due_at",
        ),
        # The escalation run: open complaints whose next escalation is due.
        Index(
            "ix_complaints_next_alert",
            "next_alert_at",
            sqlite_where=text("next_alert_at IS NOT NULL"),
            postgresql_where=text("next_alert_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A form's one-time key: the same submission sent twice records one complaint.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_categories.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_lines.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "complaint_channel"))
    severity: Mapped[Severity] = mapped_column(
        str_enum(Severity, "complaint_severity"), default=Severity.NORMAL
    )
    serious_kind: Mapped[SeriousKind | None] = mapped_column(
        str_enum(SeriousKind, "complaint_serious_kind")
    )
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ComplaintStatus] = mapped_column(
        str_enum(ComplaintStatus, "complaint_status"), default=ComplaintStatus.RECEIVED
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cycle: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Deadlines computed from the region's calendar when the clock starts (receipt,
    # reopening); kept so a later change of opening hours does not move a running clock.
    forward_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Whether the step met its target, fixed when it is taken (figures count these).
    forwarded_on_time: Mapped[bool | None]
    resolved_on_time: Mapped[bool | None]
    next_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remedy: Mapped[Remedy | None] = mapped_column(str_enum(Remedy, "complaint_remedy"))
    cost_minor: Mapped[int | None] = mapped_column(BigInteger)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    store: Mapped[Store] = relationship()
    dealer: Mapped[Dealer] = relationship()
    region: Mapped[Region] = relationship()
    category: Mapped[ComplaintCategory] = relationship()
    product_line: Mapped[ProductLine | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    transitions: Mapped[list[ComplaintTransition]] = lifecycle.transition_log(
        "ComplaintTransition", "complaint"
    )

    @property
    def reference(self) -> str:
        return f"C{self.id:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_repeat(self) -> bool:
        return self.cycle > 0

    @property
    def counts_clock_hours(self) -> bool:
        return self.severity == Severity.SERIOUS

    def __str__(self) -> str:
        return self.reference


class ComplaintTransition(lifecycle.TransitionLog, db.Model):
    __tablename__ = "complaint_transitions"
    workflow = COMPLAINT_LIFECYCLE

    complaint_id: Mapped[int] = lifecycle.log_owner("complaints")
    complaint: Mapped[Complaint] = relationship(back_populates="transitions")


class ComplaintAlert(db.Model):
    """An escalation sent: one per complaint, target, level and cycle, never twice."""

    __tablename__ = "complaint_alerts"
    __table_args__ = (
        UniqueConstraint(
            "complaint_id", "target", "level", "cycle", name="uq_complaint_alerts_once"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    target: Mapped[Target] = mapped_column(str_enum(Target, "complaint_target"))
    level: Mapped[AlertLevel] = mapped_column(str_enum(AlertLevel, "complaint_alert_level"))
    cycle: Mapped[int] = mapped_column(SmallInteger, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegionHours(db.Model):
    """A region's opening hours on one weekday (0 Monday … 6 Sunday), in its time zone. A
    weekday with no row is closed; a region with no rows at all keeps the default hours
    (Monday to Friday, 9:00-18:00)."""

    __tablename__ = "region_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_0_to_6"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Holiday(db.Model):
    """A day a region is closed; with no region, every region is closed (a public holiday)."""

    __tablename__ = "holidays"
    __table_args__ = (
        Index("ix_holidays_day", "day"),
        # One row per region and day, and one network-wide row (no region) per day.
        Index(
            "uq_holidays_region_day",
            "region_id",
            "day",
            unique=True,
            sqlite_where=text("region_id IS NOT NULL"),
            postgresql_where=text("region_id IS NOT NULL"),
        ),
        Index(
            "uq_holidays_network_day",
            "day",
            unique=True,
            sqlite_where=text("region_id IS NULL"),
            postgresql_where=text("region_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(120), default="")

    region: Mapped[Region | None] = relationship()


class ComplaintMonth(db.Model):
    """Complaints received in one region and month (UTC), counted as they stand now.

    Kept exact on every flush by adding each change's difference (portal/metrics/
    complaint_months.py), so the staff home pages sum a year of a few hundred rows instead
    of reading every complaint of the year. What depends on the time of reading (an open
    complaint passing its deadline) is counted from the open complaints when read.
    """

    __tablename__ = "complaint_months"

    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    total: Mapped[int] = mapped_column(default=0)
    serious: Mapped[int] = mapped_column(default=0)
    repeats: Mapped[int] = mapped_column(default=0)
    forwarded: Mapped[int] = mapped_column(default=0)  # forwarded, on time or not
    forwarded_on_time: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)  # resolved in their current cycle
    resolved_on_time: Mapped[int] = mapped_column(default=0)
