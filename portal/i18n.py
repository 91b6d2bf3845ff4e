"""Language choice and the formatting helpers templates use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_decimal, to_user_timezone
from flask_login import current_user


def select_locale() -> str:
    """The signed-in user's language, else the one chosen this visit, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work: the default language
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


def html_lang(locale: str) -> str:
    return locale.replace("_", "-")


def number(value: int | float | Decimal | None, digits: int = 0) -> str:
    """Thousands separators in the user's locale; a dash for nothing."""
    if value is None:
        return "–"  # noqa: RUF001  (an en dash for "no value")
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def iso_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"  # noqa: RUF001  (an en dash for "no value")
    if isinstance(value, datetime):
        value = to_user_timezone(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["iso"] = iso_date

    @app.context_processor
    def _globals() -> dict[str, object]:
        locale = str(get_locale() or "en")
        return {"current_locale": locale, "html_lang": html_lang(locale)}
