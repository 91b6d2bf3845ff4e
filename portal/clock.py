"""The portal's one clock: every "now" and "today" in the code reads it.

Tests move it with time-machine (tests/conftest.py sets one date for the whole run), so
nothing depends on the day the suite happens to run. The demo seeds replay history through
the services, each step at its own moment: they hold the clock still with `frozen` (a
context variable, so only the seeding code inside the block sees it; requests never do).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_frozen: ContextVar[datetime | None] = ContextVar("portal_clock_frozen", default=None)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    held = _frozen.get()
    if held is not None:
        return held
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC: periods, due dates and overdue checks count from it."""
    return now().date()


@contextmanager
def frozen(instant: datetime) -> Iterator[None]:
    """Inside the block, now is `instant` (timezone-aware): for seeding history only."""
    if instant.tzinfo is None:
        raise ValueError("the clock holds timezone-aware instants only")
    token = _frozen.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)
