"""Standards forms: one per action."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.forms import VersionedForm

CODE_RULES = [
    DataRequired(),
    Length(min=2, max=20),
    Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        message=_l("Use letters, digits, - and _ only, starting with a letter or digit."),
    ),
]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if isinstance(value, str) else value


class StandardForm(FlaskForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[_upper])
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[_strip])


class RenameStandardForm(VersionedForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[_strip])


class SectionForm(VersionedForm):
    """Posts back the draft's version: sections have none of their own."""

    title = StringField(_l("Section title"), [DataRequired(), Length(max=200)], filters=[_strip])


class ItemForm(VersionedForm):
    section_id = SelectField(_l("Section"), coerce=int, validators=[InputRequired()])
    code = StringField(_l("Code"), CODE_RULES, filters=[_upper])
    question = TextAreaField(_l("Question"), [DataRequired(), Length(max=500)], filters=[_strip])
    guidance = TextAreaField(
        _l("Guidance for the auditor"), [Optional(), Length(max=4000)], filters=[_strip]
    )
    question_zh = TextAreaField(
        _l("Question in Chinese"), [Optional(), Length(max=500)], filters=[_strip]
    )
    guidance_zh = TextAreaField(
        _l("Guidance in Chinese"), [Optional(), Length(max=4000)], filters=[_strip]
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
        _l("What changed in this version"), [Optional(), Length(max=2000)], filters=[_strip]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("JSON file"), validators=[DataRequired(message=_l("Choose a JSON file."))])
