"""Assessment periods: labels, their days, and shifting, for each configurable length."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.assessments import cycles

lengths = st.sampled_from(sorted(cycles.ALLOWED_MONTHS))
days = st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31))


@pytest.mark.parametrize(
    ("day", "months", "label"),
    [
        (date(2026, 8, 15), 3, "2026-Q3"),
        (date(2026, 1, 1), 3, "2026-Q1"),
        (date(2026, 12, 31), 3, "2026-Q4"),
        (date(2026, 7, 1), 6, "2026-H2"),
        (date(2026, 7, 1), 12, "2026"),
        (date(2026, 7, 1), 1, "2026-07"),
        (date(2026, 5, 1), 4, "2026-T2"),
    ],
)
def test_labels(day, months, label):
    assert cycles.containing(day, months).label == label


@given(days, lengths)
def test_a_label_parses_back_to_the_period_that_holds_the_day(day, months):
    cycle = cycles.containing(day, months)
    assert cycles.parse(cycle.label, months) == cycle
    assert cycle.first_day <= day <= cycle.last_day
    assert (cycle.shift(1).first_day - cycle.last_day).days == 1
    assert cycle.shift(-1).shift(1) == cycle


def test_quarter_days():
    cycle = cycles.parse("2026-q1", 3)
    assert (cycle.first_day, cycle.last_day) == (date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize("text", ["", "2026-Q5", "2026-Q0", "2026-H1", "2026-07", "Q1-2026", None])
def test_bad_quarter_labels_are_refused(text):
    with pytest.raises(cycles.CycleError):
        cycles.parse(text, 3)


def test_period_length_must_divide_the_year():
    with pytest.raises(ValueError, match="ASSESSMENT_PERIOD_MONTHS"):
        cycles.containing(date(2026, 1, 1), 5)


def test_recent_lists_the_current_period_first():
    labels = [c.label for c in cycles.recent(date(2026, 2, 10), 3, 2)]
    assert labels == ["2026-Q1", "2025-Q4", "2025-Q3"]
