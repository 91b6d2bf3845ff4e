"""Many new draft reports at once, with their actuals: the actuals import's write path.

`services.create_report` costs a savepoint, several flushes and a rollup refresh per report
(about 50 rows a second); an actuals file or push of 10,000 rows may need thousands of new
reports. Here a chunk of reports is one INSERT … ON CONFLICT (store, period) DO NOTHING,
their lines and CREATE transitions a multi-row INSERT or two, their activity entries (one
`store_report.create` per report, as `create_report` writes) one flush; the rollup is
refreshed once for every (dealer, period) touched, as Core writes must do themselves.

The rules are `create_report`'s: a month inside the window, the report belongs to the
store's dealer, it starts as a draft made by the actor. The unique key decides who creates
a report (R3): a key another transaction took first is not inserted again; its report is
returned as taken, locked for update, for the caller to write into like any report it found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from portal import activity, periods
from portal.extensions import db
from portal.metrics import rollup
from portal.models import (
    ReportAction,
    ReportStatus,
    ReportTransition,
    Store,
    StoreReport,
    StoreReportLine,
    User,
)
from portal.models.base import utcnow
from portal.reports.services import ReportError

CHUNK = 500  # ids per SELECT … IN

Key = tuple[int, str]


@dataclass(frozen=True)
class Draft:
    """A report to create: the store, the month, figures per product line (minor units)."""

    store: Store
    period: str
    actuals: dict[int, tuple[int, int]]


def create_drafts(
    drafts: list[Draft], *, actor: User, window: tuple[str, str]
) -> tuple[dict[Key, StoreReport], dict[Key, StoreReport]]:
    """Insert the drafts; returns (created, taken) by (store id, period). Taken reports were
    created meanwhile by another transaction: locked, with their lines, left unchanged."""
    for draft in drafts:
        try:
            periods.check_in_window(periods.parse(draft.period), *window)
        except periods.PeriodError as error:
            raise ReportError(error.message, "period") from None
    # Key order, so that two imports inserting overlapping reports wait in one direction.
    drafts = sorted(drafts, key=lambda d: (d.store.id, d.period))
    now = utcnow()
    ids = _insert_reports(drafts, actor, now)
    new = [draft for draft in drafts if (draft.store.id, draft.period) in ids]
    taken = _taken([(d.store.id, d.period) for d in drafts if (d.store.id, d.period) not in ids])
    _insert_lines(new, ids)
    _insert_transitions([ids[(d.store.id, d.period)] for d in new], actor, now)
    created = _load([ids[(d.store.id, d.period)] for d in new], lock=False)
    for draft in new:
        report = created[(draft.store.id, draft.period)]
        activity.record("store_report.create", report, details=_summary(draft), actor=actor)
    # The lines went in by Core statements, which the rollup's flush listener never sees.
    rollup.refresh(db.session.connection(), {(d.store.dealer_id, d.period) for d in new})
    db.session.flush()
    return created, taken


def _insert(table, rows: list[dict[str, Any]], *, returning=()) -> list[Any]:
    """INSERT `rows` as one executemany: SQLAlchemy compiles the statement once and sends
    the rows in batches of multi-row VALUES ("insertmanyvalues"); the RETURNING rows."""
    if not rows:
        return []
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if not returning:
        db.session.execute(statement, rows)
        return []
    # A key another transaction took is skipped (PostgreSQL waits for it to commit first).
    statement = statement.on_conflict_do_nothing(index_elements=["store_id", "period"])
    return db.session.execute(statement.returning(*returning), rows).all()


def _insert_reports(drafts: list[Draft], actor: User, now: datetime) -> dict[Key, int]:
    """INSERT the reports, skipping keys already taken; the new ones' ids by key."""
    table = StoreReport.__table__
    rows = [
        {
            "store_id": draft.store.id,
            "dealer_id": draft.store.dealer_id,  # a report belongs to its store's dealer
            "period": draft.period,
            "status": ReportStatus.DRAFT,
            "created_by_id": actor.id,
            "issues": "",
            "customer_feedback": "",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for draft in drafts
    ]
    returned = _insert(table, rows, returning=(table.c.id, table.c.store_id, table.c.period))
    return {(store_id, period): report_id for report_id, store_id, period in returned}


def _insert_lines(drafts: list[Draft], ids: dict[Key, int]) -> None:
    rows = [
        {
            "report_id": ids[(draft.store.id, draft.period)],
            "product_line_id": line_id,
            "revenue_minor": revenue,
            "units": units,
        }
        for draft in drafts
        for line_id, (revenue, units) in sorted(draft.actuals.items())
    ]
    _insert(StoreReportLine.__table__, rows)


def _insert_transitions(report_ids: list[int], actor: User, now: datetime) -> None:
    """Each new report's CREATE step, as `Lifecycle.move` logs it."""
    rows = [
        {
            "report_id": report_id,
            "action": ReportAction.CREATE,
            "from_status": None,
            "to_status": ReportStatus.DRAFT,
            "actor_id": actor.id,
            "at": now,
            "comment": "",
        }
        for report_id in report_ids
    ]
    _insert(ReportTransition.__table__, rows)


def _summary(draft: Draft) -> dict[str, Any]:
    """The activity entry's details, as `services.create_report` writes them."""
    return {
        "period": draft.period,
        "store_id": draft.store.id,
        "dealer_id": draft.store.dealer_id,
        "revenue_minor": sum(revenue for revenue, _units in draft.actuals.values()),
        "units": sum(units for _revenue, units in draft.actuals.values()),
    }


def _load(ids: list[int], *, lock: bool) -> dict[Key, StoreReport]:
    found: dict[Key, StoreReport] = {}
    for start in range(0, len(ids), CHUNK):
        query = (
            select(StoreReport)
            .where(StoreReport.id.in_(ids[start : start + CHUNK]))
            .order_by(StoreReport.id)
        )
        if lock:
            query = query.options(selectinload(StoreReport.lines)).with_for_update(of=StoreReport)
        for report in db.session.scalars(query):
            found[(report.store_id, report.period)] = report
    return found


def _taken(keys: list[Key]) -> dict[Key, StoreReport]:
    """The reports of `keys` another transaction created first (committed by now: the
    INSERT waited for it), locked like the ones the import found at the start."""
    ids: list[int] = []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        wanted = set(chunk)
        rows = db.session.execute(
            select(StoreReport.id, StoreReport.store_id, StoreReport.period).where(
                StoreReport.store_id.in_({store_id for store_id, _period in chunk}),
                StoreReport.period.in_({period for _store_id, period in chunk}),
            )
        )
        ids += [report_id for report_id, *key in rows if tuple(key) in wanted]
    return _load(sorted(ids), lock=True)
