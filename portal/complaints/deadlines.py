"""A complaint's clock: its targets and escalation points, from its region's calendar.

- Forwarding: COMPLAINT_FORWARD_HOURS (2) business hours from receipt; a serious complaint
  COMPLAINT_FORWARD_HOURS_SERIOUS (2) clock hours (`hours.ALWAYS`).
- Resolution: the category's `resolve_days` business days from receipt, or from the latest
  reopening (clock days for a serious complaint).
- Escalation: at 75 % of a target the handler is reminded, at 100 % the region's
  supervisors are told, at 200 % the admins (`LEVELS`), each once per target and cycle.

A target applies while its step is still to be taken: forwarding while the complaint is
received, resolution while it is open. Deadlines are computed when the clock starts and kept
on the row; the escalation points are computed from them with the same calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import or_, select

from portal.complaints.hours import ALWAYS, DEFAULT_HOURS, Calendar
from portal.extensions import db
from portal.models import (
    AlertLevel,
    Complaint,
    ComplaintStatus,
    Holiday,
    Region,
    RegionHours,
    Severity,
    Target,
)

LEVELS: tuple[tuple[AlertLevel, float], ...] = (
    (AlertLevel.REMIND, 0.75),
    (AlertLevel.SUPERVISOR, 1.0),
    (AlertLevel.ADMIN, 2.0),
)


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def weekly_hours(region_id: int) -> dict[int, tuple[tuple[time, time], ...]]:
    """The region's opening hours by weekday (the defaults when it has set none)."""
    rows = db.session.scalars(select(RegionHours).where(RegionHours.region_id == region_id))
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for row in rows:
        hours[row.weekday] = (*hours.get(row.weekday, ()), (row.opens, row.closes))
    return hours or dict(DEFAULT_HOURS)


def holidays_of(region_id: int) -> frozenset[date]:
    """The region's own holidays and the network-wide ones."""
    return frozenset(
        db.session.scalars(
            select(Holiday.day).where(
                or_(Holiday.region_id == region_id, Holiday.region_id.is_(None))
            )
        )
    )


def calendar_for(region: Region) -> Calendar:
    return Calendar(
        zone=zone_of(region.timezone),
        hours=weekly_hours(region.id),
        holidays=holidays_of(region.id),
    )


class Calendars:
    """Calendars by region, loaded once (the escalation run and lists meet many)."""

    def __init__(self) -> None:
        self._by_region: dict[int, Calendar] = {}

    def load(self, regions: Iterable[Region]) -> None:
        """Load the calendars of `regions` in two queries, however many there are (a list
        page shows complaints of many regions)."""
        wanted = {region.id: region for region in regions if region.id not in self._by_region}
        if not wanted:
            return
        hours: dict[int, dict[int, tuple[tuple[time, time], ...]]] = defaultdict(dict)
        for row in db.session.scalars(select(RegionHours).where(RegionHours.region_id.in_(wanted))):
            days = hours[row.region_id]
            days[row.weekday] = (*days.get(row.weekday, ()), (row.opens, row.closes))
        closed: dict[int | None, set[date]] = defaultdict(set)
        for region_id, day in db.session.execute(
            select(Holiday.region_id, Holiday.day).where(
                or_(Holiday.region_id.in_(wanted), Holiday.region_id.is_(None))
            )
        ):
            closed[region_id].add(day)
        for region_id, region in wanted.items():
            self._by_region[region_id] = Calendar(
                zone=zone_of(region.timezone),
                hours=hours.get(region_id) or dict(DEFAULT_HOURS),
                holidays=frozenset(closed[None] | closed[region_id]),
            )

    def of(self, complaint: Complaint) -> Calendar:
        """The calendar the complaint's targets count in."""
        if complaint.counts_clock_hours:
            return ALWAYS
        calendar = self._by_region.get(complaint.region_id)
        if calendar is None:
            calendar = calendar_for(complaint.region)
            self._by_region[complaint.region_id] = calendar
        return calendar


def forward_hours(severity: Severity = Severity.NORMAL) -> float:
    """The forwarding target of a complaint of this severity, in (business or clock) hours."""
    if severity == Severity.SERIOUS:
        return float(current_app.config.get("COMPLAINT_FORWARD_HOURS_SERIOUS", 2))
    return float(current_app.config.get("COMPLAINT_FORWARD_HOURS", 2))


def start_clock(complaint: Complaint, calendar: Calendar, at: datetime) -> None:
    """Set the deadlines of a complaint received (or reopened) at `at`."""
    if complaint.cycle == 0:
        complaint.forward_due_at = calendar.add(at, forward_hours(complaint.severity) * 3600)
    complaint.resolve_due_at = calendar.add_days(at, complaint.category.resolve_days)
    complaint.next_alert_at = next_alert(complaint, calendar, sent=set())


@dataclass(frozen=True)
class Point:
    """One escalation of one target: when it is due."""

    target: Target
    level: AlertLevel
    at: datetime


def clock_start(complaint: Complaint) -> datetime:
    """When the resolution clock of the current cycle started."""
    if complaint.cycle and complaint.reopened_at is not None:
        return complaint.reopened_at
    return complaint.received_at


def running_targets(complaint: Complaint) -> list[tuple[Target, datetime, datetime]]:
    """The targets still to be met: (target, start, deadline)."""
    running = []
    if complaint.status == ComplaintStatus.RECEIVED:
        running.append((Target.FORWARD, complaint.received_at, complaint.forward_due_at))
    if complaint.is_open:
        running.append((Target.RESOLVE, clock_start(complaint), complaint.resolve_due_at))
    return running


def points(complaint: Complaint, calendar: Calendar) -> list[Point]:
    """Every escalation point of the running targets, earliest first."""
    found = [
        Point(target, level, calendar.point(start, deadline, share))
        for target, start, deadline in running_targets(complaint)
        for level, share in LEVELS
    ]
    return sorted(found, key=lambda point: point.at)


def next_alert(
    complaint: Complaint, calendar: Calendar, *, sent: set[tuple[Target, AlertLevel]]
) -> datetime | None:
    """The earliest escalation point not yet sent (None: nothing left to escalate)."""
    for point in points(complaint, calendar):
        if (point.target, point.level) not in sent:
            return point.at
    return None


def share_used(complaint: Complaint, calendar: Calendar, target: Target, now: datetime) -> float:
    """How much of a target's business time has passed (1.0: due now; above: late)."""
    start = complaint.received_at if target == Target.FORWARD else clock_start(complaint)
    deadline = complaint.forward_due_at if target == Target.FORWARD else complaint.resolve_due_at
    allowed = calendar.business_seconds(start, deadline)
    if allowed <= 0:
        return 0.0
    return calendar.business_seconds(start, now) / allowed
