"""The one scoring rule for dealer assessments: a pure function of figures and weights.

- Metrics are percentages (0-100); a metric without data (None) or with weight 0 is left
  out and the remaining metric weights are renormalised.
- Criteria are rated 1-5; a rating counts as rating x 20 points (5 = 100). Unrated
  criteria (None) are left out the same way (a draft may leave some open).
- The score is `metrics_share`% of the metric part plus the rest from the criteria part;
  when one part has nothing to count, the other part makes the whole score.
- The score is rounded half-up to one decimal; the grade is the first band (best first)
  whose minimum the rounded score reaches. With nothing to count at all there is no score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

RATING_MIN, RATING_MAX = 1, 5
POINTS_PER_RATING = 20
ONE_DP = Decimal("0.1")


@dataclass(frozen=True)
class GradeBand:
    minimum: Decimal
    grade: str


@dataclass(frozen=True)
class Line:
    """One metric or criterion as it counted: its points (0-100) and effective weight (%)."""

    kind: str  # "metric" | "criterion"
    key: str
    points: Decimal | None  # None: left out (no data or not rated)
    weight: Decimal  # the configured weight within its group
    share: Decimal  # percentage of the whole score it carries (0 when left out)


@dataclass(frozen=True)
class Result:
    score: Decimal | None
    grade: str | None
    metric_score: Decimal | None
    criteria_score: Decimal | None
    metrics_share: Decimal  # effective percentage from metrics (after renormalising)
    lines: tuple[Line, ...]

    def share_of(self, kind: str, key: str) -> Decimal:
        """The percentage of the whole score one metric or criterion carried."""
        for line in self.lines:
            if line.kind == kind and line.key == key:
                return line.share
        return Decimal(0)


def bands_from_config(value: Iterable[Sequence[Any]]) -> tuple[GradeBand, ...]:
    """[[85, "A"], …] (from config) → GradeBands, best first; checked for sense."""
    bands = tuple(GradeBand(Decimal(str(minimum)), str(grade)) for minimum, grade, *_ in value)
    if not bands:
        raise ValueError("at least one grade band is needed")
    minimums = [band.minimum for band in bands]
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
        raise ValueError("grade bands must be ordered from the highest minimum down")
    if bands[-1].minimum > 0:
        raise ValueError("the last grade band must start at 0")
    return bands


def grade_for(score: Decimal, bands: Sequence[GradeBand]) -> str:
    for band in bands:
        if score >= band.minimum:
            return band.grade
    return bands[-1].grade


def rating_points(rating: int) -> Fraction:
    if not RATING_MIN <= rating <= RATING_MAX:
        raise ValueError(f"rating {rating} is not between {RATING_MIN} and {RATING_MAX}")
    return Fraction(rating * POINTS_PER_RATING)


def assess(
    *,
    metrics: Mapping[str, Decimal | None],
    metric_weights: Mapping[str, Decimal],
    ratings: Mapping[str, int | None],
    criterion_weights: Mapping[str, Decimal],
    metrics_share: Decimal,
    bands: Sequence[GradeBand],
) -> Result:
    """Score one assessment. Keys of `metrics`/`ratings` not in the weights are ignored."""
    if not Decimal(0) <= metrics_share <= Decimal(100):
        raise ValueError("metrics_share must be between 0 and 100")
    metric_points = {
        key: Fraction(_clamp(value)) if (value := metrics.get(key)) is not None else None
        for key in metric_weights
    }
    rated = {
        key: rating_points(value) if (value := ratings.get(key)) is not None else None
        for key in criterion_weights
    }
    metric_part = _weighted(metric_points, metric_weights)
    criteria_part = _weighted(rated, criterion_weights)
    share = Fraction(metrics_share) / 100
    if metric_part is None:
        share = Fraction(0)
    elif criteria_part is None:
        share = Fraction(1)
    if metric_part is None and criteria_part is None:
        total = None
    else:
        total = share * (metric_part or 0) + (1 - share) * (criteria_part or 0)
    score = _round(total) if total is not None else None
    lines = (
        *_lines("metric", metric_points, metric_weights, share),
        *_lines("criterion", rated, criterion_weights, 1 - share),
    )
    return Result(
        score=score,
        grade=grade_for(score, bands) if score is not None else None,
        metric_score=_round(metric_part) if metric_part is not None else None,
        criteria_score=_round(criteria_part) if criteria_part is not None else None,
        metrics_share=_round(share * 100),
        lines=lines,
    )


def _clamp(value: Decimal) -> Decimal:
    return min(max(value, Decimal(0)), Decimal(100))


def _counted(points: Mapping[str, Fraction | None], weights: Mapping[str, Decimal]) -> list[str]:
    return [key for key, value in points.items() if value is not None and weights[key] > 0]


def _weighted(
    points: Mapping[str, Fraction | None], weights: Mapping[str, Decimal]
) -> Fraction | None:
    counted = _counted(points, weights)
    if not counted:
        return None
    total_weight = sum(Fraction(weights[key]) for key in counted)
    return sum(Fraction(weights[key]) * points[key] for key in counted) / total_weight


def _lines(
    kind: str,
    points: Mapping[str, Fraction | None],
    weights: Mapping[str, Decimal],
    group_share: Fraction,
) -> list[Line]:
    counted = set(_counted(points, weights))
    total_weight = sum(Fraction(weights[key]) for key in counted)
    lines = []
    for key, value in points.items():
        share = Fraction(0)
        if key in counted:
            share = group_share * Fraction(weights[key]) / total_weight * 100
        lines.append(
            Line(
                kind=kind,
                key=key,
                points=_round(value) if value is not None else None,
                weight=Decimal(weights[key]),
                share=_round(share),
            )
        )
    return lines


def _round(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(ONE_DP, rounding=ROUND_HALF_UP)
