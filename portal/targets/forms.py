"""Target forms. The allocation's and the forecast's grids of cells are read in the views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal import money
from portal.forms import FigureField, MoneyField, VersionedForm, strip_text

TEXT_MAX = 2000


def parse_cell(text: str) -> int:
    """A grid cell's amount in minor units, up to the portal's MONEY_MAX; an emptied cell is
    refused (FigureError) rather than read as 0, which would wipe the figure unseen."""
    amount = money.parse_money(text, max_major=current_app.config["MONEY_MAX"])
    if amount is None:
        raise money.FigureError(_l("Enter an amount (0 for none)."))
    return amount


def parse_units_cell(text: str) -> int:
    """A grid cell's units, up to the portal's COUNT_MAX; an emptied cell is refused
    (FigureError) like an emptied amount."""
    units = money.parse_count(text, maximum=current_app.config["COUNT_MAX"])
    if units is None:
        raise money.FigureError(_l("Enter a number of units (0 for none)."))
    return units


def posted_cells(
    form: Mapping[str, str], current: Mapping[Any, tuple[int, int]]
) -> tuple[dict[Any, tuple[int, int]], dict[str, str]]:
    """A grid's posted cells: for each cell of `current` (its name suffix, e.g.
    `"12-2026-03"` -> its revenue and units now), the `revenue-<suffix>` and
    `units-<suffix>` fields posted, either or both (a measure not posted keeps its figure).
    Returns the cells posted with their new figures, and the fields' errors by name."""
    found: dict[Any, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    for suffix, (revenue, units) in current.items():
        names = (f"revenue-{suffix}", f"units-{suffix}")
        if not any(name in form for name in names):
            continue
        figures = [revenue, units]
        parsers = ((names[0], parse_cell), (names[1], parse_units_cell))
        for index, (name, parse) in enumerate(parsers):
            if name not in form:
                continue
            try:
                figures[index] = parse(form[name])
            except money.FigureError as error:
                errors[name] = str(error.message)
        if not any(name in errors for name in names):
            found[suffix] = (figures[0], figures[1])
    return found, errors


class TargetForm(VersionedForm):
    """A region's annual target for one product line, split by the seasonality profile.
    `version` is the version of the target the admin saw (empty: there was none yet)."""

    year = IntegerField(_l("Year"), [InputRequired(), NumberRange(min=2000, max=2999)])
    product_line_id = SelectField(_l("Product line"), coerce=int, validators=[InputRequired()])
    revenue = MoneyField(_l("Annual revenue"), [InputRequired()])
    units = FigureField(_l("Annual units"), [InputRequired()])
    reason = TextAreaField(
        _l("Reason for the change"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class AllocationForm(VersionedForm):
    explanation = TextAreaField(
        _l("Why the allocation differs from the region's target"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )


class ReviewForm(VersionedForm):
    comment = TextAreaField(
        _l("Comment"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class MoveForm(VersionedForm):
    """Move target from one dealer to another, for some months of the year (posting the
    allocation's version, so a second submit of the same move is refused)."""

    from_dealer_id = SelectField(_l("From dealer"), coerce=int, validators=[InputRequired()])
    to_dealer_id = SelectField(_l("To dealer"), coerce=int, validators=[InputRequired()])
    product_line_id = SelectField(_l("Product line"), coerce=int, validators=[InputRequired()])
    first = StringField(_l("From month"), [DataRequired()], render_kw={"placeholder": "YYYY-MM"})
    last = StringField(_l("To month"), [DataRequired()], render_kw={"placeholder": "YYYY-MM"})
    revenue = MoneyField(_l("Revenue each month (empty: all of it)"), [Optional()])
    reason = TextAreaField(
        _l("Reason"),
        [DataRequired(message=_l("Say why the target moves.")), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class ReopenForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        [
            DataRequired(message=_l("Give a reason for reopening the allocation.")),
            Length(max=TEXT_MAX),
        ],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class ForecastForm(VersionedForm):
    comment = TextAreaField(
        _l("Comment (why your figures differ from the suggestion)"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )


class RevisionForm(VersionedForm):
    comment = TextAreaField(
        _l("What should be revised"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class SeasonalityForm(FlaskForm):
    """Twelve monthly weights (January first); the target is split in their proportion."""

    weights = FieldList(
        IntegerField(validators=[InputRequired(), NumberRange(min=0, max=10_000)]),
        min_entries=12,
        max_entries=12,
    )
