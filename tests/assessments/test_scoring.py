"""The assessment scoring rule: bounds, renormalisation when data is missing, grade bands."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.assessments import scoring

BANDS = scoring.bands_from_config([[85, "A"], [70, "B"], [55, "C"], [0, "D"]])
GRADE_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}
METRIC_KEYS = ("attainment", "timeliness", "audit_score", "actions_on_time")
CRITERIA = ("market", "team", "cooperation")

percentages = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)
weights = st.decimals(min_value=0, max_value=100, places=0, allow_nan=False)
metric_values = st.fixed_dictionaries({key: st.none() | percentages for key in METRIC_KEYS})
metric_weights = st.fixed_dictionaries(dict.fromkeys(METRIC_KEYS, weights))
ratings = st.fixed_dictionaries({key: st.none() | st.integers(1, 5) for key in CRITERIA})
criterion_weights = st.fixed_dictionaries(dict.fromkeys(CRITERIA, weights))
shares = st.decimals(min_value=0, max_value=100, places=0, allow_nan=False)


def assess(metrics, m_weights, rated, c_weights, share=Decimal(60)):
    return scoring.assess(
        metrics=metrics,
        metric_weights=m_weights,
        ratings=rated,
        criterion_weights=c_weights,
        metrics_share=share,
        bands=BANDS,
    )


@given(metric_values, metric_weights, ratings, criterion_weights, shares)
def test_score_is_between_0_and_100_with_a_grade_whenever_anything_counts(
    metrics, m_weights, rated, c_weights, share
):
    result = assess(metrics, m_weights, rated, c_weights, share)
    anything = any(metrics[k] is not None and m_weights[k] > 0 for k in METRIC_KEYS) or any(
        rated[k] is not None and c_weights[k] > 0 for k in CRITERIA
    )
    if not anything:
        assert result.score is None
        assert result.grade is None
        return
    assert Decimal(0) <= result.score <= Decimal(100)
    assert result.grade == scoring.grade_for(result.score, BANDS)


@given(metric_values, metric_weights, ratings, criterion_weights, shares)
def test_shares_of_counted_lines_add_up_to_100(metrics, m_weights, rated, c_weights, share):
    result = assess(metrics, m_weights, rated, c_weights, share)
    if result.score is None:
        assert all(line.share == 0 for line in result.lines)
        return
    total = sum(line.share for line in result.lines)
    assert abs(total - 100) <= Decimal("0.1") * len(result.lines)
    for line in result.lines:
        if line.points is None or line.weight == 0:
            assert line.share == 0


@given(metric_values, metric_weights, ratings, criterion_weights)
def test_missing_metric_is_left_out_and_the_others_renormalised(
    metrics, m_weights, rated, c_weights
):
    """Adding a weighted metric that has no data changes nothing."""
    with_missing = {**metrics, "extra": None}
    weights_with_extra = {**m_weights, "extra": Decimal(50)}
    assert (
        assess(with_missing, weights_with_extra, rated, c_weights).score
        == assess(metrics, m_weights, rated, c_weights).score
    )


@given(percentages, percentages, st.integers(1, 5))
def test_renormalised_weights_equal_dropping_the_metric(first, second, rating):
    weights = {"a": Decimal(30), "b": Decimal(10), "c": Decimal(60)}
    missing_c = assess({"a": first, "b": second, "c": None}, weights, {"x": rating}, {"x": 1})
    only_ab = assess({"a": first, "b": second}, {"a": 30, "b": 10}, {"x": rating}, {"x": 1})
    assert missing_c.score == only_ab.score
    assert missing_c.metric_score == only_ab.metric_score


@given(metric_values, metric_weights, ratings, criterion_weights, st.sampled_from(CRITERIA))
def test_a_better_rating_never_lowers_the_score_or_the_grade(
    metrics, m_weights, rated, c_weights, key
):
    current = rated[key] or 1
    worse = assess(metrics, m_weights, {**rated, key: current}, c_weights)
    better = assess(metrics, m_weights, {**rated, key: min(current + 1, 5)}, c_weights)
    if worse.score is None:  # nothing counts at all (every weight 0)
        assert better.score is None
        return
    assert better.score >= worse.score
    assert GRADE_ORDER[better.grade] <= GRADE_ORDER[worse.grade]


@given(percentages, percentages)
def test_grade_bands_are_monotonic(low, high):
    low, high = min(low, high), max(low, high)
    assert GRADE_ORDER[scoring.grade_for(high, BANDS)] <= GRADE_ORDER[scoring.grade_for(low, BANDS)]


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "A"),
        ("85.0", "A"),
        ("84.9", "B"),
        ("70", "B"),
        ("69.9", "C"),
        ("55", "C"),
        ("54.9", "D"),
        ("0", "D"),
    ],
)
def test_default_bands(score, grade):
    assert scoring.grade_for(Decimal(score), BANDS) == grade


def test_worked_example_shows_each_part_and_its_share():
    result = assess(
        {
            "attainment": Decimal(90),
            "timeliness": Decimal(60),
            "audit_score": None,
            "actions_on_time": Decimal(100),
        },
        {
            "attainment": Decimal(30),
            "timeliness": Decimal(15),
            "audit_score": Decimal(25),
            "actions_on_time": Decimal(15),
        },
        {"market": 4, "team": 5, "cooperation": None},
        {"market": Decimal(40), "team": Decimal(20), "cooperation": Decimal(40)},
    )
    # metrics: (30*90 + 15*60 + 15*100) / 60 = 85; criteria: (40*80 + 20*100) / 60 = 86.67
    assert result.metric_score == Decimal("85.0")
    assert result.criteria_score == Decimal("86.7")
    assert result.score == Decimal("85.7")  # 0.6*85 + 0.4*86.667
    assert result.grade == "A"
    assert result.share_of("metric", "attainment") == Decimal("30.0")  # 60% * 30/60
    assert result.share_of("metric", "audit_score") == Decimal(0)
    assert result.share_of("criterion", "market") == Decimal("26.7")  # 40% * 40/60
    assert result.share_of("criterion", "cooperation") == Decimal(0)


def test_only_ratings_make_the_whole_score_when_no_metric_has_data():
    result = assess({"attainment": None}, {"attainment": Decimal(1)}, {"x": 3}, {"x": 1})
    assert result.score == Decimal(60)
    assert result.metrics_share == 0


@pytest.mark.parametrize(
    "bands",
    [
        [],
        [[70, "B"], [85, "A"], [0, "D"]],
        [[85, "A"], [10, "D"]],
        [[50, "A"], [50, "B"], [0, "C"]],
    ],
)
def test_senseless_grade_bands_are_refused(bands):
    with pytest.raises(ValueError, match="band"):
        scoring.bands_from_config(bands)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_ratings_outside_1_to_5_are_refused(rating):
    with pytest.raises(ValueError, match="rating"):
        assess({}, {}, {"x": rating}, {"x": 1})
