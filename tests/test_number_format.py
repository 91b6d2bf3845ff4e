"""The templates' `number` filter keeps the texts it made: each reads as Babel writes the
value in the reader's language, whatever was formatted before it."""

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import i18n

LOCALES = ["en", "zh_Hans"]
VALUES = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(min_value=-(10**9), max_value=10**9, places=3),
)


def babel(value, digits: int, locale: str) -> str:
    return format_decimal(
        value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=VALUES, digits=st.integers(min_value=0, max_value=2), locale=st.sampled_from(LOCALES))
def test_a_figure_reads_as_babel_writes_it(app, value, digits, locale):
    with app.test_request_context(), force_locale(locale):
        first, again = i18n.number(value, digits), i18n.number(value, digits)

    assert first == again == babel(value, digits, locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_equal_values_written_differently_keep_their_own_text(app, locale):
    values = [Decimal("-0.04"), Decimal("-0"), Decimal("0"), Decimal("0.0"), 0, 1, Decimal(1)]
    with app.test_request_context(), force_locale(locale):
        shown = [i18n.number(value, 1) for value in values]

    assert shown == [babel(value, 1, locale) for value in values]
