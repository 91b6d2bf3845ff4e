"""Which dealers a transaction changed, noted flush by flush, and their figures recomputed
just before it commits (the rule is in `portal.metrics.upkeep`).

Session listeners, registered by `portal.events`:
- before_flush `note_before`: what each changed object pointed at before the change (a
  store moved to another dealer refreshes both; a notice's audience as it was);
- after_flush `note_after`: the same after it (new objects have their ids now), the lines'
  and steps' parents looked up, and the latest audit of stores whose audit was completed;
- do_orm_execute `note_statements`: a bulk INSERT, UPDATE or DELETE through the session on
  a table the figures come from touches the dealers its rows name (an acknowledgement, the
  demo's plan lines); one whose rows cannot be told marks every dealer's row stale;
- before_commit `refresh_before_commit`: recompute the touched dealers (or mark them
  stale for the queue when there are many) and the touched region months;
- after_transaction_end `forget`: a transaction that ended leaves nothing behind.

Only changes that can move a figure count: a draft plan's lines, a notice read but not
acknowledged, a dealer's address, a notice's wording or a complaint's description touch
nothing.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from portal import periods
from portal.access.notices import READABLE, reaches
from portal.metrics import upkeep
from portal.metrics.figures import ACTUAL_STATUSES, TARGET_STATUSES
from portal.models import (
    ActionStep,
    Audit,
    AuditStatus,
    Complaint,
    CorrectiveAction,
    Dealer,
    Notice,
    NoticeExecution,
    NoticeReceipt,
    NoticeStatus,
    QualificationDocument,
    SalesPlan,
    SalesPlanLine,
    Store,
    StoreReport,
    StoreReportLine,
)

DEALERS = "figures.dealers"  # dealer ids whose rows this transaction must recompute
PARENTS = "figures.parents"  # {"plans"|"reports"|"actions"|"notices": ids} to look up
REVISIT = "figures.revisit"  # new and changed objects, read again after the flush
STORES = "figures.stores"  # stores with an audit completed
REGION_MONTHS = "figures.region_months"  # (region, period) of completed audits
MOVED = "figures.moved"  # dealers moved to another region: {dealer id: {region ids}}
EVERYTHING = "figures.everything"  # a bulk statement: every dealer's row is stale
WAKE = "figures.wake"  # rows were marked stale: the refresh task should run after commit
KEYS = (DEALERS, PARENTS, REVISIT, STORES, REGION_MONTHS, MOVED, EVERYTHING, WAKE)

# Per model: the attributes a figure depends on (None: any change counts) and the
# attribute naming its dealer (or, in PARENT_OF, the parent to look up).
WATCHED: dict[type, frozenset[str] | None] = {
    Dealer: frozenset({"status", "active", "kind", "region_id"}),
    Store: frozenset({"dealer_id", "active", "status"}),
    SalesPlan: frozenset({"dealer_id", "period", "status", "first_submitted_at"}),
    StoreReport: frozenset({"dealer_id", "store_id", "period", "status", "first_submitted_at"}),
    Audit: frozenset(
        {"dealer_id", "store_id", "status", "score", "completed_at", "scheduled_for", "announced"}
    ),
    CorrectiveAction: frozenset({"dealer_id", "status", "due_on", "original_due_on"}),
    NoticeReceipt: frozenset({"dealer_id", "notice_id", "version_number", "acknowledged_at"}),
    NoticeExecution: frozenset({"dealer_id", "store_id", "notice_id", "version_number", "status"}),
    Notice: frozenset(
        {
            "status",
            "kind",
            "audience",
            "audience_kind",
            "acknowledge_due_on",
            "effective_to",
            "execution_deadline",
            "current_version",
            "regions",
            "dealers",
            "stores",
        }
    ),
    # The health score's complaints part: counts by receipt, on-time flags, open deadlines.
    Complaint: frozenset(
        {
            "dealer_id",
            "status",
            "received_at",
            "cycle",
            "forwarded_on_time",
            "resolved_on_time",
            "forward_due_at",
            "resolve_due_at",
        }
    ),
    # The health score's required documents: which are accepted, until when.
    QualificationDocument: frozenset({"dealer_id", "kind_id", "status", "issued_on", "expires_on"}),
    SalesPlanLine: None,
    StoreReportLine: None,
    ActionStep: None,
}
PARENT_OF = {
    SalesPlanLine: ("plans", "plan_id"),
    StoreReportLine: ("reports", "report_id"),
    ActionStep: ("actions", "action_id"),
}
DEALER_OF = {model: "dealer_id" for model in WATCHED if model not in PARENT_OF}
DEALER_OF[Dealer] = "id"
DEALER_OF[Notice] = ""  # its audience, looked up
TABLES = frozenset(model.__tablename__ for model in WATCHED) | frozenset(
    {"notice_regions", "notice_dealers", "notice_stores"}
)
# Attributes whose old value must be known when they change (loaded first if expired).
KEY_ATTRIBUTES = (
    Store.dealer_id,
    Audit.dealer_id,
    CorrectiveAction.dealer_id,
    NoticeReceipt.dealer_id,
    NoticeExecution.dealer_id,
    Dealer.region_id,
)


def keep_old_value(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


def watch_key_attributes() -> None:
    """Registered by portal.events: these attributes keep their old value for the flush."""
    for attribute in KEY_ATTRIBUTES:
        if not event.contains(attribute, "set", keep_old_value):
            event.listen(attribute, "set", keep_old_value, active_history=True, retval=True)


def _changed(obj: Any, names: frozenset[str] | None, session: Session) -> bool:
    if obj in session.new or obj in session.deleted:
        return _counts_whole(obj, session)
    state = inspect(obj)
    keys = names if names is not None else {attr.key for attr in state.mapper.attrs}
    return any(state.attrs[key].history.has_changes() for key in keys)


def _counts_whole(obj: Any, session: Session) -> bool:
    """A new or deleted object: a draft notice, or a receipt not acknowledged, changes
    nothing."""
    if isinstance(obj, Notice):
        return _old(obj, "status") != NoticeStatus.DRAFT or obj.status != NoticeStatus.DRAFT
    if isinstance(obj, NoticeReceipt) and obj in session.new:
        return obj.acknowledged_at is not None
    return True


def _old(obj: Any, name: str) -> Any:
    """The attribute's value before unflushed changes (its current one if unchanged)."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return inspect(obj).dict.get(name)


def _values(obj: Any, name: str) -> set[Any]:
    """The attribute's current value and its value before unflushed changes."""
    state = inspect(obj)
    history = state.attrs[name].history
    found = {*history.added, *history.unchanged, *history.deleted}
    if not found and name in state.dict:
        found.add(state.dict[name])
    return {value for value in found if value is not None}


def _pending(session: Session) -> dict[str, set[Any]]:
    groups = ("plans", "reports", "actions", "notices")
    return session.info.setdefault(PARENTS, {group: set() for group in groups})


def _note(session: Session, obj: Any) -> None:
    """Note what `obj` points at (its dealer, its parent, a notice's id) as it is now."""
    kind = type(obj)
    if kind in PARENT_OF:
        group, name = PARENT_OF[kind]
        _pending(session)[group].update(_values(obj, name))
    elif kind is Notice:
        if obj.id is not None:
            _pending(session)["notices"].add(obj.id)
    else:
        session.info.setdefault(DEALERS, set()).update(_values(obj, DEALER_OF[kind]))


def note_before(session: Session, _context: Any, _instances: Any) -> None:
    """Before the flush: the dealers objects pointed at before their changes, and the
    audiences of changed notices as the database holds them."""
    revisit = session.info.setdefault(REVISIT, [])
    notices = []
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty, *session.deleted):
            kind = type(obj)
            if kind not in WATCHED or not _changed(obj, WATCHED[kind], session):
                continue
            if obj not in session.new:
                _note(session, obj)
                if kind is Notice:
                    notices.append(obj.id)
                if kind is Dealer and inspect(obj).attrs.region_id.history.has_changes():
                    session.info.setdefault(MOVED, {}).setdefault(obj.id, set()).update(
                        _values(obj, "region_id")
                    )
            if obj not in session.deleted:
                revisit.append(obj)
    if notices:
        _audiences(session, notices)


def _audiences(session: Session, notice_ids: list[int]) -> None:
    """The dealers the notices reach, as the database holds them now (a draft reaches
    nobody: editing one touches no dealer's figures)."""
    rows = session.connection().execute(
        select(Dealer.id)
        .join(Notice, reaches())
        .where(Notice.id.in_(sorted(set(notice_ids))), Notice.status.in_(READABLE))
    )
    session.info.setdefault(DEALERS, set()).update(dealer_id for (dealer_id,) in rows)


def note_after(session: Session, _context: Any) -> None:
    """After the flush: new objects' ids, the parents' dealers, the notices' audiences now,
    and the latest audit of stores whose audit was just completed."""
    revisit = session.info.pop(REVISIT, [])
    completed = []
    for obj in revisit:
        _note(session, obj)
        if isinstance(obj, Audit) and obj.status == AuditStatus.COMPLETED:
            completed.append(obj)
        if isinstance(obj, Dealer) and obj.id in session.info.get(MOVED, {}):
            session.info[MOVED][obj.id].add(obj.region_id)
    pending = session.info.pop(PARENTS, None)
    if pending:
        _resolve(session, pending)
    if completed:
        _completed(session, completed)


def _resolve(session: Session, pending: dict[str, set[Any]]) -> None:
    connection = session.connection()
    found = session.info.setdefault(DEALERS, set())
    queries = [
        ("plans", select(SalesPlan.dealer_id).where(SalesPlan.status.in_(TARGET_STATUSES))),
        ("reports", select(StoreReport.dealer_id).where(StoreReport.status.in_(ACTUAL_STATUSES))),
        ("actions", select(CorrectiveAction.dealer_id)),
    ]
    models = {"plans": SalesPlan, "reports": StoreReport, "actions": CorrectiveAction}
    for group, query in queries:
        ids = sorted(pending[group])
        if ids:
            rows = connection.execute(query.where(models[group].id.in_(ids)))
            found.update(dealer_id for (dealer_id,) in rows)
    if pending["notices"]:
        _audiences(session, sorted(pending["notices"]))


def _completed(session: Session, audits: list[Audit]) -> None:
    connection = session.connection()
    upkeep.refresh_stores(connection, [audit.store_id for audit in audits])
    regions = dict(
        connection.execute(
            select(Dealer.id, Dealer.region_id).where(
                Dealer.id.in_(sorted({audit.dealer_id for audit in audits}))
            )
        ).all()
    )
    keys = session.info.setdefault(REGION_MONTHS, set())
    for audit in audits:
        if audit.completed_at is not None and audit.dealer_id in regions:
            keys.add((regions[audit.dealer_id], periods.of(audit.completed_at.date())))


def note_statements(state: ORMExecuteState) -> None:
    """A bulk INSERT, UPDATE or DELETE through the session on a table the figures read: the
    dealers (or parents) its rows name are touched, as for objects; a statement whose rows
    cannot be told marks every dealer's row stale."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in TABLES:
        return
    found = _inserted(state, table) if state.is_insert else _matched(state, table)
    if found is None:
        state.session.info[EVERYTHING] = True
        return
    group, ids = found
    if group == "dealers":
        state.session.info.setdefault(DEALERS, set()).update(ids)
    else:
        _pending(state.session)[group].update(ids)


# Tables whose rows name their parent rather than their dealer: (column, parent group).
PARENT_COLUMNS = {
    model.__tablename__: (column, group) for model, (group, column) in PARENT_OF.items()
}


def _key(table: Any) -> tuple[str, str] | None:
    """(column naming what a row belongs to, its group), or None for other tables."""
    if table.name == "dealers":
        return "id", "dealers"
    if "dealer_id" in table.c:
        return "dealer_id", "dealers"
    return PARENT_COLUMNS.get(table.name)


def _inserted(state: ORMExecuteState, table: Any) -> tuple[str, set[int]] | None:
    """The dealers (or parents) named by the parameter sets of a bulk INSERT."""
    key = _key(table)
    rows = state.parameters
    rows = [rows] if isinstance(rows, dict) else list(rows or [])
    if key is None or not rows or any(key[0] not in row for row in rows):
        return None
    return key[1], {row[key[0]] for row in rows if row[key[0]] is not None}


def _matched(state: ORMExecuteState, table: Any) -> tuple[str, set[int]] | None:
    """The dealers (or parents) of the rows an UPDATE or DELETE matches, read before it
    runs; None when that cannot be told (several parameter sets, a moved key)."""
    key = _key(table)
    if key is None or state.parameters:
        return None
    values = getattr(state.statement, "_values", None) or {}
    if any(getattr(column, "key", column) == key[0] for column in values):
        return None
    query = select(table.c[key[0]])
    where = state.statement.whereclause
    if where is not None:
        query = query.where(where)
    return key[1], set(state.session.connection().execute(query).scalars())


def refresh_before_commit(session: Session) -> None:
    """Recompute the touched dealers' rows (or mark them stale for the queue when there
    are many) and the touched region months, last thing before COMMIT.

    Releasing a savepoint fires this too: the work is left for the real COMMIT.
    """
    if session.in_nested_transaction():
        return
    session.flush()
    pending = session.info.pop(PARENTS, None)
    if pending:  # named by bulk statements after the last flush
        _resolve(session, pending)
    dealers = session.info.pop(DEALERS, set())
    keys = session.info.pop(REGION_MONTHS, set())
    moved = session.info.pop(MOVED, {})
    everything = session.info.pop(EVERYTHING, False)
    if everything:
        dealers = set(session.scalars(select(Dealer.id)))
    if moved:
        keys |= _moved_keys(session, moved)
    if everything or len(dealers) > int(current_app.config["FIGURES_INLINE_DEALERS"]):
        upkeep.mark_stale(dealers)
        session.info[WAKE] = True
    elif dealers:
        upkeep.refresh_dealers(dealers)
    if keys:
        upkeep.refresh_region_months(session.connection(), keys)


def _moved_keys(session: Session, moved: dict[int, set[int]]) -> set[tuple[int, str]]:
    """Every month with a completed audit of a moved dealer, in its old and new region."""
    rows = session.connection().execute(
        select(Audit.dealer_id, Audit.completed_at).where(
            Audit.dealer_id.in_(sorted(moved)),
            Audit.status == AuditStatus.COMPLETED,
            Audit.completed_at.is_not(None),
        )
    )
    keys = set()
    for dealer_id, completed_at in rows:
        for region_id in moved[dealer_id]:
            keys.add((region_id, periods.of(completed_at.date())))
    return keys


def forget(session: Session, transaction: Any) -> None:
    """A transaction that ended (committed or rolled back) leaves nothing behind; a
    savepoint's changes stay noted for the transaction around it."""
    if transaction.parent is None and not transaction.nested:
        for key in KEYS:
            session.info.pop(key, None)
