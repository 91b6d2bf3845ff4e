"""Forms of the mail area: one class per action."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField

from portal.mail import kinds
from portal.models import MailMode, User


class PreferencesForm(FlaskForm):
    """One choice per topic the user gets mail about (fields added per user)."""


def preferences_form(user: User, current: dict[str, MailMode]) -> FlaskForm:
    """The form for `user`'s topics: escalations offer no "off"."""

    class Form(PreferencesForm):
        pass

    for topic in kinds.topics_for(user):
        modes = [m for m in MailMode if not (m == MailMode.OFF and topic in kinds.NEVER_OFF)]
        setattr(
            Form,
            topic,
            SelectField(
                kinds.TOPIC_LABELS[topic],
                choices=[(m.value, m.label) for m in modes],
                default=current[topic].value,
            ),
        )
    return Form()
