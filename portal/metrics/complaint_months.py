"""`complaint_months`: complaints counted per region and month of receipt, kept exact.

Each complaint adds one to its (region, month) row's `total`, and to `serious`, `repeats`,
`forwarded`, `forwarded_on_time`, `resolved`, `resolved_on_time` as its fields say. Before a
flush, the changes of the complaints in it are turned into differences: a new complaint
adds its counts, a changed one takes its old counts away and adds its new ones, a deleted
one takes them away (its old counts read from the database, as the rows hold them). After
the flush they are added to the rows in one upsert per row
(`value = value + difference`): additions commute, so concurrent transactions need no lock
and cannot lose one another's counts (each UPDATE waits for the other's row lock, then adds
to the committed value). `rebuild()` recomputes every row from the complaints: after bulk
inserts (`seed-large`), in the migration, and in the tests that check the upkeep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, case, delete, func, inspect, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models import Complaint, ComplaintMonth, Severity

FIELDS = (
    "total",
    "serious",
    "repeats",
    "forwarded",
    "forwarded_on_time",
    "resolved",
    "resolved_on_time",
)
COUNTED = ("region_id", "received_at", "severity", "cycle", "forwarded_on_time", "resolved_on_time")
PENDING = "complaint_months.pending"
Key = tuple[int, str]


def month_of(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m")


def counts(values: dict[str, Any]) -> tuple[Key, tuple[int, ...]] | None:
    """A complaint's row and what it adds to it, from its counted fields."""
    if values["region_id"] is None or values["received_at"] is None:
        return None
    forwarded, resolved = values["forwarded_on_time"], values["resolved_on_time"]
    added = (
        1,
        int(values["severity"] == Severity.SERIOUS),
        int((values["cycle"] or 0) > 0),
        int(forwarded is not None),
        int(forwarded is True),
        int(resolved is not None),
        int(resolved is True),
    )
    return (values["region_id"], month_of(values["received_at"])), added


def _current(complaint: Complaint) -> dict[str, Any]:
    return {name: getattr(complaint, name) for name in COUNTED}


def _stored(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The counted fields as the database holds them before this flush (what the kept rows
    count for these complaints now), whether or not they were loaded before the change."""
    found: dict[int, dict[str, Any]] = {}
    columns = [getattr(Complaint, name) for name in COUNTED]
    connection = session.connection()
    for start in range(0, len(ids), 500):
        query = select(Complaint.id, *columns).where(Complaint.id.in_(ids[start : start + 500]))
        for row in connection.execute(query):
            found[row.id] = {name: row._mapping[name] for name in COUNTED}
    return found


def _changed(complaint: Complaint) -> bool:
    state = inspect(complaint)
    return any(state.attrs[name].history.has_changes() for name in COUNTED)


def _add(pending: dict[Key, list[int]], found: Any, sign: int) -> None:
    if found is None:
        return
    key, added = found
    row = pending[key]
    for index, value in enumerate(added):
        row[index] += sign * value


def remember(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: the differences the flush's complaints make."""
    changed = [
        obj
        for obj in session.dirty
        if isinstance(obj, Complaint) and obj not in session.deleted and _changed(obj)
    ]
    gone = [obj for obj in session.deleted if isinstance(obj, Complaint)]
    new = [obj for obj in session.new if isinstance(obj, Complaint)]
    if not (changed or gone or new):
        return
    pending: dict[Key, list[int]] = session.info.setdefault(
        PENDING, defaultdict(lambda: [0] * len(FIELDS))
    )
    with session.no_autoflush:
        before = _stored(session, sorted(obj.id for obj in [*changed, *gone]))
    for obj in new:
        _add(pending, counts(_current(obj)), 1)
    for obj in changed:
        _add(pending, counts(before[obj.id]), -1)
        _add(pending, counts(_current(obj)), 1)
    for obj in gone:
        _add(pending, counts(before[obj.id]), -1)


def apply(session: Session, _context: Any) -> None:
    """after_flush: add the differences to their rows, in the flush's transaction."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    connection = session.connection()
    for key in sorted(pending):  # one order for every transaction: no deadlock between two
        difference = pending[key]
        if any(difference):
            _upsert(connection, key, difference)


def forget(session: Session, _transaction: Any) -> None:
    session.info.pop(PENDING, None)


def _upsert(connection: Connection, key: Key, difference: list[int]) -> None:
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = ComplaintMonth.__table__
    values = dict(zip(FIELDS, difference, strict=True))
    statement = insert(table).values(region_id=key[0], month=key[1], **values)
    statement = statement.on_conflict_do_update(
        index_elements=["region_id", "month"],
        set_={name: table.c[name] + statement.excluded[name] for name in FIELDS},
    )
    connection.execute(statement)


def computed(connection: Connection, region_ids: Iterable[int] | None = None) -> Any:
    """Every row, computed from the complaints (a SELECT of region_id, month and FIELDS)."""
    if connection.dialect.name == "postgresql":
        month = func.to_char(Complaint.received_at, literal_column("'YYYY-MM'"))
    else:
        month = func.strftime("%Y-%m", Complaint.received_at)

    def number(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        Complaint.region_id,
        month.label("month"),
        func.count(Complaint.id).label("total"),
        number(Complaint.severity == Severity.SERIOUS).label("serious"),
        number(Complaint.cycle > 0).label("repeats"),
        number(Complaint.forwarded_on_time.is_not(None)).label("forwarded"),
        number(Complaint.forwarded_on_time.is_(True)).label("forwarded_on_time"),
        number(Complaint.resolved_on_time.is_not(None)).label("resolved"),
        number(Complaint.resolved_on_time.is_(True)).label("resolved_on_time"),
    ).group_by(Complaint.region_id, month)
    if region_ids is not None:
        query = query.where(Complaint.region_id.in_(sorted(region_ids)))
    return query


def rebuild(connection: Connection) -> int:
    """Recompute every row from the complaints; returns how many rows there are."""
    connection.execute(delete(ComplaintMonth.__table__))
    rows = [dict(row._mapping) for row in connection.execute(computed(connection))]
    if rows:
        connection.execute(ComplaintMonth.__table__.insert(), rows)
    return len(rows)
