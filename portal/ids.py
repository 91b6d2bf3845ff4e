"""Ids read from requests stay within what the id columns hold, so a huge number is not a 500.

Every id column is `Integer`: 32-bit on PostgreSQL (SQLite's 64-bit range is wider). A bigger
value names no row, yet binding it fails (SQLite: OverflowError) instead of finding nothing.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The app's `<int:...>`: values above MAX_ID match no route, hence a plain 404.

    Every integer URL argument is an id or a notice's version number, an Integer column too.
    """

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def to_id(text: str | None) -> int | None:
    """`text` (a query-string or form value) as an id, or None when absent or not a valid id."""
    text = (text or "").strip()
    # isdigit() alone also accepts "²", which int() refuses; the length check keeps int() cheap.
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None
