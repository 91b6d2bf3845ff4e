"""Periods: calendar months written `YYYY-MM`, their due dates and the allowed window."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

PERIOD_PATTERN = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """Text that is not a period, or a period outside the allowed window."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message


def parse(text: str | None) -> str:
    """The period written in `text` (`YYYY-MM`), or PeriodError."""
    value = (text or "").strip()
    match = PERIOD_PATTERN.match(value)
    if match is None or int(match.group(1)) < 1900:
        raise PeriodError(_l("Enter a month as YYYY-MM, for example 2026-03."))
    return value


def of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def split(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def shift(period: str, months: int) -> str:
    """The period `months` later (earlier when negative)."""
    year, month = split(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def first_day(period: str) -> date:
    year, month = split(period)
    return date(year, month, 1)


def last_day(period: str) -> date:
    year, month = split(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def span(start: str, end: str) -> list[str]:
    """Every period from `start` to `end`, both included (empty when start is after end)."""
    periods = []
    current = start
    while current <= end:
        periods.append(current)
        current = shift(current, 1)
    return periods


def year_start(period: str) -> str:
    return f"{split(period)[0]:04d}-01"


def plan_due_date(period: str, due_day: int) -> date:
    """A plan for month M is due on day `due_day` of month M-1 (the month's last day at most)."""
    previous = shift(period, -1)
    year, month = split(previous)
    return date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def report_due_date(period: str, days_after: int) -> date:
    """A store report is due `days_after` days after its month ends."""
    return last_day(period) + timedelta(days=days_after)


def window(today: date, months_back: int, months_ahead: int) -> tuple[str, str]:
    """The first and last period that may be entered, counted from today's month."""
    current = of(today)
    return shift(current, -months_back), shift(current, months_ahead)


def check_in_window(period: str, first: str, last: str) -> str:
    if not first <= period <= last:
        raise PeriodError(_l("Choose a month from %(first)s to %(last)s.", first=first, last=last))
    return period
