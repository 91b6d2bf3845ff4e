"""CSV in and out: exports safe against formula injection, uploads read strictly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import Response
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# A leading quote is escaped as well, so that an import undoes exactly what an export did.
ESCAPED_PREFIXES = (*FORMULA_PREFIXES, "'")
MAX_IMPORT_ROWS = 20000


def safe_cell(value: Any) -> str:
    """Text a spreadsheet will not run: cells that look like formulas get a leading quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)  # a number, even a negative one, is data, not a formula
    text = value.value if isinstance(value, Enum) else value
    text = str(text)
    if text.startswith(FORMULA_PREFIXES) or _is_escaped(text):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo safe_cell's quote, so an exported file imports back to the same values."""
    return text[1:] if _is_escaped(text) else text


def _is_escaped(text: str) -> bool:
    return text.startswith("'") and text[1:2] in ESCAPED_PREFIXES


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download (UTF-8 with BOM, so spreadsheet apps read Chinese correctly)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file: the row as a spreadsheet numbers it (header is 1)."""

    row: int
    column: str
    message: str


class CsvRejected(ValueError):
    """The whole file is refused; `errors` says where and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem{'' if len(errors) == 1 else 's'} in the file")
        self.errors = errors


def read_rows(
    upload: FileStorage | bytes, required: Sequence[str], optional: Sequence[str] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Decode an uploaded CSV into (row number, {column: text}); raise CsvRejected on bad shape."""
    raw = upload if isinstance(upload, bytes) else upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRejected([RowError(1, "", _("The file is not UTF-8 text."))]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in required and name not in optional]
    errors = [RowError(1, name, _("This column is missing.")) for name in missing]
    errors += [RowError(1, name, _("This column is not known.")) for name in unknown]
    if errors:
        raise CsvRejected(errors)
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    number = 1
    try:
        for number, record in enumerate(reader, start=2):
            if number - 1 > MAX_IMPORT_ROWS:
                raise CsvRejected([RowError(number, "", _("The file has too many rows."))])
            if None in record:
                raise CsvRejected([RowError(number, "", _("This row has too many cells."))])
            values = {key: unescape_cell((value or "").strip()) for key, value in record.items()}
            if any(values.values()):
                rows.append((number, values))
    except csv.Error:
        raise CsvRejected([RowError(number + 1, "", _("This row is not valid CSV."))]) from None
    if not rows:
        raise CsvRejected([RowError(2, "", _("The file has no rows."))])
    return rows
