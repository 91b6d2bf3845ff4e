"""Form pieces shared by every area."""

from __future__ import annotations

import enum
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput


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

    def conflicts(self, record: Any) -> list[tuple[str, Any, Any]]:
        """(label, your value, current value) for each field that now differs from the record."""
        rows = []
        for field in self:
            if field.name in ("version", "csrf_token") or not hasattr(record, field.name):
                continue
            current = getattr(record, field.name)
            if _comparable(current) != _comparable(field.data):
                rows.append((str(field.label.text), field.data, current))
        return rows


def _comparable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return "" if value is None else value
