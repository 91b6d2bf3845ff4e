"""Prospect forms, one per action. The screening checklist's answers are read in its view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from portal.forms import (
    ClientKeyField,
    FigureField,
    MoneyField,
    VersionedForm,
    email_field,
    phone_field,
    strip_text,
    upper_code,
)
from portal.models import DealerKind, StoreFormat, StoreStatus
from portal.prospects.services import PLANNED_STORES_MAX, TARGET_LINES_MAX

TEXT_MAX = 2000
PLANNED_STORE_ROWS = PLANNED_STORES_MAX


def _comment(label, required: bool = False, message=None):
    rules = [DataRequired(message=message)] if required else [Optional()]
    return TextAreaField(
        label, [*rules, Length(max=TEXT_MAX)], filters=[strip_text], render_kw={"rows": 2}
    )


class ProspectForm(VersionedForm):
    name = StringField(_l("Business name"), [DataRequired(), Length(max=200)], filters=[strip_text])
    kind = SelectField(_l("Type"), choices=DealerKind.choices(), default=DealerKind.DEALER.value)
    contact_person = StringField(
        _l("Contact person"), [Optional(), Length(max=120)], filters=[strip_text]
    )
    phone = phone_field()
    email = email_field()
    address = StringField(_l("Address"), [Optional(), Length(max=300)], filters=[strip_text])
    city = StringField(_l("City"), [DataRequired(), Length(max=120)], filters=[strip_text])
    city_alias = StringField(
        _l("City's other name"), [Optional(), Length(max=120)], filters=[strip_text]
    )
    source = StringField(_l("Lead source"), [Optional(), Length(max=120)], filters=[strip_text])
    notes = TextAreaField(
        _l("Notes"), [Optional(), Length(max=TEXT_MAX)], filters=[strip_text], render_kw={"rows": 3}
    )


class NewProspectForm(ProspectForm):
    region_id = SelectField(_l("Region"), coerce=int, validators=[InputRequired()])
    client_key = ClientKeyField()


class StepForm(VersionedForm):
    """Take the prospect one step on: the step is named by the button (`action`)."""

    comment = _comment(_l("Comment"))


class LoseForm(VersionedForm):
    reason = _comment(
        _l("Why the prospect is lost"), required=True, message=_l("Say why the prospect is lost.")
    )


class ReviewForm(VersionedForm):
    """Head office's decision on a proposal (`decision`: approve or return)."""

    comment = _comment(_l("Comment (needed to return the proposal)"))


class ScreeningForm(VersionedForm):
    """The checklist's answers are fields `result-<item>` and `note-<item>`, documents
    `documents-<item>`: read in the view, checked by the service."""


class PlannedStoreForm(Form):
    name = StringField(_l("Store name"), [Optional(), Length(max=200)], filters=[strip_text])
    city = StringField(_l("City"), [Optional(), Length(max=120)], filters=[strip_text])
    address = StringField(_l("Address"), [Optional(), Length(max=300)], filters=[strip_text])
    format = SelectField(
        _l("Format"), choices=StoreFormat.choices(), default=StoreFormat.STANDARD.value
    )
    status = SelectField(
        _l("Status when signed"),
        choices=[(s.value, s.label) for s in (StoreStatus.PLANNED, StoreStatus.OPEN)],
        default=StoreStatus.PLANNED.value,
    )
    opens_on = DateField(_l("Opens on"), [Optional()])


class TargetLineForm(Form):
    product_line_id = HiddenField()
    revenue = MoneyField(_l("First-year revenue"), [Optional()])
    units = FigureField(_l("First-year units"), [Optional()])


class ProposalForm(VersionedForm):
    dealer_code = StringField(
        _l("New dealer's code"),
        [
            Optional(),
            Length(min=2, max=17),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                message=_l("Use letters, digits, - and _ only, starting with a letter or digit."),
            ),
        ],
        filters=[upper_code],
    )
    contract_start = DateField(_l("Contract start"), [Optional()])
    contract_end = DateField(_l("Contract end"), [Optional()])
    contract_terms = TextAreaField(
        _l("Contract terms (fees, exclusivity, renewal)"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 3},
    )
    note = TextAreaField(
        _l("Note to head office"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip_text],
        render_kw={"rows": 2},
    )
    stores = FieldList(
        FormField(PlannedStoreForm), min_entries=PLANNED_STORE_ROWS, max_entries=PLANNED_STORE_ROWS
    )
    targets = FieldList(FormField(TargetLineForm), max_entries=TARGET_LINES_MAX)
