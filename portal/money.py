"""Money and unit figures: typed as text, stored as integer minor units (never float)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

MINOR_PER_MAJOR = 100
# Plain digits, or digits grouped in threes by commas; an optional decimal part.
_AMOUNT = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.([0-9]+))?$")
_COUNT = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$")


class FigureError(ValueError):
    """A figure the portal refuses; `message` is shown beside the field."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message


def _normalise(text: str) -> str:
    # Full-width digits, commas and points (common on Chinese keyboards) become ASCII.
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("\u3002", ".")
    return value


def parse_money(text: str | None, *, max_major: int) -> int | None:
    """`"12,500.5"` -> 1250050 minor units; None for an empty field; FigureError otherwise."""
    value = _normalise(text or "")
    if not value:
        return None
    if value.startswith("-"):
        raise FigureError(_l("Amounts cannot be negative."))
    match = _AMOUNT.match(value)
    if match is None:
        raise FigureError(_l("Enter an amount such as 12500 or 12,500.50."))
    decimals = match.group(1) or ""
    if len(decimals) > 2:
        raise FigureError(_l("Use at most 2 decimals."))
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise FigureError(_l("Enter an amount such as 12500 or 12,500.50.")) from None
    if amount > max_major:
        raise FigureError(_l("Enter at most %(max)s.", max=f"{max_major:,}"))
    return int(amount * MINOR_PER_MAJOR)


def parse_count(text: str | None, *, maximum: int) -> int | None:
    """A whole, non-negative count (units, visitors, staff); None for an empty field."""
    value = _normalise(text or "")
    if not value:
        return None
    if value.startswith("-"):
        raise FigureError(_l("Counts cannot be negative."))
    if _COUNT.match(value) is None:
        raise FigureError(_l("Enter a whole number."))
    count = int(value.replace(",", ""))
    if count > maximum:
        raise FigureError(_l("Enter at most %(max)s.", max=f"{maximum:,}"))
    return count


def to_decimal(minor: int | None) -> Decimal | None:
    """Minor units as an exact Decimal of major units (for display and CSV)."""
    if minor is None:
        return None
    return (Decimal(minor) / MINOR_PER_MAJOR).quantize(Decimal("0.01"))


def input_text(minor: int | None) -> str:
    """What an input field shows for a stored amount: `12500` or `12500.50`, no grouping."""
    if minor is None:
        return ""
    whole, cents = divmod(minor, MINOR_PER_MAJOR)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"
