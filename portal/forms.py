"""Form pieces shared by every area."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from portal import money

# A record's code (dealer, store, region, product line, standard, category): 2-20 letters,
# digits, - and _, starting with a letter or digit.
CODE_RULES = [
    DataRequired(),
    Length(min=2, max=20),
    Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        message=_l("Use letters, digits, - and _ only, starting with a letter or digit."),
    ),
]


def new_client_key() -> str:
    return uuid.uuid4().hex


class ClientKeyField(HiddenField):
    """A create form's one-time key (set when the form is shown): the same form sent twice
    (a double click, a resent POST) records one thing. Anything but a UUID reads as none."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        try:
            self.data = uuid.UUID((self.data or "").strip()).hex
        except ValueError:
            self.data = None


def strip_text(value: str | None) -> str | None:
    """A field filter: surrounding spaces off."""
    return value.strip() if isinstance(value, str) else value


def phone_field(label: Any = None) -> StringField:
    """An optional phone number: digits, spaces and + ( ) - . (a dealer's, a prospect's)."""
    return StringField(
        label or _l("Phone"),
        [
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+()\-. ]*$", message=_l("Digits, spaces and + ( ) - . only.")),
        ],
        filters=[strip_text],
    )


def email_field(label: Any = None) -> EmailField:
    """An optional email address (its domain is not looked up)."""
    return EmailField(
        label or _l("Email"),
        [Optional(), Length(max=254), Email(check_deliverability=False)],
        filters=[strip_text],
    )


def upper_code(value: str | None) -> str | None:
    """A field filter for codes: spaces off, upper case."""
    return value.strip().upper() if isinstance(value, str) else value


class ButtonForm(FlaskForm):
    """A CSRF-only form for POST buttons (state never changes on GET)."""


class VersionedForm(FlaskForm):
    """A form that posts back the version of the record it was rendered with."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)])

    def is_stale(self, record: Any) -> bool:
        """True when the record changed since this form was rendered (or no version came back)."""
        if not self.version.raw_data:  # else WTForms falls back to the record's own version
            return True
        return self.version.data != record.version

    def adopt_version(self, record: Any) -> None:
        """Render the record's current version, so saving again knowingly keeps these values."""
        self.version.data = record.version
        self.version.raw_data = [str(record.version)]  # what the hidden input renders

    def conflicts(self, record: Any) -> list[tuple[str, str, str]]:
        """(label, your value, current value) for each field that now differs from the record,
        worded as the reader would see them."""
        rows = []
        for field in self:
            if field.name in ("version", "csrf_token") or not hasattr(record, field.name):
                continue
            current = getattr(record, field.name)
            if _comparable(current) != _comparable(field.data):
                rows.append(
                    (str(field.label.text), shown(field, field.data), shown(field, current))
                )
        return rows


def _comparable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return "" if value is None else value


def shown(field: Any, value: Any) -> str:
    """A field's value as a reader sees it: the label of a choice, Yes or No, or the text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    key = _comparable(value)
    for choice in getattr(field, "choices", None) or ():
        if isinstance(choice, tuple | list) and len(choice) >= 2 and _comparable(choice[0]) == key:
            return str(choice[1])
    label = getattr(value, "label", None)
    return str(label) if label is not None else str(value)


class FigureField(StringField):
    """A figure typed as text (`12,500.50`); `data` is the parsed integer or None."""

    kind = "count"

    def __init__(self, *args: Any, maximum: str = "COUNT_MAX", **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault(
            "inputmode", "numeric" if self.kind == "count" else "decimal"
        )
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(*args, **kwargs)
        self.maximum = maximum
        self.raw: str | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()[:40]
        self.data = None
        try:
            self.data = self.parse(self.raw)
        except money.FigureError as error:
            raise ValueError(str(error.message)) from None

    def parse(self, text: str) -> int | None:
        return money.parse_count(text, maximum=current_app.config[self.maximum])

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        return "" if self.data is None else str(self.data)


class MoneyField(FigureField):
    """An amount; `data` is integer minor units."""

    kind = "money"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, maximum="MONEY_MAX", **kwargs)

    def parse(self, text: str) -> int | None:
        return money.parse_money(text, max_major=current_app.config[self.maximum])

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        return money.input_text(self.data)
