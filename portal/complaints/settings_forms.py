"""Forms of the complaint settings pages (portal/complaints/settings.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FileField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import CODE_RULES, VersionedForm, email_field, strip_text, upper_code


class CategoryForm(VersionedForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=120)], filters=[strip_text])
    name_zh = StringField(_l("Chinese name"), [Optional(), Length(max=120)], filters=[strip_text])
    resolve_days = IntegerField(
        _l("Resolution target (business days)"),
        [InputRequired(), NumberRange(min=1, max=60)],
        default=3,
    )
    sort_order = IntegerField(
        _l("Sort order"), [Optional(), NumberRange(min=0, max=9999)], default=0
    )
    active = BooleanField(_l("In use"), default=True)


class DayForm(Form):
    """One weekday of a region's week: open or not, and when."""

    open = BooleanField(lazy_pgettext("business day", "Open"))
    opens = TimeField(_l("Opens"), [Optional()])
    closes = TimeField(_l("Closes"), [Optional()])

    def validate_open(self, field: BooleanField) -> None:
        # On `open`, not on the times: their Optional() ends the checks of an empty time.
        if not field.data:
            return
        if self.opens.data is None or self.closes.data is None:
            raise ValidationError(_l("Give the opening and closing times of an open day."))
        if not self.opens.data < self.closes.data:
            raise ValidationError(_l("The day must open before it closes."))


class CalendarForm(VersionedForm):
    timezone = SelectField(_l("Time zone"), validators=[InputRequired()])
    days = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
    after_sales_user_id = SelectField(_l("After-sales contact"), coerce=int, default=0)
    after_sales_email = email_field(_l("After-sales mailbox"))

    def validate_days(self, field: FieldList) -> None:
        if not any(day.form.open.data for day in field.entries):
            raise ValidationError(_l("Open the region on one day of the week at least."))


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), [InputRequired()])
    name = StringField(_l("Name"), [Optional(), Length(max=120)], filters=[strip_text])
    region_id = SelectField(_l("Where"), coerce=int, default=0)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[DataRequired(message=_l("Choose a CSV file."))])
