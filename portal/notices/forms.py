"""Notice forms: authoring (one class per action) and the dealers' answers."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from portal import richtext
from portal.forms import VersionedForm, strip_text
from portal.models import Audience, DealerKind, ExecutionStatus
from portal.richtext import MAX_SOURCE_LENGTH

MAX_TITLE = 200


def _bounded_shape(_form: FlaskForm, field: TextAreaField) -> None:
    """Refuse at once the shapes Markdown cannot format in bounded time (S20)."""
    try:
        richtext.check_shape(field.data or "")
    except richtext.RichTextError as error:
        raise ValidationError(error.message) from None


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class NoticeForm(VersionedForm):
    """A draft: everything about the notice (kind is chosen when it is created)."""

    title = StringField(_l("Title"), [DataRequired(), Length(max=MAX_TITLE)], filters=[strip_text])
    body = TextAreaField(
        _l("Text"),
        [DataRequired(), Length(max=MAX_SOURCE_LENGTH), _bounded_shape],
        filters=[strip_text],
        render_kw={"rows": 12},
    )
    effective_from = DateField(_l("Effective from"), [InputRequired()])
    effective_to = DateField(_l("Effective to"), [Optional()])
    acknowledge_days = IntegerField(
        _l("Days to acknowledge"), [InputRequired(), NumberRange(min=1, max=90)], default=7
    )
    audience = RadioField(_l("Audience"), coerce=Audience, validators=[InputRequired()])
    region_ids = SelectMultipleField(_l("Regions"), coerce=int, validators=[Optional()])
    dealer_ids = SelectMultipleField(_l("Dealers"), coerce=int, validators=[Optional()])
    audience_kind = SelectField(
        _l("Kind of dealer"),
        choices=[("", "—"), *DealerKind.choices()],
        validators=[Optional()],
    )
    promotion_start = DateField(_l("Promotion starts"), [Optional()])
    promotion_end = DateField(_l("Promotion ends"), [Optional()])
    execution_deadline = DateField(_l("Stores confirm execution by"), [Optional()])
    store_ids = SelectMultipleField(_l("Stores"), coerce=int, validators=[Optional()])
    files = MultipleFileField(_l("Add attachments (images or PDF)"))
    remove_file_ids = SelectMultipleField(
        _l("Remove attachments"), coerce=int, validators=[Optional()]
    )


class NewNoticeForm(NoticeForm):
    submission_token = HiddenField(default=_new_token)


class RevisionForm(NoticeForm):
    """Editing a published notice: a typo fix keeps the version, a material change makes a
    new one that everyone acknowledges again."""

    change = RadioField(
        _l("What kind of change is this?"),
        choices=[
            ("typo", _l("Typo fix: wording only, same version, nobody acknowledges again")),
            ("material", _l("Material change: a new version everyone must acknowledge again")),
        ],
        validators=[InputRequired(message=_l("Choose the kind of change."))],
    )
    change_note = TextAreaField(
        _l("What changed (shown to dealers)"),
        [Optional(), Length(max=1000)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )


class AcknowledgeForm(FlaskForm):
    """Posts the version the dealer read, so a newer one is never acknowledged unseen."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class ExecutionForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    status = SelectField(
        choices=ExecutionStatus.choices, coerce=ExecutionStatus, validators=[InputRequired()]
    )
    reason = TextAreaField(
        _l("Why is it not possible?"),
        [Optional(), Length(max=2000)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )
    photo = FileField(_l("Photo (optional)"))
