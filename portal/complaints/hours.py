"""Business time: how long a region was open between two instants, and when a span of open
time ends. Pure functions of timestamps and a calendar; no database, no clock.

A region's calendar is its time zone, its opening hours per weekday (local times, one or
more intervals a day) and its holidays (local dates, closed all day). Service levels count
only open time: a complaint received at 17:30 on a Friday in a region open 9:00-18:00 on
weekdays has had 30 minutes of business time by Saturday, and its two-hour forwarding
target falls at 10:30 on Monday. `ALWAYS` is the calendar of clock time (serious complaints
count every hour).

Every instant is timezone-aware; results are in UTC. Local times that a daylight-saving
change skips or repeats follow `zoneinfo` (the first reading of a repeated hour).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

Interval = tuple[time, time]
DAY = timedelta(days=1)
# A calendar with no open time within this many days never ends a span: a deadline that
# far off is refused rather than searched for forever.
SEARCH_DAYS = 800
WEEKDAYS = range(7)  # Monday = 0, as date.weekday()
DEFAULT_HOURS: dict[int, tuple[Interval, ...]] = {day: ((time(9), time(18)),) for day in range(5)}


class NoOpenTime(ValueError):
    """The calendar has no open time within SEARCH_DAYS of the start."""


@dataclass(frozen=True)
class Calendar:
    """Open hours per weekday in `zone`, closed on `holidays`; `always` counts clock time."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=lambda: DEFAULT_HOURS)
    holidays: frozenset[date] = frozenset()
    always: bool = False

    def __post_init__(self) -> None:
        cleaned: dict[int, tuple[Interval, ...]] = {}
        for day, intervals in self.hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"weekday {day} is not 0-6")
            ordered = tuple(sorted((opens, closes) for opens, closes in intervals))
            for opens, closes in ordered:
                if not opens < closes:
                    raise ValueError(f"weekday {day}: {opens} is not before {closes}")
            for (_, closes), (opens, _) in pairwise(ordered):
                if opens < closes:
                    raise ValueError(f"weekday {day}: intervals overlap")
            if ordered:
                cleaned[day] = ordered
        object.__setattr__(self, "hours", cleaned)
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def is_business_day(self, day: date) -> bool:
        return self.always or (day not in self.holidays and day.weekday() in self.hours)

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local date, as UTC instants, in order."""
        if self.always:
            start = datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)
            return [(start, start + DAY)]
        if not self.is_business_day(day):
            return []
        return [
            (
                datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, closes, tzinfo=self.zone).astimezone(UTC),
            )
            for opens, closes in self.hours[day.weekday()]
        ]

    def local_date(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.zone).date()

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open time between `start` and `end`, clipped to them, in order."""
        start, end = _aware(start), _aware(end)
        if end <= start:
            return
        day = self.local_date(start) - DAY  # a local day's hours may begin before UTC's
        last = self.local_date(end)
        while day <= last:
            for opens, closes in self.day_intervals(day):
                low, high = max(opens, start), min(closes, end)
                if low < high:
                    yield low, high
            day += DAY

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Open time between two instants, in seconds; zero when `end` is not after `start`."""
        if self.always:
            return max(0.0, (_aware(end) - _aware(start)).total_seconds())
        return sum((high - low).total_seconds() for low, high in self.open_intervals(start, end))

    def is_open(self, instant: datetime) -> bool:
        instant = _aware(instant)
        return any(opens <= instant < closes for opens, closes in self._days_around(instant))

    def _days_around(self, instant: datetime) -> Iterable[tuple[datetime, datetime]]:
        day = self.local_date(instant)
        for offset in (-1, 0, 1):
            yield from self.day_intervals(day + offset * DAY)

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of open time have passed since `start`.

        With `seconds` zero it is `start` itself, even when closed; otherwise the span ends
        inside (or at the close of) an open interval, never in closed time.
        """
        start = _aware(start).astimezone(UTC)
        if seconds < 0:
            raise ValueError("a span of business time is never negative")
        if self.always or seconds == 0:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        day = self.local_date(start) - DAY
        for _ in range(SEARCH_DAYS):
            for opens, closes in self.day_intervals(day):
                low = max(opens, start)
                if low >= closes:
                    continue
                if closes - low >= left:
                    return low + left
                left -= closes - low
            day += DAY
        raise NoOpenTime("no open time in the calendar")

    def add_days(self, start: datetime, days: int) -> datetime:
        """The same point of the business day, `days` business days later.

        The point is the open time already passed on the business day of `start` (none when
        `start` falls in closed time: the span starts at the next opening). Received at 17:30
        on a Friday open 9:00-18:00, three business days end at 17:30 on Wednesday.
        """
        start = _aware(start).astimezone(UTC)
        if days < 0:
            raise ValueError("a number of business days is never negative")
        if self.always:
            return start + days * DAY
        first = self.add(start, 1) - timedelta(seconds=1)  # the first open instant from start
        day = self.local_date(first)
        opening = self.day_intervals(day)[0][0]
        passed = self.business_seconds(opening, first)
        for _ in range(SEARCH_DAYS):
            if days == 0:
                break
            day += DAY
            if self.day_intervals(day):
                days -= 1
        else:
            raise NoOpenTime("no open time in the calendar")
        intervals = self.day_intervals(day)
        length = sum((high - low).total_seconds() for low, high in intervals)
        if passed >= length:
            return intervals[-1][1]
        return self.add(intervals[0][0], passed) if passed else intervals[0][0]

    def point(self, start: datetime, target: datetime, share: float) -> datetime:
        """The instant at which `share` of the business time from `start` to `target` has
        passed (0.75: the reminder; 2.0: twice the target)."""
        return self.add(start, share * self.business_seconds(start, target))


ALWAYS = Calendar(always=True)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business time needs timezone-aware instants")
    return instant
