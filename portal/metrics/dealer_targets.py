"""One dealer's approved allocation against its plans and actuals, month by month: the
dealer file's targets section and the quarterly assessment's attainment of the allocated
target.

The dealer's target is its allocation once head office approved it (as on its home page
and in its plan grid, `portal.metrics.targets.dealer_target`); plans are its approved
plans' lines and actuals every submitted or reviewed report line; attainment rounds as
`portal.metrics.figures.attainment_of` does everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal import periods
from portal.metrics.figures import attainment_of, plan_vs_actual
from portal.metrics.targets import ZERO, Amount, allocated, plus, year_periods


@dataclass(frozen=True)
class Month:
    """One month (or a sum of months): allocated target, approved plan, actual."""

    period: str
    allocated: Amount = ZERO
    plan: Amount = ZERO
    actual: Amount = ZERO
    has_plan: bool = False
    has_actual: bool = False

    @property
    def attainment_bp(self) -> int | None:
        """Actual revenue against the allocated target (None without an allocation)."""
        return attainment_of(self.actual[0], self.allocated[0])

    @property
    def plan_gap(self) -> int:
        """Planned revenue less the allocated target: negative when planned below it."""
        return self.plan[0] - self.allocated[0]


def _sum(label: str, months: Sequence[Month]) -> Month:
    total = Month(label)
    for month in months:
        total = Month(
            label,
            plus(total.allocated, month.allocated),
            plus(total.plan, month.plan),
            plus(total.actual, month.actual),
            total.has_plan or month.has_plan,
            total.has_actual or month.has_actual,
        )
    return total


@dataclass(frozen=True)
class DealerYear:
    """The twelve months of a year, and their sums over the year and to date."""

    year: int
    months: list[Month]
    to_date_last: str | None  # the last month counted "to date" (None: none of the year yet)

    @property
    def has_allocation(self) -> bool:
        return any(month.allocated != ZERO for month in self.months)

    @property
    def total(self) -> Month:
        return _sum(str(self.year), self.months)

    @property
    def to_date(self) -> Month:
        last = self.to_date_last or ""
        return _sum(last, [m for m in self.months if m.period <= last])

    def window(self, first: str, last: str) -> Month:
        """The sums over the months first..last."""
        return _sum(f"{first}/{last}", [m for m in self.months if first <= m.period <= last])


def dealer_year(dealer_id: int, year: int, *, to_date: str | None = None) -> DealerYear:
    """The dealer's year: approved allocation, approved plans and actuals per month (two
    queries). `to_date` is the last month of the "to date" sums (default: December; before the
    year: none)."""
    months = year_periods(year)
    targets: dict[str, Amount] = {}
    for (_dealer, _line, period), amount in allocated(
        year, dealer_ids=[dealer_id], approved_only=True
    ).items():
        targets[period] = plus(targets.get(period, ZERO), amount)
    figures = plan_vs_actual(("period",), first=months[0], last=months[-1], dealers=[dealer_id])
    lines = []
    for period in months:
        found = figures.get((period,))
        plan = actual = ZERO
        has_plan = has_actual = False
        if found is not None and found.has_target:
            plan, has_plan = (found.target_revenue, found.target_units), True
        if found is not None and found.has_reported:
            actual, has_actual = (found.reported_revenue, found.reported_units), True
        lines.append(Month(period, targets.get(period, ZERO), plan, actual, has_plan, has_actual))
    if to_date is None or to_date > months[-1]:
        to_date = months[-1]
    return DealerYear(year, lines, to_date if to_date >= months[0] else None)


def dealer_window(dealer_id: int, first: str, last: str) -> Month:
    """The dealer's sums over first..last (months of one year, as an assessment period)."""
    year = periods.split(first)[0]
    return dealer_year(dealer_id, year).window(first, last)
