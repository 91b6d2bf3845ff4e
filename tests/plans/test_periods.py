"""Periods (`YYYY-MM`): parsing, arithmetic, due dates and the allowed window."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import periods

period_texts = st.builds(
    lambda year, month: f"{year:04d}-{month:02d}",
    st.integers(min_value=1990, max_value=2200),
    st.integers(min_value=1, max_value=12),
)


@pytest.mark.parametrize("text", ["2026-01", "2026-12", " 2026-03 "])
def test_valid_periods_parse(text):
    assert periods.parse(text) == text.strip()


@pytest.mark.parametrize(
    "text", ["", "2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "abcd-ef", None]
)
def test_invalid_periods_are_refused(text):
    with pytest.raises(periods.PeriodError):
        periods.parse(text)


@given(period_texts, st.integers(min_value=-240, max_value=240))
def test_shifting_there_and_back_returns_the_same_period(period, months):
    assert periods.shift(periods.shift(period, months), -months) == period


@given(period_texts, st.integers(min_value=0, max_value=60))
def test_span_counts_every_month_once_in_order(period, months):
    end = periods.shift(period, months)
    span = periods.span(period, end)
    assert len(span) == months + 1
    assert span == sorted(set(span))
    assert span[0] == period
    assert span[-1] == end


@given(period_texts, st.integers(min_value=1, max_value=31))
def test_plan_is_due_in_the_month_before_on_the_day_or_the_months_last(period, day):
    due = periods.plan_due_date(period, day)
    assert periods.of(due) == periods.shift(period, -1)
    assert due.day == min(day, periods.last_day(periods.of(due)).day)


@given(period_texts, st.integers(min_value=0, max_value=60))
def test_report_is_due_after_its_month_ends(period, days):
    due = periods.report_due_date(period, days)
    assert (due - periods.last_day(period)).days == days


def test_february_plan_due_day_clips_to_the_end_of_january_or_february():
    assert periods.plan_due_date("2026-03", 31) == date(2026, 2, 28)
    assert periods.plan_due_date("2024-03", 30) == date(2024, 2, 29)


@given(period_texts)
def test_window_accepts_its_edges_and_refuses_outside(period):
    first, last = periods.window(periods.first_day(period), 3, 2)
    assert periods.check_in_window(first, first, last) == first
    assert periods.check_in_window(last, first, last) == last
    for outside in (periods.shift(first, -1), periods.shift(last, 1)):
        with pytest.raises(periods.PeriodError):
            periods.check_in_window(outside, first, last)
