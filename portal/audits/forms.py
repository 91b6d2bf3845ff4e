"""Audit and corrective-action forms: one per action."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.forms import VersionedForm, strip_text
from portal.models import AnswerResult

NOTE_LIMIT = 2000
COMMENT_LIMIT = 4000


def new_token() -> str:
    return secrets.token_hex(16)


class TokenField(HiddenField):
    """A per-rendering submission token: the same form posted twice makes one record."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        value = (self.data or "").strip()
        self.data = value if value.isalnum() and 16 <= len(value) <= 64 else None


class ScheduleForm(FlaskForm):
    store_id = SelectField(_l("Store"), coerce=int, validators=[InputRequired()])
    standard_id = SelectField(_l("Standard"), coerce=int, validators=[InputRequired()])
    scheduled_for = DateField(_l("Date"), validators=[InputRequired()])
    announced = BooleanField(_l("Announced: the dealer is told the date"), default=True)
    token = TokenField()


class RescheduleForm(VersionedForm):
    scheduled_for = DateField(_l("Date"), validators=[InputRequired()])
    announced = BooleanField(_l("Announced: the dealer is told the date"))


class FollowUpForm(FlaskForm):
    scheduled_for = DateField(_l("Date"), validators=[InputRequired()])
    announced = BooleanField(_l("Announced: the dealer is told the date"), default=True)
    token = TokenField()


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=NOTE_LIMIT)], filters=[strip_text])


class AnswerForm(FlaskForm):
    """One item's answer; the conduct page renders one per item (and JS posts it).

    `version` is the answer's version the page showed: a change made elsewhere since then
    is a conflict. Without it (older pages, scripts) the answer is saved as before."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)])

    result = RadioField(
        _l("Result"),
        choices=[(r.value, r.label) for r in AnswerResult],
        validators=[Optional()],
        validate_choice=True,
    )
    note = TextAreaField(_l("Note"), [Optional(), Length(max=NOTE_LIMIT)], filters=[strip_text])
    photos = MultipleFileField(_l("Photos"))


class PhotosForm(FlaskForm):
    """New photos of one item, without touching its answer (the offline queue sends each alone)."""

    photos = MultipleFileField(_l("Photos"))


class CompleteForm(FlaskForm):
    summary = TextAreaField(
        _l("Summary for the dealer"), [Optional(), Length(max=NOTE_LIMIT)], filters=[strip_text]
    )


class AcknowledgeForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment (optional)"), [Optional(), Length(max=NOTE_LIMIT)], filters=[strip_text]
    )


class RespondForm(FlaskForm):
    comment = TextAreaField(
        _l("What was done"),
        [DataRequired(message=_l("Write what was done.")), Length(max=COMMENT_LIMIT)],
        filters=[strip_text],
    )
    photos = MultipleFileField(_l("Evidence photos"))
    token = TokenField()


class VerifyForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment (optional)"), [Optional(), Length(max=COMMENT_LIMIT)], filters=[strip_text]
    )


class ReopenForm(FlaskForm):
    comment = TextAreaField(
        _l("Why it is reopened"),
        [DataRequired(message=_l("Say why the action is reopened.")), Length(max=COMMENT_LIMIT)],
        filters=[strip_text],
    )
    due_on = DateField(_l("New due date (optional)"), [Optional()])
