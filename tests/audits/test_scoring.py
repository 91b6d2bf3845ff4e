"""The scoring rule: one pure function, checked by properties rather than examples alone."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.audits.scoring import (
    FAIL,
    NA,
    PASS,
    GradeBand,
    ScoredItem,
    band_for,
    bands_from_config,
    score,
)
from portal.config import Defaults

BANDS = bands_from_config(Defaults.AUDIT_GRADE_BANDS)


@st.composite
def audits(draw, min_items: int = 1):
    """A random audit: items with weights 0-10 and critical flags, and an answer for each."""
    count = draw(st.integers(min_value=min_items, max_value=25))
    items = [
        ScoredItem(key=n, weight=draw(st.integers(0, 10)), critical=draw(st.booleans()))
        for n in range(count)
    ]
    answers = {item.key: draw(st.sampled_from([PASS, FAIL, NA])) for item in items}
    return items, answers


@given(audits())
def test_score_is_always_between_0_and_100(audit):
    items, answers = audit
    result = score(answers, items, BANDS)
    assert Decimal(0) <= result.percentage <= Decimal(100)


@given(audits())
def test_na_items_do_not_count_at_all(audit):
    items, answers = audit
    applicable = [item for item in items if answers[item.key] != NA]
    with_na = score(answers, items, BANDS)
    without_na = score(answers, applicable, BANDS)
    assert with_na.percentage == without_na.percentage
    assert with_na.passed == without_na.passed
    assert with_na.applicable == len(applicable)


@given(audits())
def test_any_failed_critical_item_fails_the_audit(audit):
    items, answers = audit
    result = score(answers, items, BANDS)
    critical_failure = any(item.critical and answers[item.key] == FAIL for item in items)
    assert result.critical_failed == critical_failure
    if critical_failure:
        assert not result.passed
        assert result.grade in {band.grade for band in BANDS if not band.passed}


@given(audits(), st.data())
def test_turning_a_fail_into_a_pass_never_lowers_the_score(audit, data):
    items, answers = audit
    failed = [key for key, result in answers.items() if result == FAIL]
    assume(failed)
    key = data.draw(st.sampled_from(failed))
    before = score(answers, items, BANDS)
    after = score({**answers, key: PASS}, items, BANDS)
    assert after.percentage >= before.percentage
    assert after.passed or not before.passed  # a pass never turns into a fail


@given(
    heavy=st.integers(2, 10),
    light=st.integers(0, 10),
    others=st.lists(st.integers(1, 10), max_size=8),
)
def test_failing_a_heavier_item_costs_more_than_a_lighter_one(heavy, light, others):
    assume(light < heavy)
    items = [ScoredItem("heavy", heavy), ScoredItem("light", light)]
    items += [ScoredItem(n, weight) for n, weight in enumerate(others)]
    all_pass = {item.key: PASS for item in items}
    heavy_failed = score({**all_pass, "heavy": FAIL}, items, BANDS)
    light_failed = score({**all_pass, "light": FAIL}, items, BANDS)
    assert heavy_failed.percentage < light_failed.percentage


@given(audits())
def test_score_is_the_weighted_share_of_applicable_weight(audit):
    items, answers = audit
    possible = sum(item.weight for item in items if answers[item.key] != NA)
    assume(possible > 0)
    earned = sum(item.weight for item in items if answers[item.key] == PASS)
    result = score(answers, items, BANDS)
    assert abs(result.percentage - Decimal(100 * earned) / possible) <= Decimal("0.05")


def test_worked_example():
    items = [ScoredItem("a", 5), ScoredItem("b", 3), ScoredItem("c", 2, critical=True)]
    result = score({"a": PASS, "b": FAIL, "c": PASS}, items, BANDS)
    assert result.percentage == Decimal("70.0")
    assert (result.grade, result.passed) == ("C", True)
    assert (result.earned, result.possible, result.failed) == (7, 10, 1)


def test_a_critical_failure_fails_even_a_high_score():
    items = [ScoredItem(n, 10) for n in range(19)] + [ScoredItem("fire exit", 1, critical=True)]
    answers = {item.key: PASS for item in items} | {"fire exit": FAIL}
    result = score(answers, items, BANDS)
    assert result.percentage > 99
    assert not result.passed
    assert result.grade == "D"


def test_all_na_scores_100_and_weightless_items_count_once_each():
    assert score({"a": NA}, [ScoredItem("a", 4)], BANDS).percentage == 100
    weightless = [ScoredItem("a", 0), ScoredItem("b", 0), ScoredItem("c", 0), ScoredItem("d", 0)]
    result = score({"a": PASS, "b": PASS, "c": PASS, "d": FAIL}, weightless, BANDS)
    assert result.percentage == Decimal("75.0")


def test_rounding_is_half_up_to_one_decimal():
    items = [ScoredItem(n, 1) for n in range(3)] + [ScoredItem("x", 0)]
    result = score({0: PASS, 1: PASS, 2: FAIL, "x": PASS}, items, BANDS)
    assert result.percentage == Decimal("66.7")


def test_an_unanswered_item_cannot_be_scored():
    with pytest.raises(ValueError, match="without a valid answer"):
        score({"a": PASS}, [ScoredItem("a", 1), ScoredItem("b", 1)], BANDS)


def test_grade_bands_come_from_configuration():
    bands = bands_from_config([[95, "Gold", True], [60, "Silver", True], [0, "Red", False]])
    assert band_for(Decimal("96"), bands).grade == "Gold"
    assert band_for(Decimal("60"), bands).grade == "Silver"
    assert band_for(Decimal("59.9"), bands) == GradeBand(Decimal(0), "Red", False)
    assert band_for(Decimal("99"), bands, critical_failed=True).grade == "Red"


@pytest.mark.parametrize(
    "bands",
    [
        [],
        [[50, "A", True], [90, "B", True], [0, "C", False]],  # not best first
        [[90, "A", True], [10, "B", False]],  # does not start at 0
        [[90, "A", True], [0, "B", True]],  # nothing fails
    ],
)
def test_nonsense_grade_bands_are_refused(bands):
    with pytest.raises(ValueError, match="band"):
        bands_from_config(bands)


TWO_FAILING = bands_from_config(
    [[90, "A", True], [75, "B", True], [50, "C", False], [0, "D", False]]
)


@pytest.mark.parametrize(
    ("percentage", "grade"),
    [("99", "C"), ("75", "C"), ("60", "C"), ("50", "C"), ("49.9", "D"), ("0", "D")],
)
def test_a_critical_failure_takes_its_own_failing_band_or_the_best_failing_one(percentage, grade):
    """With two failing bands a critical failure is not pushed to the worst of them: a score
    in a failing band keeps it, a score in a passing band drops to the best failing band."""
    band = band_for(Decimal(percentage), TWO_FAILING, critical_failed=True)
    assert (band.grade, band.passed) == (grade, False)


def test_a_scored_audit_with_a_critical_failure_keeps_its_failing_band():
    items = [ScoredItem(n, 10) for n in range(6)] + [ScoredItem("fire exit", 1, critical=True)]
    answers = dict.fromkeys(range(4), PASS) | {4: FAIL, 5: FAIL, "fire exit": FAIL}
    result = score(answers, items, TWO_FAILING)
    assert result.percentage == Decimal("65.6")
    assert (result.grade, result.passed, result.critical_failed) == ("C", False, True)
