"""Figures typed as text become integer minor units; bad ones are refused with a reason."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import money

MAX = 1_000_000_000
amounts = st.decimals(min_value=0, max_value=MAX, places=2, allow_nan=False, allow_infinity=False)


@given(amounts)
def test_plain_amounts_parse_to_exact_minor_units(amount):
    assert money.parse_money(str(amount), max_major=MAX) == int(amount * 100)


@given(amounts)
def test_grouped_amounts_parse_like_plain_ones(amount):
    assert money.parse_money(f"{amount:,.2f}", max_major=MAX) == int(amount * 100)


@given(st.integers(min_value=0, max_value=MAX * 100))
def test_what_an_input_shows_parses_back_to_the_same_amount(minor):
    assert money.parse_money(money.input_text(minor), max_major=MAX) == minor
    assert money.to_decimal(minor) == Decimal(minor) / 100


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_negative_amounts_are_refused(whole, cents):
    with pytest.raises(money.FigureError):
        money.parse_money(f"-{whole}.{cents:02d}", max_major=MAX)


@given(
    st.decimals(min_value=0, max_value=1000, places=3).filter(
        lambda d: d != d.quantize(Decimal("0.01"))
    )
)
def test_more_than_two_decimals_are_refused(amount):
    with pytest.raises(money.FigureError):
        money.parse_money(f"{amount:.3f}", max_major=MAX)


@pytest.mark.parametrize(
    "text", ["abc", "12a", "1e5", "1,23,456", "12,5000", "1.2.3", "NaN", "Infinity", "0x10", "--1"]
)
def test_non_numeric_amounts_are_refused(text):
    with pytest.raises(money.FigureError):
        money.parse_money(text, max_major=MAX)


def test_absurdly_large_amounts_are_refused():
    with pytest.raises(money.FigureError):
        money.parse_money("1000000000.01", max_major=MAX)
    with pytest.raises(money.FigureError):
        money.parse_money("9" * 40, max_major=MAX)


def test_empty_fields_are_no_figure_and_full_width_digits_are_read():
    assert money.parse_money("  ", max_major=MAX) is None
    full_width = "\uff11\uff12\uff0c\uff15\uff10\uff10\uff0e\uff15"  # "12,500.5"
    assert money.parse_money(full_width, max_major=MAX) == 1250050


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("1,234", 1234), ("42", 42)])
def test_counts_parse(text, expected):
    assert money.parse_count(text, maximum=10_000) == expected


@pytest.mark.parametrize("text", ["-1", "1.5", "x", "10001"])
def test_bad_counts_are_refused(text):
    with pytest.raises(money.FigureError):
        money.parse_count(text, maximum=10_000)
