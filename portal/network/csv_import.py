"""All-or-nothing CSV import of dealers and stores, with a per-row error report.

Each row is checked with the same form fields the pages use, so a rule is written once.
Rows are created or, when the code exists, updated; nothing is saved if any row is bad.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import activity, clock
from portal.csvio import CsvRejected, RowError, check_with_form, read_rows, unknown_code
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
    unchanged: int = 0


def dealer_example() -> list[str]:
    """The example row of the dealers' import template (a region that exists, if any)."""
    region = db.session.scalar(
        select(Region.code).where(Region.active.is_(True)).order_by(Region.code).limit(1)
    )
    today = clock.today()
    values = {
        "code": _free_code(Dealer, "D"),
        "name": "Example Trading Co.",
        "kind": "dealer",
        "status": "active",
        "region_code": region or "NORTH",
        "contact_person": "Li Wei",
        "phone": "010 5555 0100",
        "email": "li.wei@example.com",
        "address": "1 Example Road",
        "city": "Beijing",
        "city_alias": "北京",
        "contract_start": today.replace(month=1, day=1).isoformat(),
        "contract_end": today.replace(year=today.year + 3, month=12, day=31).isoformat(),
    }
    return [values[column] for column in DEALER_COLUMNS]


def store_example() -> list[str]:
    """The example row of the stores' import template (a dealer that exists, if any)."""
    dealer = db.session.scalar(
        select(Dealer.code).where(Dealer.active.is_(True)).order_by(Dealer.code).limit(1)
    )
    dealer = dealer or "D001"
    values = {
        "code": _free_code(Store, f"{dealer}-"),
        "name": "Example Store",
        "dealer_code": dealer,
        "address": "1 Example Road",
        "city": "Beijing",
        "city_alias": "北京",
        "format": "standard",
        "opened_on": clock.today().replace(day=1).isoformat(),
        "status": "open",
    }
    return [values[column] for column in STORE_COLUMNS]


def _free_code(model: type[Dealer] | type[Store], stem: str) -> str:
    """A code no record has, so the template imports as a new record, never over a real one."""
    taken = set(db.session.scalars(select(model.code).where(model.code.startswith(stem))))
    number = 1
    while f"{stem}{number:02d}" in taken:
        number += 1
    return f"{stem}{number:02d}"


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
        row_errors, cleaned = check_with_form(form_class, values)
        code = cleaned.get("code") or values.get("code", "").upper()
        if code in seen:
            row_errors.append(
                RowError(number, "code", _("Same code as row %(row)d.", row=seen[code]))
            )
        seen.setdefault(code, number)
        parent = parents.get(values.get(parent_column, "").strip().upper())
        if parent is None:
            given = values.get(parent_column, "")
            message = unknown_code(
                given, [code for code, p in parents.items() if p.active], parent_missing
            )
            row_errors.append(RowError(number, parent_column, message))
        else:
            cleaned[parent_field] = parent.id
        errors += [RowError(number, e.column, e.message) for e in row_errors]
        valid.append((number, cleaned))
    if errors:
        raise CsvRejected(errors)
    created = updated = unchanged = 0
    for number, cleaned in valid:
        try:
            record = existing.get(cleaned["code"])
            if record is None:
                create(cleaned)
                created += 1
            elif update(record, cleaned):
                updated += 1
            else:
                unchanged += 1
        except services.RegistryError as error:
            raise CsvRejected([RowError(number, error.field, str(error.message))]) from None
    # Every import is logged, one that changed nothing too: someone sent the file.
    activity.record(
        f"{kind}.import",
        details={
            "rows": len(valid),
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        },
    )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
