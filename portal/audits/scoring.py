"""The one scoring rule for audits: a pure function of answers, items and grade bands.

Score = 100 * earned weight / applicable weight, where applicable items are those not
answered N/A and an item earns its weight when it passes. Any failed critical item fails
the audit whatever the percentage. When every applicable item weighs 0, each applicable
item counts once instead (so a score always exists); with nothing applicable the score
is 100. The percentage is rounded half-up to one decimal.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

PASS = "pass"  # noqa: S105  (an answer, not a password)
FAIL = "fail"
NA = "na"
RESULTS = frozenset({PASS, FAIL, NA})


@dataclass(frozen=True)
class ScoredItem:
    key: Hashable
    weight: int
    critical: bool = False


@dataclass(frozen=True)
class GradeBand:
    minimum: Decimal  # lowest percentage in the band
    grade: str
    passed: bool


@dataclass(frozen=True)
class Score:
    percentage: Decimal
    grade: str
    passed: bool
    critical_failed: bool
    earned: int
    possible: int
    applicable: int
    failed: int


def bands_from_config(value: Iterable[Sequence[Any]]) -> tuple[GradeBand, ...]:
    """[[90, "A", True], …] (from config) → GradeBands, best first; checked for sense."""
    bands = tuple(
        GradeBand(Decimal(str(minimum)), str(grade), bool(passed))
        for minimum, grade, passed in value
    )
    if not bands:
        raise ValueError("at least one grade band is needed")
    if list(bands) != sorted(bands, key=lambda band: band.minimum, reverse=True):
        raise ValueError("grade bands must be ordered from the highest minimum down")
    if bands[-1].minimum > 0:
        raise ValueError("the last grade band must start at 0")
    if all(band.passed for band in bands):
        raise ValueError("at least one grade band must fail")
    return bands


def score(
    answers: Mapping[Hashable, str],
    items: Sequence[ScoredItem],
    bands: Sequence[GradeBand],
) -> Score:
    """Score one audit. `answers` maps each item's key to "pass", "fail" or "na"."""
    missing = [item.key for item in items if answers.get(item.key) not in RESULTS]
    if missing:
        raise ValueError(f"items without a valid answer: {missing}")
    applicable = [item for item in items if answers[item.key] != NA]
    passed_items = [item for item in applicable if answers[item.key] == PASS]
    failed_items = [item for item in applicable if answers[item.key] == FAIL]
    possible = sum(item.weight for item in applicable)
    earned = sum(item.weight for item in passed_items)
    if possible > 0:
        ratio = Fraction(earned, possible)
    elif applicable:
        ratio = Fraction(len(passed_items), len(applicable))
    else:
        ratio = Fraction(1)
    percentage = _round(ratio * 100)
    critical_failed = any(item.critical for item in failed_items)
    band = band_for(percentage, bands, critical_failed=critical_failed)
    return Score(
        percentage=percentage,
        grade=band.grade,
        passed=band.passed,
        critical_failed=critical_failed,
        earned=earned,
        possible=possible,
        applicable=len(applicable),
        failed=len(failed_items),
    )


def band_for(
    percentage: Decimal, bands: Sequence[GradeBand], *, critical_failed: bool = False
) -> GradeBand:
    """The band a percentage falls in; with a critical failure, the best failing band."""
    if critical_failed:
        failing = [band for band in bands if not band.passed]
        within = [band for band in failing if percentage >= band.minimum]
        return within[0] if within else failing[-1]
    for band in bands:
        if percentage >= band.minimum:
            return band
    return bands[-1]


def _round(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
