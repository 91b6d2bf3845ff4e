"""Forms of the token pages: a personal token, a service token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import strip_text
from portal.models import Role

ACCESS_CHOICES = [
    ("read", _l("Read only")),
    ("write", _l("Read and write")),
]


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        [DataRequired(), Length(max=120)],
        filters=[strip_text],
        description=_l("What the token is for, e.g. the system that uses it."),
    )
    days = IntegerField(_l("Valid for (days)"), [InputRequired(), NumberRange(min=1, max=366)])
    access = RadioField(_l("Access"), choices=ACCESS_CHOICES, default="read")

    @property
    def read_only(self) -> bool:
        return self.access.data != "write"


class ServiceTokenForm(TokenForm):
    role = SelectField(_l("Acts as"), choices=Role.choices, coerce=Role, default=Role.DEALER)
    dealer_id = SelectField(
        _l("Dealer (for a dealer integration)"), coerce=int, validators=[Optional()]
    )
    region_ids = SelectMultipleField(
        _l("Regions (for a regional integration)"), coerce=int, validators=[Optional()]
    )
