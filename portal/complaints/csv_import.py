"""Admins' CSV imports: holidays, and complaints recorded elsewhere. All or nothing, with a
per-row error report; sending the same file twice adds nothing the second time.

Holidays — columns date, name, region_code (empty: the whole network). A holiday already
there is left as it is, not an error.

Complaints — columns store_code, category_code, channel, severity, serious_kind,
product_line_code, received_at, customer_name, customer_phone, customer_email, description,
external_key. Every row is checked first; then each is recorded by `services.record`, whose
rules apply (but for the 30-day limit on backdating: these are past complaints). The
external key is the complaint's `client_key`; a row without one gets a key made of what it
says, so that re-importing a file finds the complaints it recorded.

Files are bounded like the other uploads: MAX_BYTES, and at most MAX_*_ROWS rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import activity, clock
from portal.complaints import admin, deadlines, services
from portal.csvio import CsvRejected, RowError, found, not_a_date, not_one_of, read_rows
from portal.csvio import unknown_code as unknown
from portal.extensions import db
from portal.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ProductLine,
    Region,
    SeriousKind,
    Severity,
    Store,
    User,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_HOLIDAY_ROWS = 2000
# Each complaint is recorded with its log and notices: a file is kept to what one request does.
MAX_COMPLAINT_ROWS = 1000
HOLIDAY_COLUMNS = ("date", "name", "region_code")
COMPLAINT_COLUMNS = (
    "store_code",
    "category_code",
    "channel",
    "severity",
    "serious_kind",
    "product_line_code",
    "received_at",
    "customer_name",
    "customer_phone",
    "customer_email",
    "description",
    "external_key",
)
COMPLAINT_REQUIRED = ("store_code", "category_code", "channel", "received_at", "description")
KEY_MAX = 64
# Which column a refusal of services.record is about (its `field` names a form field).
RECORD_FIELDS = {
    "description": "description",
    "received_at": "received_at",
    "serious_kind": "serious_kind",
    "category_id": "category_code",
    "store_id": "store_code",
}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int

    @property
    def unchanged(self) -> int:
        return self.rows - self.created


def _read(upload: FileStorage | bytes, limit: int, required, optional) -> tuple[bytes, list]:
    """The file's bytes and rows, refused when larger than MAX_BYTES or `limit` rows."""
    raw = upload if isinstance(upload, bytes) else upload.stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        message = _("The file is larger than %(size)d MB.", size=MAX_BYTES // (1024 * 1024))
        raise CsvRejected([RowError(1, "", message)])
    rows = read_rows(raw, required=required, optional=optional)
    if len(rows) > limit:
        message = _("A file holds %(max)d rows at most; send it in parts.", max=limit)
        raise CsvRejected([RowError(rows[limit][0], "", message)])
    return raw, rows


def _reject(errors: list[RowError]) -> None:
    if errors:
        raise CsvRejected(sorted(errors, key=lambda error: (error.row, error.column)))


def _log(action: str, raw: bytes, result: ImportResult, user: User) -> None:
    activity.record(
        action,
        details={
            "rows": result.rows,
            "created": result.created,
            "unchanged": result.unchanged,
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        actor=user,
    )


# Holidays


def import_holidays(upload: FileStorage | bytes, *, user: User) -> ImportResult:
    raw, rows = _read(upload, MAX_HOLIDAY_ROWS, ("date",), HOLIDAY_COLUMNS)
    regions = {region.code.upper(): region for region in db.session.scalars(select(Region))}
    errors: list[RowError] = []
    parsed: list[tuple[date, str, Region | None]] = []
    seen: dict[tuple[date, int | None], int] = {}
    for number, values in rows:
        day, name, region, row_errors = _holiday_row(number, values, regions)
        if not row_errors:
            key = (day, region.id if region is not None else None)
            if key in seen:
                message = _("The same date and region as row %(row)d.", row=seen[key])
                row_errors.append(RowError(number, "date", message))
            seen.setdefault(key, number)
            parsed.append((day, name, region))
        errors += row_errors
    _reject(errors)
    created = 0
    for day, name, region in parsed:
        if admin.find_holiday(day, region.id if region is not None else None) is not None:
            continue
        try:
            admin.add_holiday(day, name, region)
        except admin.SettingsError:
            continue  # added meanwhile by another request: there now, as wanted
        created += 1
    result = ImportResult(rows=len(parsed), created=created)
    _log("holiday.import", raw, result, user)
    return result


def _holiday_row(number: int, values: dict[str, str], regions: dict[str, Region]):
    errors = []
    text = values.get("date", "")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
        errors.append(RowError(number, "date", not_a_date(text) if text else _("Give a date.")))
    name = values.get("name", "")
    if len(name) > 120:
        errors.append(RowError(number, "name", _("Keep it under %(max)d characters.", max=120)))
    code = values.get("region_code", "")
    region = None
    if code:
        region = regions.get(code.upper())
        if region is None:
            message = unknown(code, list(regions), _("No region has this code."))
            errors.append(RowError(number, "region_code", message))
    return day, name, region, errors


# Complaints


@dataclass
class _Row:
    number: int
    new: services.NewComplaint


def import_complaints(upload: FileStorage | bytes, *, user: User) -> ImportResult:
    raw, rows = _read(upload, MAX_COMPLAINT_ROWS, COMPLAINT_REQUIRED, COMPLAINT_COLUMNS)
    lookups = _Lookups.load()
    errors: list[RowError] = []
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        new, row_errors = _complaint_row(number, values, lookups)
        if new is not None:
            if new.client_key in seen:
                message = _("The same complaint as row %(row)d.", row=seen[new.client_key])
                row_errors.append(RowError(number, "external_key", message))
            seen.setdefault(new.client_key, number)
            parsed.append(_Row(number, new))
        errors += row_errors
    _reject(errors)
    recorded = _already_recorded([row.new.client_key for row in parsed])
    created = 0
    now = clock.now()
    for row in parsed:
        if row.new.client_key in recorded:
            continue
        try:
            services.record(row.new, actor=user, now=now, imported=True)
        except services.ComplaintExists:
            continue  # recorded meanwhile by another import of the same file
        except services.ComplaintError as error:
            column = RECORD_FIELDS.get(error.field or "", "")
            errors.append(RowError(row.number, column, str(error.message)))
            continue
        created += 1
    _reject(errors)
    result = ImportResult(rows=len(parsed), created=created)
    _log("complaint.import", raw, result, user)
    return result


@dataclass
class _Lookups:
    stores: dict[str, Store]
    categories: dict[str, ComplaintCategory]
    lines: dict[str, ProductLine]

    @classmethod
    def load(cls) -> _Lookups:
        return cls(
            stores={store.code.upper(): store for store in db.session.scalars(select(Store))},
            categories={c.code.upper(): c for c in db.session.scalars(select(ComplaintCategory))},
            lines={
                line.code.upper(): line
                for line in db.session.scalars(
                    select(ProductLine).where(ProductLine.active.is_(True))
                )
            },
        )


def _choice(enum_class: type[Enum], text: str) -> Any:
    try:
        return enum_class(text.strip().lower())
    except ValueError:
        return None


def _complaint_row(number: int, values: dict[str, str], lookups: _Lookups):
    """A row as a NewComplaint, or None with its errors."""
    errors: list[RowError] = []

    def refuse(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    given = {column: values.get(column, "") for column in COMPLAINT_COLUMNS}
    store = lookups.stores.get(given["store_code"].upper())
    if store is None:
        refuse(
            "store_code",
            unknown(given["store_code"], list(lookups.stores), _("No store has this code.")),
        )
    category = lookups.categories.get(given["category_code"].upper())
    if category is None:
        message = _("No category has this code.")
        refuse("category_code", unknown(given["category_code"], list(lookups.categories), message))
    channel = _choice(Channel, given["channel"])
    if channel is None:
        refuse("channel", not_one_of(given["channel"], [c.value for c in Channel]))
    severity = _choice(Severity, given["severity"]) if given["severity"] else Severity.NORMAL
    if severity is None:
        refuse("severity", not_one_of(given["severity"], [s.value for s in Severity]))
    serious_kind = None
    if given["serious_kind"]:
        serious_kind = _choice(SeriousKind, given["serious_kind"])
        if serious_kind is None:
            kinds = [kind.value for kind in SeriousKind]
            refuse("serious_kind", not_one_of(given["serious_kind"], kinds))
    line = None
    if given["product_line_code"]:
        line = lookups.lines.get(given["product_line_code"].upper())
        if line is None:
            message = _("No active product line has this code.")
            refuse(
                "product_line_code",
                unknown(given["product_line_code"], list(lookups.lines), message),
            )
    received_at = _received_at(given["received_at"], store, refuse)
    for column, limit in (("customer_name", 120), ("customer_phone", 40), ("customer_email", 254)):
        if len(given[column]) > limit:
            refuse(column, _("Keep it under %(max)d characters.", max=limit))
    email = given["customer_email"]
    if email and ("@" not in email or " " in email):
        refuse("customer_email", found(email, _("This is not an email address.")))
    if not given["description"]:
        refuse("description", _("This column cannot be empty."))
    key = given["external_key"]
    if len(key) > KEY_MAX:
        refuse("external_key", _("Keep it under %(max)d characters.", max=KEY_MAX))
    if errors:
        return None, errors
    new = services.NewComplaint(
        store=store,
        category=category,
        channel=channel,
        description=given["description"],
        severity=severity,
        serious_kind=serious_kind,
        product_line=line,
        customer_name=given["customer_name"],
        customer_phone=given["customer_phone"],
        customer_email=email,
        received_at=received_at,
    )
    new.client_key = key or _content_key(new)
    return new, errors


def _received_at(text: str, store: Store | None, refuse) -> datetime | None:
    """An ISO date and time; without an offset, in the store's region's time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        example = "2024-05-31 14:30"
        message = _(
            '"%(value)s" is not a date and time; use YYYY-MM-DD HH:MM, e.g. %(example)s.',
            value=text[:60],
            example=example,
        )
        refuse("received_at", message if text else _("This column cannot be empty."))
        return None
    if value.tzinfo is None:
        if store is None:
            return None
        value = value.replace(tzinfo=deadlines.zone_of(store.dealer.region.timezone))
    return value


def _content_key(new: services.NewComplaint) -> str:
    """A key for a row without one: the same row imported again finds its complaint."""
    parts = [
        new.store.code,
        new.received_at.astimezone(UTC).isoformat() if new.received_at else "",
        new.customer_name.strip(),
        new.customer_phone.strip(),
        new.description.strip(),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"csv-{digest[: KEY_MAX - 4]}"


def _already_recorded(keys: list[str]) -> set[str]:
    found_keys: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found_keys |= set(
            db.session.scalars(select(Complaint.client_key).where(Complaint.client_key.in_(chunk)))
        )
    return found_keys


def holiday_example() -> list[str]:
    return [clock.today().replace(month=12, day=25).isoformat(), "Christmas", ""]


def complaint_example() -> list[str]:
    store = db.session.scalar(select(Store).where(Store.active.is_(True)).order_by(Store.code))
    category = db.session.scalar(
        select(ComplaintCategory)
        .where(ComplaintCategory.active.is_(True))
        .order_by(ComplaintCategory.sort_order, ComplaintCategory.code)
    )
    zone = deadlines.zone_of(store.dealer.region.timezone if store is not None else "UTC")
    return [
        store.code if store is not None else "S001",
        category.code if category is not None else "QUALITY",
        Channel.PHONE.value,
        Severity.NORMAL.value,
        "",
        "",
        f"{clock.now().astimezone(zone):%Y-%m-%d %H:%M}",  # the store's region's time
        "",
        "",
        "",
        "",
        "",
    ]
