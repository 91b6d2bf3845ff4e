"""Where a complaint's targets stand, as the pages show them, and times in the region's zone.

A target is met (on time or late) once its step is taken; until then it runs, is due soon
from the point the handler is reminded (`deadlines.LEVELS`, 75 % of its business time) and
late past its deadline. Times are shown in the local time of the store's region, where the
complaint was received and its business hours count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.complaints import deadlines
from portal.models import OPEN_STATUSES, AlertLevel, Complaint, ComplaintStatus, Region, Target
from portal.models.base import LabelledEnum, register_labels

DUE_SOON_SHARE = dict(deadlines.LEVELS)[AlertLevel.REMIND]


class TargetState(LabelledEnum):
    MET = "met"
    MET_LATE = "met_late"
    RUNNING = "running"
    DUE_SOON = "due_soon"
    LATE = "late"


register_labels(
    TargetState,
    {
        TargetState.MET: _l("Met on time"),
        TargetState.MET_LATE: _l("Met late"),
        TargetState.RUNNING: _l("Running"),
        TargetState.DUE_SOON: _l("Due soon"),
        TargetState.LATE: _l("Late"),
    },
)


@dataclass(frozen=True)
class TargetClock:
    """One target of one complaint: its deadline and where it stands (`share` while running)."""

    target: Target
    due_at: datetime
    state: TargetState
    share: float | None = None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def running(self) -> bool:
        return self.share is not None


def _running(
    complaint: Complaint,
    target: Target,
    due_at: datetime,
    calendars: deadlines.Calendars,
    now: datetime,
) -> TargetClock:
    share = deadlines.share_used(complaint, calendars.of(complaint), target, now)
    if now > due_at:
        state = TargetState.LATE
    elif share >= DUE_SOON_SHARE:
        state = TargetState.DUE_SOON
    else:
        state = TargetState.RUNNING
    return TargetClock(target, due_at, state, share)


def _met(target: Target, due_at: datetime, on_time: bool | None) -> TargetClock:
    return TargetClock(
        target, due_at, TargetState.MET_LATE if on_time is False else TargetState.MET
    )


def clocks_of(
    complaint: Complaint, calendars: deadlines.Calendars, now: datetime
) -> dict[Target, TargetClock]:
    """The forwarding and resolution targets of `complaint` at `now`."""
    if complaint.status == ComplaintStatus.RECEIVED:
        forward = _running(complaint, Target.FORWARD, complaint.forward_due_at, calendars, now)
    else:
        forward = _met(Target.FORWARD, complaint.forward_due_at, complaint.forwarded_on_time)
    if complaint.status in OPEN_STATUSES:
        resolve = _running(complaint, Target.RESOLVE, complaint.resolve_due_at, calendars, now)
    else:
        resolve = _met(Target.RESOLVE, complaint.resolve_due_at, complaint.resolved_on_time)
    return {Target.FORWARD: forward, Target.RESOLVE: resolve}


def clocks_for(
    complaints: Iterable[Complaint], now: datetime
) -> dict[int, dict[Target, TargetClock]]:
    """`clocks_of` for a page of complaints, their regions' calendars loaded at once."""
    complaints = list(complaints)
    calendars = deadlines.Calendars()
    calendars.load({complaint.region_id: complaint.region for complaint in complaints}.values())
    return {complaint.id: clocks_of(complaint, calendars, now) for complaint in complaints}


def local_time(value: datetime | None, region: Region) -> str:
    """`value` in the region's local time, as the pages and the CSV show it."""
    if value is None:
        return "–"  # noqa: RUF001  (an en dash for "no value", as elsewhere)
    return value.astimezone(deadlines.zone_of(region.timezone)).strftime("%Y-%m-%d %H:%M")
