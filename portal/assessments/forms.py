"""Assessment forms. The criteria come from the assessment (or the configuration): one
rating and one comment field per criterion, added when the form class is built."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.assessments.services import COMMENT_MAX, RatingInput
from portal.forms import VersionedForm, strip_text

RATING_NAMES = {
    1: _l("1 - Poor"),
    2: _l("2 - Fair"),
    3: _l("3 - Good"),
    4: _l("4 - Very good"),
    5: _l("5 - Excellent"),
}


CONFIRM_LABEL = _l("I have checked this assessment: once final, it cannot be changed.")
CONFIRM_MISSING = _l("Tick the box to confirm that the assessment is to be finalised.")


def _rating(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class PeriodChoiceForm(FlaskForm):
    """Which period to assess (a GET form: it only chooses what to show)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Period"), validators=[DataRequired()])


class DealerChoiceForm(FlaskForm):
    """Which dealer to assess (a GET form: it only leads to that dealer's new assessment)."""

    class Meta:
        csrf = False

    dealer = SelectField(_l("Dealer"), coerce=int, validators=[DataRequired()])


class AssessmentForm(VersionedForm):
    """Ratings, their comments and the overall comment; `period` only when starting."""

    period = HiddenField()
    comment = TextAreaField(
        _l("Overall comment"),
        [Optional(), Length(max=COMMENT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )
    confirm = BooleanField(CONFIRM_LABEL)
    criterion_keys: tuple[str, ...] = ()

    def confirmed_finalise(self) -> bool:
        """ "Save and finalise" needs the box ticked; says so on the field when it is not."""
        if self.confirm.data:
            return True
        self.confirm.errors = [*self.confirm.errors, CONFIRM_MISSING]
        return False

    def criterion_fields(self) -> list[tuple[str, Field, Field]]:
        return [(key, self[f"rating_{key}"], self[f"comment_{key}"]) for key in self.criterion_keys]

    def ratings(self) -> dict[str, RatingInput]:
        return {
            key: RatingInput(rating.data, comment.data or "")
            for key, rating, comment in self.criterion_fields()
        }


def assessment_form(criteria: Sequence[tuple[str, str]], **kwargs: Any) -> AssessmentForm:
    """A form for these criteria, given as (key, source label) pairs."""
    fields: dict[str, Any] = {"criterion_keys": tuple(key for key, _label in criteria)}
    choices = [("", _("Not rated yet"))] + [(str(n), str(name)) for n, name in RATING_NAMES.items()]
    for key, label in criteria:
        fields[f"rating_{key}"] = SelectField(
            _(label), choices=choices, coerce=_rating, validators=[Optional()]
        )
        fields[f"comment_{key}"] = TextAreaField(
            _("Comment on %(criterion)s", criterion=_(label)),
            [Optional(), Length(max=COMMENT_MAX)],
            filters=[strip_text],
            render_kw={"rows": 2},
        )
    form_class = type("CriteriaAssessmentForm", (AssessmentForm,), fields)
    return form_class(**kwargs)


class FinaliseForm(VersionedForm):
    """The finalise button on an assessment's page, with its confirmation box."""

    confirm = BooleanField(CONFIRM_LABEL)
