"""The contracts and documents forms: one per action."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from portal.forms import CODE_RULES, ClientKeyField, VersionedForm, strip_text, upper_code
from portal.models import ContractKind, DealerKind
from portal.models.lifecycle import COMMENT_MAX

FILE_REQUIRED = _l("Choose the file: a PDF or a photo.")


class DocumentForm(FlaskForm):
    client_key = ClientKeyField()
    kind_id = SelectField(_l("Document"), coerce=int, validators=[InputRequired()])
    number = StringField(
        _l("Number on the document"), [Optional(), Length(max=60)], filters=[strip_text]
    )
    issued_on = DateField(_l("Issued on"), [InputRequired()])
    expires_on = DateField(_l("Expires on"), [Optional()])
    file = FileField(_l("Scan or photo (PDF, JPEG, PNG)"), [DataRequired(message=FILE_REQUIRED)])


class ReviewForm(VersionedForm):
    decision = StringField(validators=[AnyOf(("accept", "reject"))])  # the button pressed
    reason = TextAreaField(
        _l("Reason (required to reject)"),
        [Optional(), Length(max=COMMENT_MAX)],
        filters=[strip_text],
    )


class ContractForm(FlaskForm):
    number = StringField(
        _l("Contract number"), [DataRequired(), Length(max=40)], filters=[strip_text]
    )
    kind = SelectField(_l("Type"), choices=ContractKind.choices, validators=[InputRequired()])
    starts_on = DateField(_l("Starts on"), [InputRequired()])
    ends_on = DateField(_l("Ends on"), [InputRequired()])
    terms = TextAreaField(
        _l("Renewal terms"), [Optional(), Length(max=COMMENT_MAX)], filters=[strip_text]
    )
    document = FileField(_l("Signed contract (PDF or photo)"))


class RenewalForm(FlaskForm):
    number = StringField(
        _l("New contract number"), [DataRequired(), Length(max=40)], filters=[strip_text]
    )
    starts_on = DateField(_l("Starts on"), [InputRequired()])
    ends_on = DateField(_l("Ends on"), [InputRequired()])
    terms = TextAreaField(
        _l("Proposed terms"), [DataRequired(), Length(max=COMMENT_MAX)], filters=[strip_text]
    )


class DecisionForm(VersionedForm):
    decision = StringField(validators=[AnyOf(("approve", "decline"))])  # the button pressed
    comment = TextAreaField(
        _l("Comment (required to decline)"),
        [Optional(), Length(max=COMMENT_MAX)],
        filters=[strip_text],
    )


class SignForm(VersionedForm):
    document = FileField(
        _l("Signed contract (PDF or photo)"), [DataRequired(message=FILE_REQUIRED)]
    )


class DocumentKindForm(VersionedForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=120)], filters=[strip_text])
    name_zh = StringField(
        _l("Name in Chinese"), [Optional(), Length(max=120)], filters=[strip_text]
    )
    expires = BooleanField(_l("Has an expiry date"), default=True)
    active = BooleanField(_l("Asked for"), default=True)
    required_for = SelectMultipleField(
        _l("Required of"), choices=DealerKind.choices, validators=[Optional()]
    )
