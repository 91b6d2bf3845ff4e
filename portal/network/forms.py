"""Registry forms. Field rules are defined once and shared by the CSV importers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FileField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import (
    CODE_RULES,
    VersionedForm,
    email_field,
    phone_field,
    strip_text,
    upper_code,
)
from portal.models import DealerKind, DealerStatus, StoreFormat, StoreStatus


class ContractDates:
    """Validator: the contract cannot end before it starts."""

    def __call__(self, form: FlaskForm, field: DateField) -> None:
        start = form.contract_start.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("The contract cannot end before it starts."))


class DealerContactFields(VersionedForm):
    contact_person = StringField(
        _l("Contact person"), [Optional(), Length(max=120)], filters=[strip_text]
    )
    phone = phone_field()
    email = email_field()
    address = StringField(_l("Address"), [Optional(), Length(max=300)], filters=[strip_text])
    city = StringField(_l("City"), [Optional(), Length(max=120)], filters=[strip_text])
    city_alias = StringField(
        _l("City in the other language or alias"),
        [Optional(), Length(max=120)],
        filters=[strip_text],
    )


class DealerFields(DealerContactFields):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[strip_text])
    kind = SelectField(
        _l("Kind"), choices=DealerKind.choices, coerce=DealerKind, validators=[InputRequired()]
    )
    status = SelectField(
        _l("Status"),
        choices=DealerStatus.choices,
        coerce=DealerStatus,
        validators=[InputRequired()],
    )
    contract_start = DateField(_l("Contract start"), [Optional()])
    contract_end = DateField(_l("Contract end"), [Optional(), ContractDates()])


class DealerForm(DealerFields):
    """A new dealer; later region changes are moves (MoveDealerForm)."""

    region_id = SelectField(_l("Region"), coerce=int, validators=[InputRequired()])


class DealerEditForm(DealerFields):
    """An admin's edit of an existing dealer's profile."""


class DealerContactForm(DealerContactFields):
    """What a supervisor may change on a dealer of their regions."""


class MoveDealerForm(VersionedForm):
    region_id = SelectField(_l("New region"), coerce=int, validators=[InputRequired()])


class StoreFields(VersionedForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[strip_text])
    address = StringField(_l("Address"), [Optional(), Length(max=300)], filters=[strip_text])
    city = StringField(_l("City"), [Optional(), Length(max=120)], filters=[strip_text])
    city_alias = StringField(
        _l("City in the other language or alias"),
        [Optional(), Length(max=120)],
        filters=[strip_text],
    )
    format = SelectField(
        _l("Format"), choices=StoreFormat.choices, coerce=StoreFormat, validators=[InputRequired()]
    )
    opened_on = DateField(_l("Opened on"), [Optional()])
    status = SelectField(
        _l("Status"), choices=StoreStatus.choices, coerce=StoreStatus, validators=[InputRequired()]
    )


class StoreForm(StoreFields):
    dealer_id = SelectField(_l("Dealer"), coerce=int, validators=[InputRequired()])


class RegionForm(VersionedForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=120)], filters=[strip_text])


class ProductLineForm(VersionedForm):
    code = StringField(_l("Code"), CODE_RULES, filters=[upper_code])
    name = StringField(_l("Name"), [DataRequired(), Length(max=120)], filters=[strip_text])
    name_zh = StringField(
        _l("Chinese name"),
        [Optional(), Length(max=120)],
        filters=[strip_text],
    )
    sort_order = IntegerField(
        _l("Sort order"), [Optional(), NumberRange(min=0, max=9999)], default=0
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[DataRequired(message=_l("Choose a CSV file."))])
