"""User administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.forms import VersionedForm, strip_text
from portal.models import Role
from portal.models.activity import OUTCOMES


class UserFields(VersionedForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=120)], filters=[strip_text])
    role = SelectField(_l("Role"), choices=Role.choices, coerce=Role, validators=[InputRequired()])
    dealer_id = SelectField(_l("Dealer (for dealer users)"), coerce=int, validators=[Optional()])
    region_ids = SelectMultipleField(
        _l("Regions (for supervisors)"), coerce=int, validators=[Optional()]
    )
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("zh_Hans", "简体中文")])


class UserCreateForm(UserFields):
    # A new account starts with the least privilege; more is an explicit choice.
    role = SelectField(
        _l("Role"),
        choices=Role.choices,
        coerce=Role,
        validators=[InputRequired()],
        default=Role.DEALER.value,
    )
    email = EmailField(
        _l("Email"),
        [DataRequired(), Length(max=254), Email(check_deliverability=False)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    password = PasswordField(
        _l("Temporary password"),
        [DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )


class UserEditForm(UserFields):
    """Email is the sign-in name and stays; everything else can change."""


class ResetPasswordForm(VersionedForm):
    password = PasswordField(
        _l("Temporary password"),
        [DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )


class ActivityFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(_l("Actor email"), [Optional(), Length(max=254)])
    action = StringField(_l("Action"), [Optional(), Length(max=60)])
    object_type = StringField(_l("Object type"), [Optional(), Length(max=40)])
    outcome = SelectField(
        _l("Outcome"),
        choices=[("", _l("Any")), *OUTCOMES.items()],
        validators=[Optional()],
    )
    since = DateField(_l("From"), [Optional()])
    until = DateField(_l("To"), [Optional()])
