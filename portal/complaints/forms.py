"""Complaint forms: recording one, and one form per step of its lifecycle.

Choices that depend on the reader (stores in scope, active categories in their language)
are filled in by the view. Each step's form carries the complaint's `version`, so a step
taken on a page that has gone stale is refused rather than applied to a changed complaint.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.complaints.services import DESCRIPTION_MAX
from portal.forms import ClientKeyField, MoneyField, VersionedForm, strip_text
from portal.models import Channel, ComplaintAction, Remedy, SeriousKind, Severity

COMMENT_MAX = 4000
MAX_PHOTOS = 5
SATISFACTION = [("", "—"), *((str(score), str(score)) for score in range(1, 6))]


def _score(value: Any) -> int | None:
    """A satisfaction choice: "" (not given) is None."""
    if value in ("", None):
        return None
    return int(value)


class ComplaintForm(FlaskForm):
    store_id = SelectField(_l("Store"), coerce=int, validators=[InputRequired()])
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    product_line_id = SelectField(_l("Product line (optional)"), coerce=int, default=0)
    channel = SelectField(_l("Received by"), choices=Channel.choices(), default=Channel.PHONE)
    severity = SelectField(_l("Severity"), choices=Severity.choices(), default=Severity.NORMAL)
    serious_kind = SelectField(
        _l("Why it is serious"), choices=[("", "—"), *SeriousKind.choices()], default=""
    )
    customer_name = StringField(_l("Customer name"), [Length(max=120)], filters=[strip_text])
    customer_phone = StringField(_l("Customer phone"), [Length(max=40)], filters=[strip_text])
    customer_email = StringField(
        _l("Customer email"),
        [Optional(), Length(max=254), Email(check_deliverability=False)],
        filters=[strip_text],
    )
    received_at = DateTimeLocalField(
        _l("Received at (the store's local time; empty: now)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[Optional()],
    )
    description = TextAreaField(
        _l("What the customer complained of"),
        [
            DataRequired(message=_l("Describe what the customer complained of.")),
            Length(max=DESCRIPTION_MAX),
        ],
        filters=[strip_text],
        render_kw={"rows": 5},
    )
    photos = MultipleFileField(_l("Photos (optional, up to %(count)d)", count=MAX_PHOTOS))
    client_key = ClientKeyField()

    def validate_serious_kind(self, field: SelectField) -> None:
        if self.severity.data == Severity.SERIOUS and not field.data:
            raise ValidationError(_l("Say why the complaint is serious."))

    def chosen_photos(self) -> list[Any]:
        return [photo for photo in self.photos.data or [] if photo and photo.filename]


def _comment(label: Any, *, required: Any = None) -> TextAreaField:
    validators: list[Any] = [Length(max=COMMENT_MAX)]
    validators.insert(0, DataRequired(message=required) if required else Optional())
    return TextAreaField(label, validators, filters=[strip_text], render_kw={"rows": 2})


class ForwardForm(VersionedForm):
    comment = _comment(_l("Comment (optional)"))


class StartForm(VersionedForm):
    comment = _comment(_l("Comment (optional)"))


class ResolveForm(VersionedForm):
    remedy = SelectField(
        _l("Remedy"), choices=[("", "—"), *Remedy.choices()], validators=[DataRequired()]
    )
    cost = MoneyField(_l("Cost (optional)"))
    satisfaction = SelectField(
        _l("Customer satisfaction, 1 to 5 (optional)"), choices=SATISFACTION, coerce=_score
    )
    comment = _comment(
        _l("How it was resolved"), required=_l("Say how the complaint was resolved.")
    )


class CloseForm(VersionedForm):
    satisfaction = SelectField(
        _l("Customer satisfaction, 1 to 5 (optional)"), choices=SATISFACTION, coerce=_score
    )
    comment = _comment(_l("Comment (optional)"))


class ReopenForm(VersionedForm):
    reason = _comment(
        _l("Why the customer came back"), required=_l("Say why the customer came back.")
    )


STEP_FORMS: dict[ComplaintAction, type[VersionedForm]] = {
    ComplaintAction.FORWARD: ForwardForm,
    ComplaintAction.START: StartForm,
    ComplaintAction.RESOLVE: ResolveForm,
    ComplaintAction.CLOSE: CloseForm,
    ComplaintAction.REOPEN: ReopenForm,
}
