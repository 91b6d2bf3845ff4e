"""The filters and globals every template may use, registered by create_app().

Formatting in the reader's language comes from portal/i18n.py, activity sentences from
portal/activity_text.py; `plan_actual_chart` is here because two areas' pages draw it (the
plans overview and the dealer's home).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import Flask
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from portal import activity_text, charts, i18n
from portal.metrics import plans as plan_metrics
from portal.money import to_decimal


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["number"] = _number
    app.jinja_env.filters["iso"] = i18n.iso_date
    app.jinja_env.filters["money"] = _money
    app.jinja_env.filters["percent"] = _percent
    app.jinja_env.globals["localized_name"] = i18n.localized_name
    app.jinja_env.globals["activity_sentence"] = activity_text.sentence
    app.jinja_env.globals["activity_details"] = activity_text.details
    app.jinja_env.globals["object_type_label"] = activity_text.object_type_label
    app.jinja_env.globals["plan_actual_chart"] = plan_actual_chart

    # Flask-Babel's callables look the language up for every string; these read it from
    # the page's context (a staff home page translates a few hundred strings). `gettext`
    # (and `_`) is `_page_gettext`, set after: Jinja's new-style wrapper would be called on
    # every string, so it is replaced by one that keeps the strings without values.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=_ngettext,
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _page_gettext

    @app.context_processor
    def _globals() -> dict[str, object]:
        found = get_locale()
        locale = str(found or "en")
        return {
            "current_locale": locale,
            "html_lang": i18n.html_lang(locale),
            # The language and its catalogue as of this render (`_number`, `_page_gettext`).
            LOCALE: found,
            TRANSLATIONS: get_translations(),
        }


LOCALE, TRANSLATIONS = "_page_locale", "_page_translations"


def _translations(context: Context) -> Any:
    """The page's catalogue, or the current one where the page's context has none (a macro
    imported without context, a template rendered outside `render_template`)."""
    found = context.get(TRANSLATIONS)
    return found if found is not None else get_translations()


@pass_context
def _page_gettext(context: Context, string: str, **variables: Any) -> str:
    """Jinja's new-style `gettext` (the result escaped when the template autoescapes, and
    always a format string, so `%%` reads `%`), with the translation of a string that takes
    no values made once per catalogue: a page translates the same words on every request."""
    autoescape = context.eval_ctx.autoescape
    translations = _translations(context)
    if not variables:
        return _plain_text(translations, string, autoescape)
    found = translations.ugettext(string)
    # The catalogue's own text is trusted, as in Jinja's gettext; the values are escaped.
    return (Markup(found) if autoescape else found) % variables  # noqa: S704  # nosec B704


@lru_cache(maxsize=4096)
def _plain_text(translations: Any, string: str, autoescape: bool) -> str:
    found = translations.ugettext(string)
    return (Markup(found) if autoescape else found) % {}  # noqa: S704  # nosec B704


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return _translations(context).ungettext(singular, plural, count)


def _locale(context: Context) -> Any:
    """The page's language, or the current one where the page's context has none."""
    found = context.get(LOCALE)
    return found if found is not None else get_locale()


@pass_context
def _number(context: Context, value: int | float | Decimal | None, digits: int = 0) -> str:
    """`i18n.number`, in the page's language."""
    return i18n.number_in(_locale(context), value, digits)


@pass_context
def _money(context: Context, minor: int | None, digits: int = 2) -> str:
    """`i18n.money`, in the page's language."""
    return i18n.money_in(_locale(context), minor, digits)


@pass_context
def _percent(context: Context, basis_points: int | None, digits: int = 1) -> str:
    """`i18n.percent`, in the page's language."""
    return i18n.percent_in(_locale(context), basis_points, digits)


def plan_actual_chart(months: list[tuple[str, plan_metrics.Figures]]) -> Markup:
    """The 12-month SVG chart: planned revenue as bars, actual revenue as a line."""
    labels = tuple(period for period, _figures in months)
    planned = tuple(to_decimal(f.target_revenue) if f.has_target else None for _p, f in months)
    actual = tuple(to_decimal(f.actual_revenue) if f.has_actual else None for _p, f in months)
    return _plan_actual_chart(str(get_locale()), labels, planned, actual)


@lru_cache(maxsize=256)
def _plan_actual_chart(
    _locale: str, labels: tuple[str, ...], planned: tuple[Any, ...], actual: tuple[Any, ...]
) -> Markup:
    """The chart of these figures in this language: a dealer's home draws the same one until
    its plan or reports change, so the last few hundred are kept."""
    return charts.bar_line_chart(
        list(labels),
        charts.Series(_("Plan"), list(planned)),
        charts.Series(_("Actual"), list(actual)),
        title=_("Revenue: plan against actual"),
    )
