"""The invoices CSV: all or nothing, with a per-row error report; sending the same file
again changes nothing.

Columns dealer_code, number, issued_on, due_on, amount, currency, paid_amount, paid_on. An
empty due_on is the invoice date plus the dealer's payment terms; currency defaults to CNY;
paid_amount is what is paid of the invoice so far. A known invoice (the same dealer and
number) is left as it is, but for payments that grew since: the difference is recorded as a
payment on paid_on (default: today). An invoice recorded with other dates or amount is an
error: a bill once recorded is corrected by a credit note, not by a file.

A supervisor's file may only name the dealers of their regions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import activity, clock
from portal.access.receivables import importable_dealers
from portal.csvio import CsvRejected, RowError, found, not_a_date, read_rows
from portal.csvio import unknown_code as unknown
from portal.extensions import db
from portal.models import Dealer, DealerCredit, Invoice, User
from portal.models.receivables import DEFAULT_CURRENCY, DEFAULT_TERMS_DAYS
from portal.money import FigureError, parse_money
from portal.receivables import services

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_MAJOR = 10**10  # ten billion a line
NUMBER_MAX = 40
COLUMNS = (
    "dealer_code",
    "number",
    "issued_on",
    "due_on",
    "amount",
    "currency",
    "paid_amount",
    "paid_on",
)
REQUIRED = ("dealer_code", "number", "issued_on", "amount")
SERVICE_COLUMNS = {"due_on": "due_on", "paid_amount": "paid_amount", "number": "number"}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    paid: int

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.paid


def _read(upload: FileStorage | bytes) -> tuple[bytes, list]:
    raw = upload if isinstance(upload, bytes) else upload.stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        message = _("The file is larger than %(size)d MB.", size=MAX_BYTES // (1024 * 1024))
        raise CsvRejected([RowError(1, "", message)])
    rows = read_rows(raw, required=REQUIRED, optional=COLUMNS)
    if len(rows) > MAX_ROWS:
        message = _("A file holds %(max)d rows at most; send it in parts.", max=MAX_ROWS)
        raise CsvRejected([RowError(rows[MAX_ROWS][0], "", message)])
    return raw, rows


def _reject(errors: list[RowError]) -> None:
    if errors:
        raise CsvRejected(sorted(errors, key=lambda error: (error.row, error.column)))


def import_invoices(upload: FileStorage | bytes, *, user: User) -> ImportResult:
    raw, rows = _read(upload)
    dealers = {d.code.upper(): d for d in db.session.scalars(importable_dealers(user))}
    terms = dict(db.session.execute(select(DealerCredit.dealer_id, DealerCredit.terms_days)).all())
    errors: list[RowError] = []
    parsed: list[tuple[int, services.InvoiceLine]] = []
    seen: dict[tuple[int, str], int] = {}
    for number, values in rows:
        line, row_errors = _row(number, values, dealers, terms)
        if line is not None:
            key = (line.dealer.id, line.number)
            if key in seen:
                message = _("The same invoice as row %(row)d.", row=seen[key])
                row_errors.append(RowError(number, "number", message))
            seen.setdefault(key, number)
            parsed.append((number, line))
        errors += row_errors
    _reject(errors)
    known = _known([line for _number, line in parsed])
    counts = {services.CREATED: 0, services.PAID: 0, services.UNCHANGED: 0}
    for number, line in parsed:
        try:
            outcome = services.save_invoice(line, existing=known.get((line.dealer.id, line.number)))
        except services.ReceivablesError as error:
            column = SERVICE_COLUMNS.get(error.field or "", "")
            errors.append(RowError(number, column, str(error.message)))
            continue
        counts[outcome] += 1
    _reject(errors)
    result = ImportResult(len(parsed), counts[services.CREATED], counts[services.PAID])
    activity.record(
        "invoice.import",
        details={
            "rows": result.rows,
            "created": result.created,
            "paid": result.paid,
            "unchanged": result.unchanged,
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        actor=user,
    )
    return result


def _row(number: int, values: dict[str, str], dealers: dict[str, Dealer], terms: dict):
    """A row as an InvoiceLine, or None with its errors."""
    errors: list[RowError] = []

    def refuse(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    given = {column: values.get(column, "") for column in COLUMNS}
    dealer = dealers.get(given["dealer_code"].upper())
    if dealer is None:
        refuse(
            "dealer_code",
            unknown(given["dealer_code"], list(dealers), _("No dealer has this code.")),
        )
    invoice_number = given["number"]
    if not invoice_number:
        refuse("number", _("This column cannot be empty."))
    elif len(invoice_number) > NUMBER_MAX:
        refuse("number", _("Keep it under %(max)d characters.", max=NUMBER_MAX))
    issued_on = _date(given["issued_on"], "issued_on", refuse, required=True)
    due_on = _date(given["due_on"], "due_on", refuse)
    amount = _money(given["amount"], "amount", refuse, required=True)
    paid = _money(given["paid_amount"], "paid_amount", refuse) or 0
    paid_on = _date(given["paid_on"], "paid_on", refuse)
    currency = (given["currency"] or DEFAULT_CURRENCY).upper()
    if len(currency) != 3 or not currency.isalpha():
        refuse("currency", found(given["currency"], _("Use a three-letter code such as CNY.")))
    if errors or dealer is None or issued_on is None or amount is None:
        return None, errors
    if due_on is None:
        try:
            due_on = issued_on + timedelta(days=terms.get(dealer.id, DEFAULT_TERMS_DAYS))
        except OverflowError:
            refuse("issued_on", found(given["issued_on"], _("This date is too far ahead.")))
            return None, errors
    if due_on < issued_on:
        refuse("due_on", _("The due date is before the invoice date."))
    if paid > amount:
        refuse("paid_amount", _("The paid amount is more than the invoice."))
    if paid_on is not None and paid_on > clock.today():
        refuse("paid_on", _("This date is in the future."))
    if errors:
        return None, errors
    line = services.InvoiceLine(
        dealer=dealer,
        number=invoice_number,
        issued_on=issued_on,
        due_on=due_on,
        amount_minor=amount,
        currency=currency,
        paid_minor=paid,
        paid_on=paid_on,
    )
    return line, errors


def _date(text: str, column: str, refuse, *, required: bool = False) -> date | None:
    if not text:
        if required:
            refuse(column, _("This column cannot be empty."))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse(column, not_a_date(text))
        return None


def _money(text: str, column: str, refuse, *, required: bool = False) -> int | None:
    try:
        value = parse_money(text, max_major=MAX_MAJOR)
    except FigureError as error:
        refuse(column, found(text, str(error.message)))
        return None
    if value is None and required:
        refuse(column, _("This column cannot be empty."))
    return value


def _known(lines: list[services.InvoiceLine]) -> dict[tuple[int, str], Invoice]:
    """The invoices already recorded among the file's, read in chunks."""
    known: dict[tuple[int, str], Invoice] = {}
    numbers = sorted({line.number for line in lines})
    dealer_ids = {line.dealer.id for line in lines}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for invoice in db.session.scalars(
            select(Invoice).where(Invoice.number.in_(chunk), Invoice.dealer_id.in_(dealer_ids))
        ):
            known[(invoice.dealer_id, invoice.number)] = invoice
    return known


def example() -> list[str]:
    dealer = db.session.scalar(select(Dealer).where(Dealer.active.is_(True)).order_by(Dealer.code))
    today = clock.today()
    return [
        dealer.code if dealer is not None else "D001",
        f"INV-{today:%Y%m}-0001",
        today.isoformat(),
        (today + timedelta(days=DEFAULT_TERMS_DAYS)).isoformat(),
        "12500.00",
        DEFAULT_CURRENCY,
        "0",
        "",
    ]
