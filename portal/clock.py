"""The portal's one clock: every "now" and "today" in the code reads it.

Tests move it with time-machine (tests/conftest.py sets one date for the whole run), so
nothing depends on the day the suite happens to run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC: periods, due dates and overdue checks count from it."""
    return now().date()
