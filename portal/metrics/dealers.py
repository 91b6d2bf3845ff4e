"""Dealer scorecards: how a dealer performed over a window, component by component.

One scorecard per dealer, each component a percentage (0-100) with a sentence saying how it
was computed, or None when the dealer had nothing to measure in the window:

- attainment: actual revenue against approved targets (capped at 100 for scoring);
- timeliness: plans and store reports submitted by their due dates, among those due;
- audit_score: average score of the audits completed in the window (plus a trend);
- actions_on_time: corrective actions answered by their original due date, among those due;
- acknowledgement: notices acknowledged, among those whose acknowledgement fell due;
- execution: promotion executions reported done, among the targeted stores whose deadline
  fell in the window;
- complaints_forwarded, complaints_resolved, complaints_not_repeated: of the customer
  complaints received in the window, the share forwarded within target and resolved on time
  (as `portal.metrics.complaints` defines them, as of the start of today) and the share not
  reopened (100 minus the repeat rate).

Assessments freeze these figures; home pages rank dealers by a health score built on them.
Every function is batched: a constant number of queries whatever the number of dealers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, or_, select

from portal import clock, periods
from portal.access.notices import READABLE, is_targeted_store, reaches
from portal.extensions import db
from portal.metrics import complaints as complaint_metrics
from portal.metrics import plans as plan_metrics
from portal.metrics import timeliness
from portal.metrics.prepared import IDS, among, id_list
from portal.models import (
    ActionStep,
    Audit,
    AuditStatus,
    Complaint,
    CorrectiveAction,
    Dealer,
    ExecutionStatus,
    Notice,
    NoticeExecution,
    NoticeKind,
    NoticeReceipt,
    SalesPlan,
    StepKind,
    Store,
    StoreReport,
    StoreStatus,
)
from portal.models.scorecard import DETAILS, KEYS, LABELS, NO_DATA

DealerIds = Collection[int] | Select[Any]
ONE_DP = Decimal("0.1")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    value: Decimal | None  # 0-100, None when there was nothing to measure
    detail: str  # how it was computed, in the language it was computed in
    facts: dict[str, Any] = field(default_factory=dict)  # the detail's numbers ({}: no data)


@dataclass(frozen=True)
class Scorecard:
    dealer_id: int
    components: dict[str, Component] = field(default_factory=dict)
    audit_trend: Decimal | None = None  # last 3 audits' average minus the 3 before


def period_window(quarter_end: date, months: int = 3) -> tuple[date, date]:
    """The `months` calendar months ending with the month of `quarter_end`, as dates."""
    last = periods.of(quarter_end)
    first = periods.shift(last, -(months - 1))
    return periods.first_day(first), periods.last_day(last)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(ONE_DP, ROUND_HALF_UP)


def scorecards(
    dealer_ids: DealerIds,
    *,
    first: date,
    last: date,
    today: date | None = None,
    attainment: Mapping[int, plan_metrics.Figures] | None = None,
) -> dict[int, Scorecard]:
    """Scorecards of the given dealers over the dates first..last (inclusive).

    Things that fall due after `today` are not counted yet. `attainment`: the dealers' plan
    against actual over the window's months when the caller has them already
    (`portal.metrics.figures.dealer_windows`), else they are read here.
    """
    today = today or clock.today()
    ids = id_list(dealer_ids)
    cutoff = min(last, today)
    if attainment is None:
        window = (periods.of(first), periods.of(last))
        attainment = plan_metrics.dealer_windows(ids, [window])[0]
    parts: dict[str, dict[int, Component]] = {
        "attainment": _attainment(attainment),
        "timeliness": _timeliness(ids, first, cutoff),
        "audit_score": _audit_scores(ids, first, last),
        "actions_on_time": _actions(ids, first, cutoff),
        "acknowledgement": _acknowledgements(ids, first, cutoff),
        "execution": _executions(ids, first, cutoff),
        **_complaints(ids, first, last, today),
    }
    trends = _audit_trends(ids, last)
    # Translations are looked up once per call, not once per dealer (admins rank thousands).
    no_data = str(NO_DATA)
    empty = {key: Component(key, str(LABELS[key]), None, no_data) for key in KEYS}
    cards = {}
    for dealer_id in ids:
        components = {key: parts[key].get(dealer_id) or empty[key] for key in KEYS}
        cards[dealer_id] = Scorecard(dealer_id, components, trends.get(dealer_id))
    return cards


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _end(day: date) -> datetime:
    """The first instant after `day` (UTC)."""
    return _start(day + timedelta(days=1))


def _components(key: str, counts: Iterable[tuple[int, int, int]]) -> dict[int, Component]:
    """{dealer id: component} from (dealer id, part, whole) rows."""
    label, template = str(LABELS[key]), str(DETAILS[key])
    result = {}
    for dealer_id, part, whole in counts:
        if whole:
            facts = {"part": part, "whole": whole}
            result[dealer_id] = Component(key, label, percent(part, whole), template % facts, facts)
    return result


def _attainment(figures: Mapping[int, plan_metrics.Figures]) -> dict[int, Component]:
    label, template = str(LABELS["attainment"]), str(DETAILS["attainment"])
    result = {}
    for dealer_id, found in figures.items():
        if found.attainment_bp is None:
            continue
        actual = (Decimal(found.attainment_bp) / 100).quantize(ONE_DP)
        facts = {"percent": str(actual)}
        result[dealer_id] = Component(
            "attainment", label, min(actual, HUNDRED), template % facts, facts
        )
    return result


def _due_periods(due_of, first: date, cutoff: date) -> dict[str, date]:
    """The periods whose due date (by `due_of`) falls within first..cutoff."""
    candidates = periods.span(
        periods.shift(periods.of(first), -2), periods.shift(periods.of(cutoff), 1)
    )
    found = {period: due_of(period) for period in candidates}
    return {period: due for period, due in found.items() if first <= due <= cutoff}


def _on_time(period_column, submitted_column, count: int) -> ColumnElement[Any]:
    """1 when submitted before the end of its period's due day: `period_<i>` and `end_<i>`
    bound for each of `count` periods (`_due_params`)."""
    return case(
        (
            or_(
                *(
                    and_(
                        period_column == bindparam(f"period_{index}"),
                        submitted_column < bindparam(f"end_{index}"),
                    )
                    for index in range(count)
                )
            ),
            1,
        ),
        else_=0,
    )


def _due_params(ids: list[int], due: dict[str, date]) -> dict[str, Any]:
    params: dict[str, Any] = {IDS: ids, "periods": list(due)}
    for index, (period, day) in enumerate(due.items()):
        params[f"period_{index}"], params[f"end_{index}"] = period, _end(day)
    return params


def _reporting_store() -> tuple[ColumnElement[bool], ...]:
    """Stores that owe a report (as in metrics.timeliness.expected_stores)."""
    return (Store.active.is_(True), Store.status == StoreStatus.OPEN)


@cache
def _active_dealers() -> Select[Any]:
    return select(Dealer.id).where(among(Dealer.id), Dealer.active.is_(True))


@lru_cache(maxsize=16)
def _plans_on_time(count: int) -> Select[Any]:
    on_time = _on_time(SalesPlan.period, SalesPlan.first_submitted_at, count)
    return (
        select(SalesPlan.dealer_id, func.sum(on_time))
        .where(
            among(SalesPlan.dealer_id),
            SalesPlan.period.in_(bindparam("periods", expanding=True)),
        )
        .group_by(SalesPlan.dealer_id)
    )


@cache
def _reporting_stores() -> Select[Any]:
    return (
        select(Store.dealer_id, func.count(Store.id))
        .where(among(Store.dealer_id), *_reporting_store())
        .group_by(Store.dealer_id)
    )


@lru_cache(maxsize=16)
def _reports_on_time(count: int) -> Select[Any]:
    on_time = _on_time(StoreReport.period, StoreReport.first_submitted_at, count)
    return (
        select(StoreReport.dealer_id, func.sum(on_time))
        .join(Store, Store.id == StoreReport.store_id)
        .where(
            among(StoreReport.dealer_id),
            StoreReport.period.in_(bindparam("periods", expanding=True)),
            *_reporting_store(),
        )
        .group_by(StoreReport.dealer_id)
    )


def _timeliness(ids: list[int], first: date, cutoff: date) -> dict[int, Component]:
    config = current_app.config
    plan_due = _due_periods(lambda p: timeliness.plan_due(p, config["PLAN_DUE_DAY"]), first, cutoff)
    report_due = _due_periods(
        lambda p: timeliness.report_due(p, config["REPORT_DUE_DAYS"]), first, cutoff
    )
    on_time: dict[int, int] = {}
    expected: dict[int, int] = {}
    if plan_due:
        for dealer_id in db.session.execute(_active_dealers(), {IDS: ids}).scalars():
            expected[dealer_id] = len(plan_due)
        params = _due_params(ids, plan_due)
        for dealer_id, count in db.session.execute(_plans_on_time(len(plan_due)), params):
            on_time[dealer_id] = on_time.get(dealer_id, 0) + int(count or 0)
    if report_due:
        for dealer_id, count in db.session.execute(_reporting_stores(), {IDS: ids}):
            expected[dealer_id] = expected.get(dealer_id, 0) + count * len(report_due)
        params = _due_params(ids, report_due)
        for dealer_id, count in db.session.execute(_reports_on_time(len(report_due)), params):
            on_time[dealer_id] = on_time.get(dealer_id, 0) + int(count or 0)
    return _components(
        "timeliness",
        ((dealer_id, on_time.get(dealer_id, 0), whole) for dealer_id, whole in expected.items()),
    )


def _audit_scores(ids: list[int], first: date, last: date) -> dict[int, Component]:
    params = {IDS: ids, "start": _start(first), "end": _end(last)}
    rows = db.session.execute(_audit_scores_query(), params).all()
    label, template = str(LABELS["audit_score"]), str(DETAILS["audit_score"])
    result = {}
    for dealer_id, count, average in rows:
        value = Decimal(str(average)).quantize(ONE_DP, ROUND_HALF_UP)
        facts = {"count": count}
        result[dealer_id] = Component("audit_score", label, value, template % facts, facts)
    return result


@cache
def _audit_scores_query() -> Select[Any]:
    return (
        select(Audit.dealer_id, func.count(Audit.id), func.avg(Audit.score))
        .where(
            among(Audit.dealer_id),
            Audit.status == AuditStatus.COMPLETED,
            Audit.score.is_not(None),
            Audit.completed_at >= bindparam("start"),
            Audit.completed_at < bindparam("end"),
        )
        .group_by(Audit.dealer_id)
    )


def _audit_trends(ids: list[int], last: date) -> dict[int, Decimal]:
    rows = db.session.execute(_audit_trends_query(), {IDS: ids, "end": _end(last)}).all()
    return {
        dealer_id: (Decimal(str(new)) - Decimal(str(old))).quantize(ONE_DP, ROUND_HALF_UP)
        for dealer_id, new, old, older_count in rows
        if older_count and new is not None and old is not None
    }


@cache
def _audit_trends_query() -> Select[Any]:
    rank = (
        func.row_number()
        .over(partition_by=Audit.dealer_id, order_by=(Audit.completed_at.desc(), Audit.id.desc()))
        .label("rank")
    )
    recent = (
        select(Audit.dealer_id, Audit.score, rank)
        .where(
            among(Audit.dealer_id),
            Audit.status == AuditStatus.COMPLETED,
            Audit.score.is_not(None),
            Audit.completed_at < bindparam("end"),
        )
        .subquery()
    )
    newer = case((recent.c.rank <= 3, recent.c.score))
    older = case((recent.c.rank > 3, recent.c.score))
    return (
        select(recent.c.dealer_id, func.avg(newer), func.avg(older), func.count(older))
        .where(recent.c.rank <= 6)
        .group_by(recent.c.dealer_id)
    )


def _actions(ids: list[int], first: date, cutoff: date) -> dict[int, Component]:
    params = {IDS: ids, "first": first, "cutoff": cutoff}
    counts: dict[int, list[int]] = {}
    for dealer_id, due, responded_at in db.session.execute(_actions_query(), params):
        tally = counts.setdefault(dealer_id, [0, 0])
        tally[1] += 1
        if responded_at is not None and _aware(responded_at) < _end(due):
            tally[0] += 1
    return _components(
        "actions_on_time",
        ((dealer_id, part, whole) for dealer_id, (part, whole) in counts.items()),
    )


@cache
def _actions_query() -> Select[Any]:
    first_response = (
        select(ActionStep.action_id, func.min(ActionStep.at).label("at"))
        .where(ActionStep.kind == StepKind.RESPONDED)
        .group_by(ActionStep.action_id)
        .subquery()
    )
    return (
        select(CorrectiveAction.dealer_id, CorrectiveAction.original_due_on, first_response.c.at)
        .outerjoin(first_response, first_response.c.action_id == CorrectiveAction.id)
        .where(
            among(CorrectiveAction.dealer_id),
            CorrectiveAction.original_due_on >= bindparam("first"),
            CorrectiveAction.original_due_on <= bindparam("cutoff"),
        )
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _due_share(
    key: str, query: Select[Any], ids: list[int], first: date, cutoff: date
) -> dict[int, Component]:
    """Component `key` from `query`'s (dealer id, due, done) rows over first..cutoff."""
    rows = db.session.execute(query, {IDS: ids, "first": first, "cutoff": cutoff}).all()
    return _components(key, ((dealer_id, part, whole) for dealer_id, whole, part in rows))


def _acknowledgements(ids: list[int], first: date, cutoff: date) -> dict[int, Component]:
    return _due_share("acknowledgement", _acknowledgements_query(), ids, first, cutoff)


@cache
def _acknowledgements_query() -> Select[Any]:
    return (
        select(Dealer.id, func.count(Notice.id), func.count(NoticeReceipt.acknowledged_at))
        .select_from(Notice)
        .join(Dealer, reaches())
        .outerjoin(
            NoticeReceipt,
            and_(
                NoticeReceipt.notice_id == Notice.id,
                NoticeReceipt.dealer_id == Dealer.id,
                NoticeReceipt.version_number == Notice.current_version,
            ),
        )
        .where(
            among(Dealer.id),
            Notice.status.in_(READABLE),
            Notice.acknowledge_due_on >= bindparam("first"),
            Notice.acknowledge_due_on <= bindparam("cutoff"),
        )
        .group_by(Dealer.id)
    )


def _executions(ids: list[int], first: date, cutoff: date) -> dict[int, Component]:
    return _due_share("execution", _executions_query(), ids, first, cutoff)


@cache
def _executions_query() -> Select[Any]:
    return (
        select(
            Store.dealer_id,
            func.count(Store.id),
            func.count(case((NoticeExecution.status == ExecutionStatus.DONE, 1))),
        )
        .select_from(Notice)
        .join(Dealer, reaches())
        .join(Store, Store.dealer_id == Dealer.id)
        .outerjoin(
            NoticeExecution,
            and_(
                NoticeExecution.notice_id == Notice.id,
                NoticeExecution.store_id == Store.id,
                NoticeExecution.version_number == Notice.current_version,
            ),
        )
        .where(
            among(Dealer.id),
            Notice.status.in_(READABLE),
            Notice.kind == NoticeKind.PROMOTION,
            Notice.execution_deadline >= bindparam("first"),
            Notice.execution_deadline <= bindparam("cutoff"),
            is_targeted_store(),
        )
        .group_by(Store.dealer_id)
    )


def _complaints(
    ids: list[int], first: date, last: date, today: date
) -> dict[str, dict[int, Component]]:
    """The three complaint components, from one grouped query."""
    # A complaint of the window still late today counts as late.
    params = {IDS: ids, "as_of": _start(today), "start": _start(first), "end": _end(last)}
    rows = db.session.execute(_complaints_query(), params).all()
    found: dict[str, dict[int, Component]] = {
        "complaints_forwarded": {},
        "complaints_resolved": {},
        "complaints_not_repeated": {},
    }
    # Translated once per call, not once per dealer.
    texts = {key: (str(LABELS[key]), str(DETAILS[key])) for key in found}
    for dealer_id, *counts in rows:
        tally = complaint_metrics.Tally(*(int(count or 0) for count in counts))
        for key, part, whole, facts in (
            (
                "complaints_forwarded",
                tally.forwarded_on_time,
                tally.forward_measured,
                {"part": tally.forwarded_on_time, "whole": tally.forward_measured},
            ),
            (
                "complaints_resolved",
                tally.resolved_on_time,
                tally.resolve_measured,
                {"part": tally.resolved_on_time, "whole": tally.resolve_measured},
            ),
            (
                "complaints_not_repeated",
                tally.total - tally.repeats,
                tally.total,
                {"repeats": tally.repeats, "whole": tally.total},
            ),
        ):
            if whole:
                label, detail = texts[key]
                found[key][dealer_id] = Component(
                    key, label, percent(part, whole), detail % facts, facts
                )
    return found


@cache
def _complaints_query() -> Select[Any]:
    return (
        select(Complaint.dealer_id, *complaint_metrics.tally_columns(bindparam("as_of")))
        .where(
            among(Complaint.dealer_id),
            Complaint.received_at >= bindparam("start"),
            Complaint.received_at < bindparam("end"),
        )
        .group_by(Complaint.dealer_id)
    )
