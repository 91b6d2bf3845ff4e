"""Business time is computed, never typed: properties of `portal.complaints.hours`, and its
agreement with a slow minute-by-minute count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.complaints.hours import ALWAYS, Calendar, NoOpenTime

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS_9_TO_18 = Calendar(zone=SHANGHAI)
MINUTE = timedelta(minutes=1)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_friday_evening_complaint_is_due_monday_morning():
    received = local(2026, 12, 4, 17, 30)  # a Friday
    due = WEEKDAYS_9_TO_18.add(received, 2 * 3600)
    assert due == local(2026, 12, 7, 10, 30)
    assert WEEKDAYS_9_TO_18.business_seconds(received, due) == 2 * 3600
    # 75 % of the target: 30 minutes on Friday, then 60 on Monday.
    assert WEEKDAYS_9_TO_18.point(received, due, 0.75) == local(2026, 12, 7, 10, 0)
    assert WEEKDAYS_9_TO_18.point(received, due, 2.0) == local(2026, 12, 7, 12, 30)


def test_holiday_is_skipped():
    calendar = Calendar(zone=SHANGHAI, holidays=frozenset({date(2026, 12, 7)}))
    assert calendar.add(local(2026, 12, 4, 17, 30), 2 * 3600) == local(2026, 12, 8, 10, 30)


def test_business_days_keep_the_point_of_the_day():
    calendar = WEEKDAYS_9_TO_18
    assert calendar.add_days(local(2026, 12, 4, 17, 30), 3) == local(2026, 12, 9, 17, 30)
    # Received while closed: the span starts at the next opening.
    assert calendar.add_days(local(2026, 12, 5, 12, 0), 1) == local(2026, 12, 8, 9, 0)
    # A shorter day ends the span at its close.
    short_friday = Calendar(
        zone=SHANGHAI,
        hours={0: ((time(9), time(18)),), 4: ((time(9), time(12)),)},
    )
    assert short_friday.add_days(local(2026, 12, 7, 17, 0), 1) == local(2026, 12, 11, 12, 0)


def test_clock_time_counts_every_hour():
    start = local(2026, 12, 5, 23, 0)
    assert ALWAYS.add(start, 7200) == start + timedelta(hours=2)
    assert ALWAYS.add_days(start, 3) == start + timedelta(days=3)
    assert ALWAYS.business_seconds(start, start + timedelta(hours=5)) == 5 * 3600


def test_split_days_and_local_zones():
    lunch_break = Calendar(
        zone=ZoneInfo("America/New_York"),
        hours={day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)},
    )
    start = datetime(2026, 12, 7, 11, 30, tzinfo=ZoneInfo("America/New_York"))
    assert lunch_break.add(start, 3600) == start + timedelta(hours=2)


def test_bad_calendars_and_spans_are_refused():
    with pytest.raises(ValueError, match="is not before"):
        Calendar(hours={0: ((time(18), time(9)),)})
    with pytest.raises(ValueError, match="overlap"):
        Calendar(hours={0: ((time(9), time(13)), (time(12), time(18)))})
    with pytest.raises(ValueError, match="never negative"):
        WEEKDAYS_9_TO_18.add(local(2026, 12, 7, 9), -1)
    with pytest.raises(ValueError, match="timezone-aware"):
        WEEKDAYS_9_TO_18.business_seconds(datetime(2026, 12, 7), local(2026, 12, 8))
    with pytest.raises(NoOpenTime):
        Calendar(hours={}).add(local(2026, 12, 7, 9), 60)


# Properties, on random calendars and instants (whole minutes, so the slow count is exact).

times = st.integers(min_value=0, max_value=23 * 4).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def calendars(draw) -> Calendar:
    hours = {}
    for day in draw(st.sets(st.integers(0, 6), min_size=1)):
        opens, closes = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
        hours[day] = ((opens, closes),)
    first = date(2026, 12, 1)
    holidays = draw(st.sets(st.integers(0, 40).map(lambda n: first + timedelta(days=n))))
    zone = draw(st.sampled_from(["Asia/Shanghai", "UTC", "Asia/Kolkata", "Pacific/Auckland"]))
    return Calendar(zone=ZoneInfo(zone), hours=hours, holidays=frozenset(holidays))


instants = st.integers(min_value=0, max_value=30 * 24 * 60).map(
    lambda minutes: datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes)
)
spans = st.integers(min_value=0, max_value=4 * 24 * 60).map(lambda m: timedelta(minutes=m))


def slow_count(calendar: Calendar, start: datetime, end: datetime) -> float:
    """The reference: every minute from start to end, open or not."""
    minutes, moment = 0, start
    while moment < end:
        minutes += calendar.is_open(moment)
        moment += MINUTE
    return minutes * 60.0


FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(calendars(), instants, spans, spans)
def test_business_time_is_additive(calendar, start, first, second):
    middle, end = start + first, start + first + second
    whole = calendar.business_seconds(start, end)
    assert whole == calendar.business_seconds(start, middle) + calendar.business_seconds(
        middle, end
    )


@FEW
@given(calendars(), instants, instants)
def test_business_time_is_never_negative(calendar, start, end):
    assert calendar.business_seconds(start, end) >= 0
    assert calendar.business_seconds(start, end) <= max(0, (end - start).total_seconds())


@FEW
@given(calendars(), instants)
def test_a_closed_period_adds_nothing(calendar, start):
    if calendar.is_open(start):
        return
    # From a closed instant to the next opening no business time passes.
    opening = calendar.add(start, 60) - MINUTE
    assert calendar.business_seconds(start, opening) == 0
    assert not calendar.is_open(start) or start == opening


@FEW
@given(calendars(), instants, st.integers(min_value=2, max_value=2 * 24 * 60))
def test_agrees_with_minute_by_minute_count(calendar, start, minutes):
    end = start + timedelta(minutes=minutes)
    assert calendar.business_seconds(start, end) == slow_count(calendar, start, end)


@FEW
@given(calendars(), instants, st.integers(min_value=1, max_value=3 * 9 * 60))
def test_add_is_the_inverse_of_business_time(calendar, start, minutes):
    end = calendar.add(start, minutes * 60)
    assert end > start
    assert calendar.business_seconds(start, end) == minutes * 60
    # The span ends in open time: the minute before its end was open.
    assert calendar.is_open(end - MINUTE)


@FEW
@given(calendars(), instants, st.integers(min_value=0, max_value=5))
def test_business_days_end_on_a_business_day(calendar, start, days):
    end = calendar.add_days(start, days)
    assert end >= start
    if days:
        assert calendar.is_business_day(calendar.local_date(end))
