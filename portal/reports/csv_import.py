"""Actuals from a CSV file: all or nothing, a per-row error report, idempotent.

Columns: store_code, period, product_line, revenue, units. A row writes the actuals of one
product line into the store's report for that period (a draft is created if there is
none); reports already submitted or reviewed are left alone and the row is refused.
Sending the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from portal import activity, money, periods
from portal.access import uploadable_stores
from portal.csvio import CsvRejected, RowError, found, read_rows, unknown_code
from portal.extensions import db
from portal.models import ProductLine, Store, StoreReport, User
from portal.models.base import utcnow
from portal.reports import drafts, services

COLUMNS = ("store_code", "period", "product_line", "revenue", "units")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    reports_created: int
    lines_changed: int

    @property
    def unchanged(self) -> bool:
        return self.reports_created == 0 and self.lines_changed == 0

    @property
    def lines_unchanged(self) -> int:
        """Rows whose figures the reports already held (every other row changed one line)."""
        return self.rows - self.lines_changed


def active_product_lines() -> list[ProductLine]:
    """The product lines an actuals file may name, in the order the portal lists them."""
    query = (
        select(ProductLine)
        .where(ProductLine.active.is_(True))
        .order_by(ProductLine.sort_order, ProductLine.code)
    )
    return list(db.session.scalars(query))


def example_row(user: User, window: tuple[str, str]) -> list[str]:
    """The template's example row: one of the user's stores, the current month and an active
    line, figures left to fill in (a file sent unchanged is refused, never saved as actuals)."""
    store = db.session.scalar(uploadable_stores(user).order_by(Store.code).limit(1))
    lines = active_product_lines()
    return [
        store.code if store is not None else "S001",
        window[1],
        lines[0].code if lines else "FTW",
        "",
        "",
    ]


@dataclass
class _Row:
    number: int
    store: Store
    period: str
    line_id: int
    revenue: int
    units: int


def import_actuals(
    upload: FileStorage | bytes,
    *,
    user: User,
    window: tuple[str, str],
    max_money: int,
    max_count: int,
) -> ImportResult:
    raw = upload if isinstance(upload, bytes) else upload.read()
    rows = read_rows(raw, required=COLUMNS[:4], optional=COLUMNS)
    stores = {store.code.upper(): store for store in db.session.scalars(uploadable_stores(user))}
    lines = {line.code.upper(): line for line in active_product_lines()}
    errors: list[RowError] = []
    parsed: list[_Row] = []
    seen: dict[tuple[int, str, int], int] = {}
    for number, values in rows:
        row, row_errors = _check_row(number, values, stores, lines, window, max_money, max_count)
        if row is not None:
            key = (row.store.id, row.period, row.line_id)
            if key in seen:
                row_errors.append(
                    RowError(
                        number,
                        "product_line",
                        _("Same store, month and product line as row %(row)d.", row=seen[key]),
                    )
                )
            seen.setdefault(key, number)
            parsed.append(row)
        errors += row_errors
    reports = _existing_reports(parsed)
    errors += _locked_rows(parsed, reports)
    if errors:
        raise CsvRejected(sorted(errors, key=lambda e: (e.row, e.column)))
    result = _apply(parsed, reports, user, window)
    activity.record(
        "store_report.import",
        details={
            "rows": result.rows,
            "reports_created": result.reports_created,
            "lines_changed": result.lines_changed,
            "lines_unchanged": result.lines_unchanged,
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        actor=user,
    )
    return result


def _check_row(number, values, stores, lines, window, max_money, max_count):
    errors = []
    given = {column: values.get(column, "") for column in COLUMNS}
    store = stores.get(given["store_code"].upper())
    if store is None:
        # The same answer for unknown stores and other dealers' stores: nothing leaks.
        message = unknown_code(
            given["store_code"], list(stores), _("None of your stores has this code.")
        )
        errors.append(RowError(number, "store_code", message))
    try:
        period = periods.check_in_window(periods.parse(given["period"]), *window)
    except periods.PeriodError as error:
        errors.append(RowError(number, "period", found(given["period"], str(error.message))))
        period = None
    line = lines.get(given["product_line"].upper())
    if line is None:
        message = unknown_code(
            given["product_line"], list(lines), _("No active product line has this code.")
        )
        errors.append(RowError(number, "product_line", message))
    revenue = units = None
    try:
        revenue = money.parse_money(given["revenue"], max_major=max_money)
        if revenue is None:
            errors.append(RowError(number, "revenue", _("Enter the revenue.")))
    except money.FigureError as error:
        errors.append(RowError(number, "revenue", found(given["revenue"], str(error.message))))
    try:
        units = money.parse_count(given["units"], maximum=max_count)
    except money.FigureError as error:
        errors.append(RowError(number, "units", found(given["units"], str(error.message))))
    if errors:
        return None, errors
    return _Row(number, store, period, line.id, revenue, units or 0), errors


def _existing_reports(rows: list[_Row]) -> dict[tuple[int, str], StoreReport]:
    keys = {(row.store.id, row.period) for row in rows}
    if not keys:
        return {}
    store_ids = {store_id for store_id, _period in keys}
    months = {period for _store_id, period in keys}
    found = db.session.scalars(
        select(StoreReport)
        .where(StoreReport.store_id.in_(store_ids), StoreReport.period.in_(months))
        .order_by(StoreReport.id)
        .options(selectinload(StoreReport.lines))
        .with_for_update(of=StoreReport)
    )
    return {(r.store_id, r.period): r for r in found if (r.store_id, r.period) in keys}


def _locked_rows(rows: list[_Row], reports) -> list[RowError]:
    errors = []
    for row in rows:
        report = reports.get((row.store.id, row.period))
        if report is not None and report.status not in services.EDITABLE:
            errors.append(
                RowError(
                    row.number,
                    "period",
                    _(
                        "The report of %(store)s for %(period)s is %(status)s; "
                        "its actuals can no longer change.",
                        store=row.store.code,
                        period=row.period,
                        status=report.status.label,
                    ),
                )
            )
    return errors


def _apply(rows: list[_Row], reports, user: User, window) -> ImportResult:
    by_report: dict[tuple[int, str], dict[int, tuple[int, int]]] = {}
    stores: dict[int, Store] = {}
    for row in rows:
        by_report.setdefault((row.store.id, row.period), {})[row.line_id] = (row.revenue, row.units)
        stores[row.store.id] = row.store
    missing = [
        drafts.Draft(stores[store_id], period, actuals)
        for (store_id, period), actuals in by_report.items()
        if (store_id, period) not in reports
    ]
    created, taken = drafts.create_drafts(missing, actor=user, window=window)
    if taken:  # created meanwhile by another request: written into like the ones found
        reports = {**reports, **taken}
        locked = _locked_rows([row for row in rows if (row.store.id, row.period) in taken], taken)
        if locked:
            raise CsvRejected(sorted(locked, key=lambda e: (e.row, e.column)))
    changed = sum(len(by_report[key]) for key in created)
    for key, actuals in by_report.items():
        report = reports.get(key)
        if key in created or report is None:
            continue
        count = services.set_actuals(report, actuals, replace=False)
        if count:
            report.updated_at = utcnow()  # lines live in another table: bump the version
            changed += count
    db.session.flush()
    return ImportResult(rows=len(rows), reports_created=len(created), lines_changed=changed)
