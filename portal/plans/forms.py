"""Sales plan forms. The grid's cells are read by `portal.plans.grid`, the rest here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import VersionedForm, strip_text

NOTE_MAX = 2000


class PeriodChoiceForm(FlaskForm):
    """Which month to plan (a GET form: it only chooses what to show)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Month"), validators=[DataRequired()])


class PlanForm(VersionedForm):
    """The grid's note and version; `period` only when creating."""

    period = HiddenField()
    note = TextAreaField(
        _l("Note to your supervisor"),
        [Optional(), Length(max=NOTE_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )
    below_target_reason = TextAreaField(
        _l("Why the plan is below your allocated target"),
        [Optional(), Length(max=NOTE_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class SubmitForm(VersionedForm):
    """The submit button on a plan's page."""


class ReviewForm(VersionedForm):
    comment = TextAreaField(
        _l("Comment"),
        [Optional(), Length(max=NOTE_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )


class ReopenForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        [DataRequired(message=_l("Give a reason for reopening the plan.")), Length(max=NOTE_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )
