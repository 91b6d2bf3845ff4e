"""Store report forms. Figures are typed as text and parsed by `portal.money`."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FileField,
    FormField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import FigureField, MoneyField, VersionedForm, strip_text
from portal.models import CompetitorActivityKind, ProductLine

TEXT_MAX = 4000
COMPETITOR_ROWS_MAX = 20
BLANK_COMPETITOR_ROWS = 2


class CompetitorForm(FlaskForm):
    """One competitor observation; a row left blank is ignored."""

    class Meta:
        csrf = False

    # No Optional() here: it would stop validation before the row-level checks below.
    competitor = StringField(_l("Competitor"), [Length(max=120)], filters=[strip_text])
    kind = SelectField(
        _l("Kind of activity"), choices=[("", "—"), *CompetitorActivityKind.choices()]
    )
    observation = TextAreaField(
        _l("Observation"),
        [Optional(), Length(max=1000)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )

    @property
    def is_blank(self) -> bool:
        return not (self.competitor.data or self.kind.data or self.observation.data)

    def validate_competitor(self, field: StringField) -> None:
        if not self.is_blank and not field.data:
            raise ValidationError(_l("Name the competitor."))

    def validate_kind(self, field: SelectField) -> None:
        if not self.is_blank and not field.data:
            raise ValidationError(_l("Choose what kind of activity it is."))


class ReportForm(VersionedForm):
    """The report's own fields; `report_form_class()` adds a revenue and units field per line."""

    footfall = FigureField(_l("Footfall (visitors)"))
    closing_stock = MoneyField(_l("Closing stock value"))
    staff_count = FigureField(_l("Staff"))
    issues = TextAreaField(
        _l("Issues"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )
    customer_feedback = TextAreaField(
        _l("Customer feedback"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )
    competitors = FieldList(FormField(CompetitorForm), max_entries=COMPETITOR_ROWS_MAX)
    files = MultipleFileField(
        _l("Photos and PDFs"),
        render_kw={"accept": "image/jpeg,image/png,image/webp,application/pdf"},
    )

    line_ids: tuple[int, ...] = ()

    def revenue_field(self, line_id: int) -> MoneyField:
        return self[f"revenue_{line_id}"]

    def units_field(self, line_id: int) -> FigureField:
        return self[f"units_{line_id}"]

    def actuals(self) -> dict[int, tuple[int, int]]:
        """{product line id: (revenue, units)} for the lines with a figure."""
        values = {}
        for line_id in self.line_ids:
            revenue = self.revenue_field(line_id).data or 0
            units = self.units_field(line_id).data or 0
            if revenue or units:
                values[line_id] = (revenue, units)
        return values

    def competitor_rows(self) -> list[tuple[str, str, str]]:
        return [
            (entry.competitor.data, entry.kind.data, entry.observation.data or "")
            for entry in self.competitors
            if not entry.is_blank
        ]


def report_form_class(lines: list[ProductLine], *, creating: bool = False) -> type[ReportForm]:
    """A ReportForm with revenue and units fields for each product line (and store/period)."""
    attributes: dict[str, Any] = {"line_ids": tuple(line.id for line in lines)}
    for line in lines:
        attributes[f"revenue_{line.id}"] = MoneyField(_l("Revenue, %(line)s", line=line.label))
        attributes[f"units_{line.id}"] = FigureField(_l("Units, %(line)s", line=line.label))
    if creating:
        attributes["store_id"] = SelectField(
            _l("Store"), coerce=int, validators=[DataRequired(message=_l("Choose a store."))]
        )
        attributes["period"] = SelectField(
            _l("Month"), validators=[DataRequired(message=_l("Choose a month."))]
        )
    return type("LineReportForm", (ReportForm,), attributes)


class ReviewForm(VersionedForm):
    comment = TextAreaField(
        _l("Comment"), [Optional(), Length(max=2000)], filters=[strip_text], render_kw={"rows": 3}
    )


class ImportActualsForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[DataRequired(message=_l("Choose a CSV file."))])
