"""CSV in and out: exports safe against formula injection, uploads read strictly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import Response
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import DateField, DecimalField, Form, IntegerField, SelectField

from portal import clock

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# A leading quote is escaped as well, so that an import undoes exactly what an export did.
ESCAPED_PREFIXES = (*FORMULA_PREFIXES, "'")
MAX_IMPORT_ROWS = 20000
MAX_LISTED_CODES = 30  # beyond this many, "use one of" lists would drown the message
MAX_SHOWN_TEXT = 60  # a cell's text quoted in a message is cut after this many characters


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


def csv_stream(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk_rows: int = 500
) -> Response:
    """A CSV download written while `rows` are read, `chunk_rows` at a time: for exports of
    thousands of rows, which would otherwise sit in memory whole. `rows` is read after the
    view has returned, when the request's context is gone: a query should read in batches
    (`yield_per`) in a session of its own, closed when the rows end."""

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([safe_cell(cell) for cell in header])
        for count, row in enumerate(rows, start=1):
            writer.writerow([safe_cell(cell) for cell in row])
            if count % chunk_rows == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(chunks(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_response(filename: str, header: Sequence[str], example: Sequence[Any]) -> Response:
    """An import template: the header row and one example row."""
    return csv_response(filename, header, [example])


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


# Row messages say what the cell held and what is allowed, so a user can fix the file
# without guessing. The row and column are shown beside the message.


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN_TEXT else value[: MAX_SHOWN_TEXT - 1] + "…"


def found(value: str, problem: str) -> str:
    """A rule's message with the cell's text in front (an empty cell speaks for itself)."""
    if not value:
        return problem
    return _('Found "%(value)s": %(problem)s', value=_shown(value), problem=problem)


def not_one_of(value: str, allowed: Sequence[str]) -> str:
    """A cell that must hold one of a short list of codes."""
    if not allowed:
        return _(
            '"%(value)s" is not allowed here, and nothing is available yet.', value=_shown(value)
        )
    return _(
        '"%(value)s" is not allowed here; use one of: %(allowed)s.',
        value=_shown(value),
        allowed=", ".join(allowed),
    )


def unknown_code(value: str, allowed: Sequence[str], problem: str) -> str:
    """A cell naming a record by code: list the codes when there are few enough to read."""
    if value and 0 < len(allowed) <= MAX_LISTED_CODES:
        return not_one_of(value, sorted(allowed))
    return found(value, problem)


def not_a_date(value: str) -> str:
    return _(
        '"%(value)s" is not a date; use YYYY-MM-DD, e.g. %(example)s.',
        value=_shown(value),
        example=clock.today().isoformat(),
    )


def not_a_number(value: str) -> str:
    return _('"%(value)s" is not a number; use digits only, e.g. 10.', value=_shown(value))


def check_with_form(form_class: type[Form], values: dict[str, str]) -> tuple[list[RowError], dict]:
    """Validate one row with a page's form fields (no CSRF: the upload form had it).

    Returns errors (row 0: the caller knows the row) and {field: cleaned value} for the
    columns present. The form library's messages are replaced by ones that name the cell's
    text and what the column allows."""
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    form.validate()
    errors = [
        RowError(0, name, _explain(form[name], values.get(name, ""), messages))
        for name, messages in form.errors.items()
        if name != "version"
    ]
    cleaned = {field.name: field.data for field in form if field.name in values}
    return errors, cleaned


def _explain(field: Any, value: str, messages: Sequence[Any]) -> str:
    if not value and field.flags.required:
        return _("This column cannot be empty.")
    if value and isinstance(field, SelectField) and field.data not in dict(field.choices or ()):
        return not_one_of(value, [str(choice) for choice, _label in field.choices or ()])
    if value and isinstance(field, DateField) and field.data is None:
        return not_a_date(value)
    if value and isinstance(field, IntegerField | DecimalField) and field.data is None:
        return not_a_number(value)
    return found(value, "; ".join(str(message) for message in messages))
