"""The receivables forms: one per action."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import MoneyField, VersionedForm, strip_text
from portal.models import ContactKind


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[DataRequired(message=_l("Choose a CSV file."))])


class TermsForm(VersionedForm):
    limit_minor = MoneyField(_l("Credit limit"), [InputRequired()])
    terms_days = IntegerField(_l("Payment terms (days)"), [InputRequired(), NumberRange(0, 365)])


class HoldForm(VersionedForm):
    on_hold = BooleanField(_l("Credit on hold"))
    reason = TextAreaField(
        _l("Reason the dealer sees"), [Optional(), Length(max=500)], filters=[strip_text]
    )


class ContactForm(FlaskForm):
    kind = SelectField(_l("Contact"), choices=ContactKind.choices, validators=[InputRequired()])
    contacted_on = DateField(_l("Date of contact"), [InputRequired()])
    promise_on = DateField(_l("Promised to pay by"), [Optional()])
    note = TextAreaField(_l("Note"), [Optional(), Length(max=2000)], filters=[strip_text])
