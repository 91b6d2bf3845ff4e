"""Keeping the figures tables equal to what the metrics compute from the base tables.

The rule:

- **A change recomputes its dealers, in its own transaction.** `portal.metrics.touched`
  notes which dealers each flush touches (their plans and plan lines of approved plans,
  store reports and counted report lines, audits, corrective actions and their steps,
  notice receipts and executions, their invoices (a payment updates its invoice) and
  credit limit, their stores and their own record; a notice's whole audience before and
  after a change to it). Just before the transaction commits, each
  touched dealer's `dealer_figures` row and `dealer_overdue_notices` rows are recomputed
  whole (`portal.metrics.dealer_figures.compute`) and upserted. Nothing else is touched:
  no other dealer's row, nothing network-wide.
- **Many dealers at once go through the queue.** A transaction that touches more than
  FIGURES_INLINE_DEALERS dealers (a notice published to a region or the whole network, a
  dealers CSV import) marks their rows stale instead, and after it commits a
  `figures.refresh` task recomputes them in chunks of FIGURES_CHUNK dealers.
- **Time is the periodic task's.** A row holds its dealer's figures as of `as_of` and
  says when they next change by themselves (`stale_on`: a new month, a plan or reports
  falling due, an audit or action date passing, a notice deadline, the last audit growing
  old, an open invoice passing 60 days overdue). `figures.refresh` runs every minute on
  the queue's workers (and when a worker starts) and recomputes the rows that are not
  current: `stale_on` has come, `as_of` lies ahead of today (a clock moved back), they were
  made under other settings (`settings_key`), or the dealer has no row yet.
- **Network-wide changes.** A notice's audience is recomputed as above (by the queue when
  it reaches many dealers). Standards and product lines move no dealer's figure (an
  audit's score is frozen when it completes; attainment sums every line whatever its
  product line), so changing them touches no row. A change to the settings the figures
  use (due days, health weights and penalties, the health window, the receivables share
  flagged) makes every row stale:
  the workers recompute them all.
- **Readers only read.** Pages aggregate the rows as they are and never compute or write
  them; rows not current for today (between midnight and the task's next pass, or while a
  region's notice is being taken in) are shown with a note saying figures are being
  brought up to date.
- **Concurrency.** A dealer is recomputed under a lock held to the end of the transaction,
  taken before its figures are read: on PostgreSQL a transaction-level advisory lock per
  dealer (in id order) and then its row (FOR UPDATE, in id order, which also waits for a
  transaction marking it stale), so a second writer for the same dealer computes after the
  first one committed and sees its changes; then INSERT … ON CONFLICT DO UPDATE. SQLite
  runs one writer at a time.
- **Stores and regions.** `store_figures` (each store's latest completed audit) is upserted
  after every flush that completes an audit, keeping the later of the stored and the new
  audit (completed audits never change, so this is exact under concurrency without a
  lock). `region_audit_months` (completed audits per region and month, for the score
  chart) is recomputed for the (region, month) keys an audit completion or a dealer's move
  touched, before commit, under a per-region advisory lock.
- `flask --app app rebuild-figures` (`rebuild_all`) recomputes all of it, after data was
  changed outside the portal; the demo and large seeds run it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import (
    Connection,
    and_,
    delete,
    extract,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock, periods
from portal.extensions import db
from portal.metrics import dealer_figures, home
from portal.models import Audit, AuditStatus, Dealer
from portal.models.figures import (
    DealerFigures,
    DealerOverdueNotice,
    RegionAuditMonth,
    StoreFigures,
)

TABLES = ("dealer_figures", "dealer_overdue_notices", "store_figures", "region_audit_months")
# Advisory lock namespaces (the two-integer form: apart from the rollup's one-bigint locks).
DEALER_LOCKS = 0x4446  # "DF"
REGION_LOCKS = 0x5241  # "RA"
COLUMNS = tuple(column.name for column in DealerFigures.__table__.columns)


def _dialect(connection: Connection) -> Any:
    return postgresql if connection.dialect.name == "postgresql" else sqlite


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _lock(connection: Connection, space: int, ids: list[int]) -> None:
    """Hold a lock per id until the transaction ends, taken in `ids` order (sorted by the
    callers, so two transactions never wait for each other in a cycle)."""
    if not _postgres(connection) or not ids:
        return
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:space, k) FROM unnest(CAST(:ids AS int[])) AS k"),
        {"space": space, "ids": ids},
    )


def _lock_rows(connection: Connection, ids: list[int]) -> None:
    """Wait for (and hold) the dealers' rows: a transaction marking them stale goes first."""
    if _postgres(connection) and ids:
        connection.execute(
            select(DealerFigures.dealer_id)
            .where(DealerFigures.dealer_id.in_(ids))
            .order_by(DealerFigures.dealer_id)
            .with_for_update()
        ).all()


def chunk_size() -> int:
    return max(1, int(current_app.config["FIGURES_CHUNK"]))


def refresh_dealers(
    dealer_ids: Iterable[int], today: date | None = None, *, lock: bool = True
) -> int:
    """Recompute the rows of the given dealers, in the session's transaction. Returns how
    many rows were written. `lock=False`: the caller holds the tables (`rebuild_all`)."""
    wanted = sorted({int(d) for d in dealer_ids if d is not None})
    today = today or clock.today()
    size, written = chunk_size(), 0
    for start in range(0, len(wanted), size):
        written += _refresh_chunk(wanted[start : start + size], today, lock=lock)
    return written


def _refresh_chunk(
    ids: list[int], today: date, *, only_stale: bool = False, lock: bool = True
) -> int:
    connection = db.session.connection()
    if lock:
        _lock(connection, DEALER_LOCKS, ids)
        _lock_rows(connection, ids)
    if only_stale:  # another worker may have done them while this one waited
        ids = sorted(set(stale_ids(today, among=ids)))
        if not ids:
            return 0
    computed = dealer_figures.compute(ids, today)
    table = DealerFigures.__table__
    if computed:
        statement = _dialect(connection).insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["dealer_id"],
            set_={name: statement.excluded[name] for name in COLUMNS if name != "dealer_id"},
        )
        connection.execute(statement, [computed[d].values for d in sorted(computed)])
    gone = [d for d in ids if d not in computed]
    if gone:
        connection.execute(delete(table).where(table.c.dealer_id.in_(gone)))
    overdue = DealerOverdueNotice.__table__
    connection.execute(delete(overdue).where(overdue.c.dealer_id.in_(ids)))
    rows = [
        {
            "dealer_id": dealer_id,
            "notice_id": notice_id,
            "acknowledgement_overdue": ack,
            "executions_overdue": late,
        }
        for dealer_id in sorted(computed)
        for notice_id, (ack, late) in sorted(computed[dealer_id].overdue.items())
    ]
    if rows:
        connection.execute(overdue.insert(), rows)
    return len(computed)


def mark_stale(dealer_ids: Collection[int]) -> None:
    """Make the dealers' rows stale (for the refresh task), in the session's transaction."""
    ids = sorted({int(d) for d in dealer_ids})
    if not ids:
        return
    connection = db.session.connection()
    size = chunk_size()
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        _lock_rows(connection, chunk)
        connection.execute(
            update(DealerFigures.__table__)
            .where(DealerFigures.dealer_id.in_(chunk))
            .values(stale_on=DealerFigures.as_of)
        )


def current_condition(today: date) -> Any:
    """Rows that hold today's figures under today's settings."""
    return and_(
        DealerFigures.as_of <= today,
        DealerFigures.stale_on > today,
        DealerFigures.settings == dealer_figures.settings_key(),
    )


def stale_ids(today: date, *, among: list[int] | None = None, limit: int | None = None):
    """Dealers whose row is missing or not current, lowest id first."""
    query = (
        select(Dealer.id)
        .outerjoin(DealerFigures, DealerFigures.dealer_id == Dealer.id)
        .where(or_(DealerFigures.dealer_id.is_(None), ~current_condition(today)))
        .order_by(Dealer.id)
    )
    if among is not None:
        query = query.where(Dealer.id.in_(among))
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def refresh_stale(today: date | None = None, *, chunks: int | None = None) -> int:
    """Recompute rows that are not current, a chunk per transaction (committed here), until
    none is left (or `chunks` chunks were done). Returns how many rows were written."""
    today = today or clock.today()
    written, done, seen = 0, 0, set()
    while chunks is None or done < chunks:
        ids = list(stale_ids(today, limit=chunk_size()))
        db.session.rollback()  # end the read: the chunk gets a transaction of its own
        if not ids or seen.issuperset(ids):  # nothing left (or nothing this run can do)
            break
        seen.update(ids)
        written += _refresh_chunk(ids, today, only_stale=True)
        db.session.commit()
        done += 1
    return written


# Stores: the latest completed audit


def _latest_audits(store_ids: list[int] | None):
    rank = (
        func.row_number()
        .over(partition_by=Audit.store_id, order_by=(Audit.completed_at.desc(), Audit.id.desc()))
        .label("rank")
    )
    query = select(
        Audit.store_id.label("store_id"),
        Audit.id.label("last_audit_id"),
        Audit.completed_at.label("last_audited_at"),
        rank,
    ).where(Audit.status == AuditStatus.COMPLETED, Audit.completed_at.is_not(None))
    if store_ids is not None:
        query = query.where(Audit.store_id.in_(store_ids))
    ranked = query.subquery("ranked_audits")
    return select(ranked.c.store_id, ranked.c.last_audit_id, ranked.c.last_audited_at).where(
        ranked.c.rank == 1
    )


def refresh_stores(connection: Connection, store_ids: Iterable[int]) -> None:
    """Upsert the stores' latest completed audit, keeping a later one already stored."""
    ids = sorted({int(s) for s in store_ids if s is not None})
    if not ids:
        return
    table = StoreFigures.__table__
    latest = _latest_audits(ids).subquery("latest_audits")
    statement = (
        _dialect(connection)
        .insert(table)
        .from_select(["store_id", "last_audit_id", "last_audited_at"], select(latest).where(true()))
    )
    newer = tuple_(statement.excluded.last_audited_at, statement.excluded.last_audit_id) > tuple_(
        table.c.last_audited_at, table.c.last_audit_id
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["store_id"],
            set_={
                "last_audit_id": statement.excluded.last_audit_id,
                "last_audited_at": statement.excluded.last_audited_at,
            },
            where=newer,
        )
    )


# Regions: completed audits per month


def _region_months(connection: Connection, region_ids: list[int] | None, first: str | None):
    year = extract("year", Audit.completed_at)
    month = extract("month", Audit.completed_at)
    query = (
        select(Dealer.region_id, year, month, func.count(Audit.score), func.sum(Audit.score))
        .join(Dealer, Dealer.id == Audit.dealer_id)
        .where(Audit.status == AuditStatus.COMPLETED, Audit.completed_at.is_not(None))
        .group_by(Dealer.region_id, year, month)
    )
    if region_ids is not None:
        query = query.where(Dealer.region_id.in_(region_ids))
    if first is not None:
        start = periods.first_day(first)
        query = query.where(Audit.completed_at >= home.start_of(start))
    return [
        {
            "region_id": region_id,
            "period": f"{int(y):04d}-{int(m):02d}",
            "audits": int(count),
            "score_sum": home.tenths(total),
        }
        for region_id, y, m, count, total in connection.execute(query)
        if count
    ]


def refresh_region_months(connection: Connection, keys: Iterable[tuple[int, str]]) -> None:
    """Recompute the (region, month) rows of `keys` from the audits, under region locks."""
    wanted = {(int(r), str(p)) for r, p in keys if r is not None and p is not None}
    if not wanted:
        return
    regions = sorted({region for region, _period in wanted})
    _lock(connection, REGION_LOCKS, regions)
    found = [
        row
        for row in _region_months(connection, regions, min(p for _r, p in wanted))
        if (row["region_id"], row["period"]) in wanted
    ]
    table = RegionAuditMonth.__table__
    if found:
        statement = _dialect(connection).insert(table)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["region_id", "period"],
                set_={
                    "audits": statement.excluded.audits,
                    "score_sum": statement.excluded.score_sum,
                },
            ),
            sorted(found, key=lambda row: (row["region_id"], row["period"])),
        )
    kept = {(row["region_id"], row["period"]) for row in found}
    gone = sorted(wanted - kept)
    if gone:
        connection.execute(delete(table).where(tuple_(table.c.region_id, table.c.period).in_(gone)))


# Everything at once


def rebuild_all(today: date | None = None) -> dict[str, int]:
    """Recompute every figures table from the base tables, in the session's transaction.
    Returns rows per table.

    On PostgreSQL the tables are locked against other writers first (those in flight
    commit before, later ones wait), so the figures read see every committed change."""
    today = today or clock.today()
    connection = db.session.connection()
    if _postgres(connection):
        connection.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE"))
    for name in TABLES:
        connection.execute(delete(db.metadata.tables[name]))
    dealers = list(db.session.scalars(select(Dealer.id).order_by(Dealer.id)))
    # No dealer locks: a writer holding one waits for the tables (a deadlock otherwise).
    refresh_dealers(dealers, today, lock=False)
    stores = StoreFigures.__table__
    connection.execute(
        stores.insert().from_select(
            ["store_id", "last_audit_id", "last_audited_at"], _latest_audits(None)
        )
    )
    months = _region_months(connection, None, None)
    if months:
        connection.execute(RegionAuditMonth.__table__.insert(), months)
    return {
        name: int(
            connection.scalar(select(func.count()).select_from(db.metadata.tables[name])) or 0
        )
        for name in TABLES
    }
