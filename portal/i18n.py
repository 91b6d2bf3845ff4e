"""Language choice and the formatting helpers templates use (portal/templating.py registers
them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale, numbers
from babel.numbers import NumberPattern, parse_pattern
from flask import current_app, has_request_context, request, session
from flask_babel import format_decimal, get_locale, to_user_timezone
from flask_login import current_user


def select_locale() -> str:
    """The signed-in user's language, else the one chosen this visit, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, the demo seeder, background work
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    for language, _quality in request.accept_languages:
        tag = language.lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def reads_chinese() -> bool:
    """True when the page, PDF or e-mail being made is in Chinese."""
    try:
        locale = get_locale()
    except RuntimeError:  # outside any application context
        return False
    return locale is not None and locale.language == "zh"


def localized(english: str, chinese: str | None) -> str:
    """Master data in the reader's language: the Chinese text for Chinese readers when there is
    one, else the English text."""
    if chinese and chinese.strip() and reads_chinese():
        return chinese
    return english


def localized_name(obj: object) -> str:
    """The name of a product line or the question of a standard item in the reader's language."""
    label = getattr(obj, "label", None)
    if isinstance(label, str):
        return label
    return str(obj)


def html_lang(locale: str) -> str:
    return locale.replace("_", "-")


def number(value: int | float | Decimal | None, digits: int = 0) -> str:
    """Thousands separators in the user's locale; a dash for nothing."""
    if value is None:
        return "–"  # noqa: RUF001  (an en dash for "no value")
    return number_in(get_locale(), value, digits)


def number_in(locale: Locale | None, value: int | float | Decimal | None, digits: int = 0) -> str:
    """`number()` in `locale` (None: outside a request, the default locale)."""
    if value is None:
        return "–"  # noqa: RUF001  (an en dash for "no value")
    if locale is not None and type(value) in (int, Decimal):
        # The same figure recurs across a page and across requests (counts, shares): the
        # text is a function of the locale, the value and the digits, so it is kept.
        return _formats(locale)(type(value), str(value), digits)
    if locale is None:
        return format_decimal(value, format=_number_pattern(digits))
    return numbers.format_decimal(value, format=_number_pattern(digits), locale=locale)


def _formats(locale: Locale) -> Callable[[type, str, int], str]:
    """The kept texts of `locale`'s figures, found by the locale object itself (a page's
    few hundred figures would otherwise hash and compare the locale, field by field, each
    time): the locale's identifier the first time only."""
    found = _FORMATS_BY_OBJECT.get(id(locale))
    if found is None or found[0] is not locale:
        found = (locale, _formatted_in(str(locale)))
        _FORMATS_BY_OBJECT[id(locale)] = found
        if len(_FORMATS_BY_OBJECT) > 64:  # locales are few; objects may come and go
            _FORMATS_BY_OBJECT.clear()
            _FORMATS_BY_OBJECT[id(locale)] = found
    return found[1]


_FORMATS_BY_OBJECT: dict[int, tuple[Locale, Callable[[type, str, int], str]]] = {}


@lru_cache(maxsize=16)
def _formatted_in(identifier: str) -> Callable[[type, str, int], str]:
    locale = Locale.parse(identifier)

    @lru_cache(maxsize=4096)
    def formatted(kind: type, text: str, digits: int) -> str:
        """`number()` of kind(text): keyed by the value's text, so that equal values written
        differently (Decimal("-0") and Decimal("0")) keep their own entry."""
        return numbers.format_decimal(kind(text), format=_number_pattern(digits), locale=locale)

    return formatted


@lru_cache(maxsize=8)
def _number_pattern(digits: int) -> NumberPattern:
    """Parsed once: parsing the pattern was most of the cost of each figure on a page."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


def money(minor: int | None, digits: int = 2) -> str:
    """An amount stored in minor units, with thousands separators (`digits` decimals)."""
    return money_in(get_locale(), minor, digits)


def money_in(locale: Locale | None, minor: int | None, digits: int = 2) -> str:
    """`money()` in `locale`."""
    from portal.money import to_decimal

    if minor is None:
        return number_in(locale, None)
    return number_in(locale, to_decimal(minor), digits)


def percent(basis_points: int | None, digits: int = 1) -> str:
    """A ratio stored in basis points (1/100 of a percent), as a percentage."""
    return percent_in(get_locale(), basis_points, digits)


def percent_in(locale: Locale | None, basis_points: int | None, digits: int = 1) -> str:
    """`percent()` in `locale`."""
    if basis_points is None:
        return number_in(locale, None)
    return number_in(locale, Decimal(basis_points) / 100, digits) + "\u00a0%"


def iso_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"  # noqa: RUF001  (an en dash for "no value")
    if isinstance(value, datetime):
        value = to_user_timezone(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
