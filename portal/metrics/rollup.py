"""The plan-against-actual rollup: `plan_actual_totals`, one row per dealer and period.

Totals over a whole network (the admin's plan-vs-actual page) would otherwise sum about a
million plan and report lines per request. The rollup holds the same sums as
`portal.metrics.plans.plan_vs_actual(("dealer_id", "period"), ...)` and is kept exact in
the writing transaction:

- ORM writes: after each flush, the (dealer, period) keys touched by a sales plan, a plan
  line, a store report or a report line (before and after the change: a plan or report
  whose dealer or period changed refreshes both) are recomputed from the base tables.
- Core writes that bypass the ORM call `refresh(connection, keys)` or `rebuild_all()`
  themselves (the demo seeds, the large seed, the migration backfill).

Concurrency: a refresh is an upsert (INSERT … SELECT … ON CONFLICT DO UPDATE, then a
DELETE of the keys whose lines are all gone), run while holding a per-key lock until the
transaction ends. On PostgreSQL (READ COMMITTED) the lock is a transaction-level advisory
lock on (dealer, period), taken in key order before the sums are read: a second
transaction refreshing the same key waits for the first to commit, and its statement then
sees the first one's lines, so two stores reporting for one dealer and month at once
leave the sum of both (an upsert alone would keep whichever came last; the old
delete-then-insert failed with a unique violation). SQLite already runs one writer at a
time (BEGIN IMMEDIATE, portal.database).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    and_,
    bindparam,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.metrics.figures import SUMS, line_selects
from portal.models import (
    PlanActualTotal,
    SalesPlan,
    SalesPlanLine,
    StoreReport,
    StoreReportLine,
)

Key = tuple[int, str]
COLUMNS = SUMS
CHUNK = 400  # keys per statement (two parameters each; well under SQLite's limits)
_PENDING = "plan_actual_totals.pending"


def _matching(dealer_column, period_column, size: int):
    """The (dealer, period) pairs of `size` keys, bound at execution (`_key_values`)."""
    pairs = or_(
        *(
            and_(
                dealer_column == bindparam(f"dealer_{i}"), period_column == bindparam(f"period_{i}")
            )
            for i in range(size)
        )
    )
    # The IN lists let either database use its (dealer_id, period) indexes; the pairs
    # then keep exactly the keys asked for.
    return and_(
        dealer_column.in_(bindparam("dealers", expanding=True)),
        period_column.in_(bindparam("months", expanding=True)),
        pairs,
    )


def _key_values(keys: list[Key]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "dealers": sorted({dealer for dealer, _period in keys}),
        "months": sorted({period for _dealer, period in keys}),
    }
    for i, (dealer, period) in enumerate(keys):
        values[f"dealer_{i}"], values[f"period_{i}"] = dealer, period
    return values


def source(size: int | None = None) -> Select[Any]:
    """(dealer_id, period, sums…) computed from the base lines: of every key, or of `size`
    keys bound at execution (`_key_values`)."""
    targets, actuals = line_selects(detail=False)
    if size is not None:
        targets = targets.where(_matching(SalesPlan.dealer_id, SalesPlan.period, size))
        actuals = actuals.where(_matching(StoreReport.dealer_id, StoreReport.period, size))
    lines = union_all(targets, actuals).subquery("plan_actual_lines")
    return select(
        lines.c.dealer_id,
        lines.c.period,
        *(cast(func.sum(lines.c[name]), BigInteger).label(name) for name in COLUMNS),
    ).group_by(lines.c.dealer_id, lines.c.period)


def _insert_from(query: Select[Any]):
    return insert(PlanActualTotal).from_select(["dealer_id", "period", *COLUMNS], query)


# A namespace for the rollup's advisory locks (one bigint per key: namespace, dealer, month).
_LOCK_SPACE = 0x5041 << 47  # "PA"


def lock_key(dealer_id: int, period: str) -> int:
    """The advisory lock id of one (dealer, period) key (`YYYY-MM` as YYYYMM, 20 bits)."""
    year, month = period.split("-")
    return _LOCK_SPACE | (dealer_id << 20) | (int(year) * 100 + int(month))


def _lock(connection: Connection, keys: list[Key]) -> None:
    """Hold each key's lock until the transaction ends, taken in `keys` order (sorted, so
    two transactions refreshing several keys cannot wait for each other in a cycle)."""
    if connection.dialect.name != "postgresql" or not keys:
        return
    connection.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
        {"keys": [lock_key(dealer, period) for dealer, period in keys]},
    )


@lru_cache(maxsize=16)
def _upsert(dialect_name: str, size: int):
    """INSERT … SELECT … ON CONFLICT (dealer_id, period) DO UPDATE of `size` keys bound at
    execution (`_key_values`), returning the keys. Built once per process and key count:
    building it cost more than running it, on every save of a plan or a report."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    query = source(size)
    # SQLite wants a WHERE in the SELECT of an upsert (else `ON` may parse as a join's).
    rows = query.subquery("plan_actual_sums")
    statement = dialect.insert(PlanActualTotal).from_select(
        ["dealer_id", "period", *COLUMNS], select(rows).where(true())
    )
    return statement.on_conflict_do_update(
        index_elements=["dealer_id", "period"],
        set_={name: statement.excluded[name] for name in COLUMNS},
    ).returning(PlanActualTotal.dealer_id, PlanActualTotal.period)


def refresh(connection: Connection, keys: Iterable[Key]) -> None:
    """Recompute the rollup rows of `keys` from the base tables (on `connection`): lock
    the keys, upsert the sums of those that still have lines, delete the others' rows."""
    wanted = sorted({(int(d), str(p)) for d, p in keys if d is not None and p is not None})
    table = PlanActualTotal.__table__
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        _lock(connection, chunk)
        upserted = connection.execute(
            _upsert(connection.dialect.name, len(chunk)), _key_values(chunk)
        )
        kept = {(int(dealer), str(period)) for dealer, period in upserted}
        gone = [key for key in chunk if key not in kept]
        if gone:
            connection.execute(
                delete(table).where(_matching(table.c.dealer_id, table.c.period, len(gone))),
                _key_values(gone),
            )


def rebuild_all(connection: Connection | None = None) -> int:
    """Recompute the whole rollup (after bulk writes that bypass the ORM). Returns rows.

    On PostgreSQL the table is locked against other writers first (refreshes in flight
    commit before, later ones wait), so the sums read see every committed line."""
    if connection is None:
        from portal.extensions import db

        connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE plan_actual_totals IN SHARE ROW EXCLUSIVE MODE"))
    connection.execute(delete(PlanActualTotal.__table__))
    connection.execute(_insert_from(source()))
    return int(connection.scalar(select(func.count()).select_from(PlanActualTotal)) or 0)


# Keeping it exact on every flush


def _values(obj: Any, *names: str, load: bool = False) -> list[tuple[Any, ...]]:
    """The object's current values of `names`, and its values before unflushed changes.

    `load` reads expired attributes from the database (before the flush only: the rows of
    deleted objects are still there then)."""
    state = inspect(obj)
    if load and state.persistent:
        current = tuple(getattr(obj, name) for name in names)
    else:
        current = tuple(state.dict.get(name) for name in names)
    found = [current]
    histories = [state.attrs[name].history for name in names]
    if any(h.deleted for h in histories):
        old = tuple(
            (h.deleted[0] if h.deleted else value)
            for h, value in zip(histories, current, strict=True)
        )
        found.append(old)
    return found


def _related(obj: Any, relation: str) -> list[Any]:
    """The parent object now and before (for lines moved or removed from a collection)."""
    history = inspect(obj).attrs[relation].history
    return [parent for parent in (*history.added, *history.unchanged, *history.deleted) if parent]


def _collect(session: Session, *, load: bool) -> tuple[set[Key], set[int], set[int]]:
    keys: set[Key] = set()
    plan_ids: set[int] = set()
    report_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, SalesPlan | StoreReport):
            keys.update(_values(obj, "dealer_id", "period", load=load))
        elif isinstance(obj, SalesPlanLine | StoreReportLine):
            parent_key, relation = (
                ("plan_id", "plan") if isinstance(obj, SalesPlanLine) else ("report_id", "report")
            )
            ids = plan_ids if isinstance(obj, SalesPlanLine) else report_ids
            found = _values(obj, parent_key, load=load)
            ids.update(value for (value,) in found if value is not None)
            for parent in _related(obj, relation):
                keys.update(_values(parent, "dealer_id", "period", load=load))
    return keys, plan_ids, report_ids


def keep_old_value(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


# Changing a key loads its old value first (even when expired), so that the old key's row
# is refreshed as well: a report moved to another period leaves nothing behind.
KEY_ATTRIBUTES = (
    SalesPlan.dealer_id,
    SalesPlan.period,
    StoreReport.dealer_id,
    StoreReport.period,
    SalesPlanLine.plan_id,
    SalesPlanLine.plan,
    StoreReportLine.report_id,
    StoreReportLine.report,
)


def watch_key_attributes() -> None:
    """Registered by portal.events: key attributes keep their old value for the flush."""
    for attribute in KEY_ATTRIBUTES:
        if not event.contains(attribute, "set", keep_old_value):
            event.listen(attribute, "set", keep_old_value, active_history=True, retval=True)


def remember_keys(session: Session, _context: Any, _instances: Any) -> None:
    """Before the flush: the keys as they were (old dealers and periods included)."""
    with session.no_autoflush:
        keys, plan_ids, report_ids = _collect(session, load=True)
    if not (keys or plan_ids or report_ids):
        return
    pending = session.info.setdefault(_PENDING, [set(), set(), set()])
    pending[0].update(keys)
    pending[1].update(plan_ids)
    pending[2].update(report_ids)


def refresh_keys(session: Session, _context: Any) -> None:
    """After the flush: new objects now have their keys; recompute every key touched."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    keys, plan_ids, report_ids = pending
    more, more_plans, more_reports = _collect(session, load=False)
    keys |= more
    plan_ids |= more_plans
    report_ids |= more_reports
    connection = session.connection()
    for model, ids in ((SalesPlan, plan_ids), (StoreReport, report_ids)):
        ids = sorted(ids)
        for start in range(0, len(ids), CHUNK):
            keys.update(
                (row.dealer_id, row.period)
                for row in connection.execute(
                    select(model.dealer_id, model.period).where(
                        model.id.in_(ids[start : start + CHUNK])
                    )
                )
            )
    refresh(connection, keys)
