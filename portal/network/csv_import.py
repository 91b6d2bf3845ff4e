"""All-or-nothing CSV import of dealers and stores, with a per-row error report.

Each row is checked with the same form fields the pages use, so a rule is written once.
Rows are created or, when the code exists, updated; nothing is saved if any row is bad.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from portal import activity
from portal.csvio import CsvRejected, RowError, read_rows
from portal.extensions import db
from portal.models import Dealer, Region, Store
from portal.network import services
from portal.network.forms import DealerFields, StoreFields

DEALER_COLUMNS = (
    "code",
    "name",
    "kind",
    "status",
    "region_code",
    "contact_person",
    "phone",
    "email",
    "address",
    "city",
    "city_alias",
    "contract_start",
    "contract_end",
)
STORE_COLUMNS = (
    "code",
    "name",
    "dealer_code",
    "address",
    "city",
    "city_alias",
    "format",
    "opened_on",
    "status",
)
# Exports add these; an import accepts and ignores them, so an exported file imports as is
# (deactivation stays a deliberate action on the record's page).
EXPORT_ONLY_COLUMNS = ("active",)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def import_dealers(upload: FileStorage | bytes) -> ImportResult:
    rows = read_rows(
        upload,
        required=("code", "name", "kind", "status", "region_code"),
        optional=(*DEALER_COLUMNS, *EXPORT_ONLY_COLUMNS),
    )
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    existing = {d.code: d for d in db.session.scalars(select(Dealer))}
    return _import(
        rows,
        DealerFields,
        "region_code",
        regions,
        _("No region has this code."),
        "region_id",
        existing,
        services.create_dealer,
        services.update_dealer,
        "dealer",
    )


def import_stores(upload: FileStorage | bytes) -> ImportResult:
    rows = read_rows(
        upload,
        required=("code", "name", "dealer_code", "format", "status"),
        optional=(*STORE_COLUMNS, *EXPORT_ONLY_COLUMNS),
    )
    dealers = {d.code: d for d in db.session.scalars(select(Dealer))}
    existing = {s.code: s for s in db.session.scalars(select(Store))}
    return _import(
        rows,
        StoreFields,
        "dealer_code",
        dealers,
        _("No dealer has this code."),
        "dealer_id",
        existing,
        services.create_store,
        services.update_store,
        "store",
    )


def _import(
    rows,
    form_class,
    parent_column,
    parents,
    parent_missing,
    parent_field,
    existing,
    create,
    update,
    kind,
) -> ImportResult:
    errors: list[RowError] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        row_errors, cleaned = _check_row(form_class, values)
        code = cleaned.get("code") or values.get("code", "").upper()
        if code in seen:
            row_errors.append(
                RowError(number, "code", _("Same code as row %(row)d.", row=seen[code]))
            )
        seen.setdefault(code, number)
        parent = parents.get(values.get(parent_column, "").strip().upper())
        if parent is None:
            row_errors.append(RowError(number, parent_column, parent_missing))
        else:
            cleaned[parent_field] = parent.id
        errors += [RowError(number, e.column, e.message) for e in row_errors]
        valid.append((number, cleaned))
    if errors:
        raise CsvRejected(errors)
    created = updated = 0
    for number, cleaned in valid:
        try:
            record = existing.get(cleaned["code"])
            if record is None:
                create(cleaned)
                created += 1
            else:
                update(record, cleaned)
                updated += 1
        except services.RegistryError as error:
            raise CsvRejected([RowError(number, error.field, str(error.message))]) from None
    activity.record(f"{kind}.import", details={"created": created, "updated": updated})
    return ImportResult(created=created, updated=updated)


def _check_row(form_class, values: dict[str, str]) -> tuple[list[RowError], dict[str, Any]]:
    """Validate one row with the page's form fields (no CSRF: the upload form had it)."""
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    form.validate()
    errors = [
        RowError(0, name, "; ".join(str(message) for message in messages))
        for name, messages in form.errors.items()
        if name != "version"
    ]
    cleaned = {field.name: field.data for field in form if field.name in values}
    return errors, cleaned
