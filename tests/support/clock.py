"""The test clock: the whole suite runs at one fixed date, never the day it happens to run.

`PORTAL_TEST_TODAY=YYYY-MM-DD pytest` runs it at another date (CI runs the first and the
last day of a month and a year boundary). The default lies far ahead of the real calendar
because Chromium judges the session cookie's expiry by its own, real clock: a test clock
behind the real one would make the browser drop every session cookie at once.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

import time_machine

DEFAULT_TODAY = date(2099, 11, 18)


def test_today() -> date:
    text = os.environ.get("PORTAL_TEST_TODAY")
    return date.fromisoformat(text) if text else DEFAULT_TODAY


def at(day: date, hour: int = 10) -> datetime:
    """A moment of `day` in working hours (UTC)."""
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def start() -> time_machine.travel:
    """Move this process's clock to the test date; it keeps ticking from there."""
    traveller = time_machine.travel(at(test_today()), tick=True)
    traveller.start()
    return traveller
