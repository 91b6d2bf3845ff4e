"""Standards forms: one per action."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import CODE_RULES, VersionedForm, strip_text, upper_code
from portal.models import StandardPurpose


class StandardForm(FlaskForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[strip_text])
    purpose = SelectField(
        _l("Used for"), choices=StandardPurpose.choices(), default=StandardPurpose.AUDIT.value
    )


class RenameStandardForm(VersionedForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[strip_text])


class SectionForm(VersionedForm):
    """Posts back the draft's version: sections have none of their own."""

    title = StringField(
        _l("Section title"), [DataRequired(), Length(max=200)], filters=[strip_text]
    )


class ItemForm(VersionedForm):
    section_id = SelectField(_l("Section"), coerce=int, validators=[InputRequired()])
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    question = TextAreaField(
        _l("Question"), [DataRequired(), Length(max=500)], filters=[strip_text]
    )
    guidance = TextAreaField(
        _l("Guidance for the auditor"), [Optional(), Length(max=4000)], filters=[strip_text]
    )
    question_zh = TextAreaField(
        _l("Question in Chinese"), [Optional(), Length(max=500)], filters=[strip_text]
    )
    guidance_zh = TextAreaField(
        _l("Guidance in Chinese"), [Optional(), Length(max=4000)], filters=[strip_text]
    )
    weight = IntegerField(
        _l("Weight (0 to 10)"),
        [
            InputRequired(message=_l("Give a weight from 0 to 10.")),
            NumberRange(min=0, max=10, message=_l("The weight must be from 0 to 10.")),
        ],
        default=1,
    )
    critical = BooleanField(_l("Critical: failing it fails the whole audit"))
    na_allowed = BooleanField(_l("N/A allowed"), default=True)
    photo_required = BooleanField(_l("Photo required when it fails"))


class PublishForm(VersionedForm):
    notes = TextAreaField(
        _l("What changed in this version"), [Optional(), Length(max=2000)], filters=[strip_text]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("JSON file"), validators=[DataRequired(message=_l("Choose a JSON file."))])
