"""The filters and globals every template may use, registered by create_app().

Formatting in the reader's language comes from portal/i18n.py, activity sentences from
portal/activity_text.py; `plan_actual_chart` is here because two areas' pages draw it (the
plans overview and the dealer's home).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal import activity_text, charts, i18n
from portal.metrics import plans as plan_metrics
from portal.money import to_decimal


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["number"] = i18n.number
    app.jinja_env.filters["iso"] = i18n.iso_date
    app.jinja_env.filters["money"] = i18n.money
    app.jinja_env.filters["percent"] = i18n.percent
    app.jinja_env.globals["localized_name"] = i18n.localized_name
    app.jinja_env.globals["activity_sentence"] = activity_text.sentence
    app.jinja_env.globals["activity_details"] = activity_text.details
    app.jinja_env.globals["object_type_label"] = activity_text.object_type_label
    app.jinja_env.globals["plan_actual_chart"] = plan_actual_chart

    @app.context_processor
    def _globals() -> dict[str, object]:
        locale = str(get_locale() or "en")
        return {"current_locale": locale, "html_lang": i18n.html_lang(locale)}


def plan_actual_chart(months: list[tuple[str, plan_metrics.Figures]]) -> Markup:
    """The 12-month SVG chart: planned revenue as bars, actual revenue as a line."""
    labels = [period for period, _figures in months]
    planned = [to_decimal(f.target_revenue) if f.has_target else None for _period, f in months]
    actual = [to_decimal(f.actual_revenue) if f.has_actual else None for _period, f in months]
    return charts.bar_line_chart(
        labels,
        charts.Series(_("Plan"), planned),
        charts.Series(_("Actual"), actual),
        title=_("Revenue: plan against actual"),
    )
