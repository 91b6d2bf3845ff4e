"""Assessment periods: runs of months (a divisor of 12) with labels like `2026-Q3`.

Three months make quarters (`2026-Q3`), six make halves (`2026-H1`), twelve make years
(`2026`), one makes months (`2026-07`); others are numbered (`2026-P2`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from portal import periods

PREFIXES = {2: "B", 3: "Q", 4: "T", 6: "H"}
ALLOWED_MONTHS = frozenset({1, 2, 3, 4, 6, 12})


class CycleError(ValueError):
    """Text that is not a period label for the configured period length."""


@dataclass(frozen=True, order=True)
class Cycle:
    year: int
    index: int  # 1-based within the year
    months: int

    @property
    def label(self) -> str:
        if self.months == 12:
            return f"{self.year:04d}"
        if self.months == 1:
            return f"{self.year:04d}-{self.index:02d}"
        return f"{self.year:04d}-{PREFIXES[self.months]}{self.index}"

    @property
    def first_day(self) -> date:
        return date(self.year, (self.index - 1) * self.months + 1, 1)

    @property
    def last_day(self) -> date:
        month = self.index * self.months
        return periods.last_day(f"{self.year:04d}-{month:02d}")

    def shift(self, count: int) -> Cycle:
        per_year = 12 // self.months
        position = self.year * per_year + (self.index - 1) + count
        return Cycle(position // per_year, position % per_year + 1, self.months)

    def __str__(self) -> str:
        return self.label


def check_months(months: int) -> int:
    if months not in ALLOWED_MONTHS:
        raise ValueError(f"ASSESSMENT_PERIOD_MONTHS must be one of {sorted(ALLOWED_MONTHS)}")
    return months


def containing(day: date, months: int) -> Cycle:
    check_months(months)
    return Cycle(day.year, (day.month - 1) // months + 1, months)


def parse(text: str | None, months: int) -> Cycle:
    """The cycle a label names, for the configured length; CycleError otherwise."""
    check_months(months)
    value = (text or "").strip().upper()
    if months == 12:
        pattern = r"([0-9]{4})"
    elif months == 1:
        pattern = r"([0-9]{4})-([0-9]{2})"
    else:
        pattern = rf"([0-9]{{4}})-{PREFIXES[months]}([0-9]{{1,2}})"
    match = re.fullmatch(pattern, value)
    if match is None:
        raise CycleError(value)
    year = int(match.group(1))
    index = 1 if months == 12 else int(match.group(2))
    if year < 1900 or not 1 <= index <= 12 // months:
        raise CycleError(value)
    return Cycle(year, index, months)


def recent(today: date, months: int, back: int) -> list[Cycle]:
    """The current cycle and the `back` before it, newest first."""
    current = containing(today, months)
    return [current.shift(-offset) for offset in range(back + 1)]
