"""The home pages' figures, read from the maintained rows (`dealer_figures` and the tables
beside it): the dealer table and the visit list a page of rows each, sorted by the
database (the totals per region: `portal.metrics.home_totals`). Nothing here computes a
dealer's figures or writes; `portal.metrics.upkeep` keeps the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, func, literal, select
from sqlalchemy.orm import load_only

from portal import periods
from portal.extensions import db
from portal.metrics import complaints as complaint_metrics
from portal.metrics import dealers as dealer_metrics
from portal.metrics import health as health_metrics
from portal.metrics import home
from portal.metrics import plans as plan_metrics
from portal.metrics import receivables as receivable_metrics
from portal.metrics.dealer_figures import figures_of
from portal.metrics.timeliness import PlanState
from portal.models import (
    Dealer,
    DealerFigures,
    DealerOverdueNotice,
    DealerStatus,
    Notice,
    PlanStatus,
    RegionAuditMonth,
)
from portal.models.figures import COMPONENTS
from portal.models.scorecard import DETAILS, LABELS, NO_DATA, describe, translated

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]
F = DealerFigures
FiguresRow = Any  # a DealerFigures, or a result row with its columns (lines_query)
HOME = and_(Dealer.active.is_(True), Dealer.status.in_(home.HOME_STATUSES))


# The dealer table and the visit list: pages of rows, sorted by the database


def _missing_last(column: Any, descending: bool) -> list[Any]:
    """Dealers without the figure after the others (before them, reversed), as in Python's
    sort on (value is None, value)."""
    missing = column.is_(None)
    if descending:
        return [missing.desc(), column.desc()]
    return [missing.asc(), column.asc()]


def _counts(descending: bool, *columns: Any) -> list[Any]:
    """Counts, a dealer without a row counting 0."""
    found = [func.coalesce(column, 0) for column in columns]
    return [c.desc() if descending else c.asc() for c in found]


def _by(column: Any, descending: bool) -> Any:
    return column.desc() if descending else column.asc()


SORTS: dict[str, Callable[[bool], list[Any]]] = {
    "dealer": lambda d: [_by(Dealer.code, d)],
    "region": lambda d: [_by(Dealer.region_id, d), _by(Dealer.code, d)],
    "month": lambda d: _missing_last(F.month_attainment_bp, d),
    "ytd": lambda d: _missing_last(F.ytd_attainment_bp, d),
    "reports": lambda d: _counts(d, F.reports_missing, F.reports_late),
    "audit": lambda d: _missing_last(F.audit_average, d),
    "actions": lambda d: _counts(d, F.actions_overdue, F.actions_open),
    "ack": lambda d: _missing_last(F.acknowledgement_rate, d),
    "health": lambda d: _missing_last(F.health_score, d),
}


def lines_query(scope: Scope, *, region_id: int | None = None) -> Select[Any]:
    """The home dealers in scope with their rows' columns (None where a dealer has none
    yet): plain values, a page's worth of rows read without building model instances."""
    query = (
        select(
            Dealer.id,
            Dealer.code,
            Dealer.name,
            Dealer.region_id,
            Dealer.status,
            *F.__table__.columns,
        )
        .select_from(Dealer)
        .outerjoin(F, F.dealer_id == Dealer.id)
        .where(scope(Dealer.id), HOME)
    )
    if region_id is not None:
        query = query.where(Dealer.region_id == region_id)
    return query


def sorted_query(query: Select[Any], sort: str, descending: bool) -> Select[Any]:
    """Ordered like the table's columns sort (ties by dealer code, like a stable sort)."""
    return query.order_by(*SORTS[sort](descending), Dealer.code.asc())


@dataclass(frozen=True)
class Line:
    """A dealer table row: the line, and its health with every part (None without a row)."""

    line: home.DealerLine
    health: health_metrics.Health | None


@dataclass(frozen=True)
class HealthTexts:
    """The health explanations' words in the reader's language, translated once for all the
    rows of a page rather than once per row."""

    labels: dict[str, str]
    details: dict[str, str]
    no_data: str
    complaints: complaint_metrics.HealthTexts

    @classmethod
    def now(cls) -> HealthTexts:
        return cls(
            translated(LABELS),
            translated(DETAILS),
            str(NO_DATA),
            complaint_metrics.HealthTexts.now(),
        )


@dataclass(frozen=True)
class HealthSettings:
    """The health score's configured weights and penalties, read once for many rows."""

    weights: dict[str, int]
    penalties: dict[str, int]
    late_share: Decimal

    @classmethod
    def now(cls) -> HealthSettings:
        config = current_app.config
        return cls(
            config["HEALTH_WEIGHTS"],
            config["HEALTH_PENALTIES"],
            receivable_metrics.late_share_limit(),
        )


def lines(query: Select[Any], when: home.Periods) -> list[Line]:
    """The query's rows as lines (the words, settings and due date read once for all)."""
    texts, settings = HealthTexts.now(), HealthSettings.now()
    due = plan_metrics.plan_due(when.plan_period, int(current_app.config["PLAN_DUE_DAY"]))
    return [_line(row, when, due, texts, settings) for row in db.session.execute(query)]


class RowsPage(Pagination):
    """A page of rows fetched by the database (`fetch(offset, limit)`), with their count."""

    def _query_items(self) -> list[Any]:
        return self._query_args["fetch"](self._query_offset, self.per_page)

    def _query_count(self) -> int:
        return self._query_args["total"]()


def page_of(
    query: Select[Any], when: home.Periods, page: int, per_page: int, *, total: int | None = None
) -> Pagination:
    """A page of `query`'s lines; `total`, how many there are, when the caller knows it."""

    def fetch(offset: int, limit: int) -> list[Line]:
        return lines(query.offset(offset).limit(limit), when)

    def count() -> int:
        if total is not None:
            return total
        counted = query.with_only_columns(func.count()).order_by(None)
        return int(db.session.scalar(counted) or 0)

    return RowsPage(page=page, per_page=per_page, error_out=False, fetch=fetch, total=count)


def ranked(scope: Scope, when: home.Periods, limit: int | None) -> list[Line]:
    """Dealers needing a visit: lowest health first, those without a score last."""
    query = lines_query(scope).where(F.dealer_id.is_not(None))
    if limit is None:
        return lines(query.order_by(F.health_score.is_(None), F.health_score, Dealer.id), when)
    # The scored ones first, read in the order of the health score's index (ordering by
    # "score is null" first would sort every dealer's row); the unscored ones only when
    # fewer than `limit` dealers have a score.
    scored = query.where(F.health_score.is_not(None)).order_by(F.health_score, Dealer.id)
    found = lines(scored.limit(limit), when)
    if len(found) < limit:
        unscored = query.where(F.health_score.is_(None)).order_by(Dealer.id)
        found += lines(unscored.limit(limit - len(found)), when)
    return found


def _line(
    row: Any, when: home.Periods, due: date, texts: HealthTexts, settings: HealthSettings
) -> Line:
    # The row carries the dealer's figures columns (all None when it has no figures row).
    figures = row if row.dealer_id is not None else None
    if figures is None:
        empty = home.DealerLine(
            id=row.id,
            code=row.code,
            name=row.name,
            region_id=row.region_id,
            status=DealerStatus(row.status),
            stores=0,
            month=plan_metrics.EMPTY,
            ytd=plan_metrics.EMPTY,
            plan=PlanState(None, None, due, home.NOT_DUE),
            reports=home.ReportTally(),
            audits=home.AuditTally(),
        )
        return Line(empty, None)
    line = home.DealerLine(
        id=row.id,
        code=row.code,
        name=row.name,
        region_id=row.region_id,
        status=DealerStatus(row.status),
        stores=figures.stores,
        month=figures_of(figures, "month"),
        ytd=figures_of(figures, "ytd"),
        plan=plan_state(figures, due),
        reports=report_tally(figures),
        audits=home.AuditTally(
            completed=figures.audits_recent,
            score_sum=home.tenths(figures.audit_score_sum),
            last_completed=figures.last_audit_at,
            overdue=figures.audits_overdue,
            due=figures.audits_due,
        ),
        open_actions=figures.actions_open,
        overdue_actions=figures.actions_overdue,
        notices=figures.notices,
        acknowledged=figures.notices_acknowledged,
    )
    return Line(line, health_of(figures, when.today, texts, settings))


def plan_state(figures: FiguresRow, due: date) -> PlanState:
    status = PlanStatus(figures.plan_status) if figures.plan_status else None
    return PlanState(figures.plan_id, status, due, figures.plan_timeliness)


def report_tally(figures: FiguresRow) -> home.ReportTally:
    return home.ReportTally(
        figures.reports_expected,
        figures.reports_on_time,
        figures.reports_late,
        figures.reports_missing,
        figures.reports_open,
    )


def health_of(
    figures: FiguresRow,
    today: date,
    texts: HealthTexts | None = None,
    settings: HealthSettings | None = None,
) -> health_metrics.Health:
    """The health score and its parts, explained in the reader's language, from the row."""
    texts = texts or HealthTexts.now()
    settings = settings or HealthSettings.now()
    facts = figures.facts or {}
    components = {}
    for key in COMPONENTS:
        value = getattr(figures, f"c_{key}")
        found = facts.get(key) or {}
        sentence = describe(key, found, details=texts.details, no_data=texts.no_data)
        components[key] = dealer_metrics.Component(key, texts.labels[key], value, sentence, found)
    card = dealer_metrics.Scorecard(figures.dealer_id, components, figures.audit_trend)
    complaints = facts.get("complaints") or {}
    return health_metrics.health(
        card,
        weights=settings.weights,
        penalties=settings.penalties,
        overdue_actions=figures.actions_overdue,
        last_audit=figures.last_audit_at,
        today=today,
        complaints=complaint_metrics.health_component(complaints, texts.complaints),
        overdue_complaints=int(complaints.get("overdue", 0)),
        receivables=facts.get("receivables") or {},
        late_share=settings.late_share,
        missing_documents=int((facts.get("documents") or {}).get("missing", 0)),
    )


# Cards: overdue notices, the score trend


@dataclass(frozen=True)
class OverdueTally:
    """A notice's overdue acknowledgements and store executions among dealers in scope."""

    acknowledgements_overdue: int
    executions_overdue: int

    @property
    def overdue(self) -> int:
        return self.acknowledgements_overdue + self.executions_overdue


def overdue_notices(scope: Scope, limit: int) -> list[tuple[Notice, OverdueTally]]:
    """The notices most overdue among the dealers in scope (their id, title and kind), at
    most `limit`: one query."""
    ack = func.sum(DealerOverdueNotice.acknowledgement_overdue).label("ack")
    late = func.sum(DealerOverdueNotice.executions_overdue).label("late")
    most = (
        select(DealerOverdueNotice.notice_id, ack, late)
        .where(scope(DealerOverdueNotice.dealer_id))
        .group_by(DealerOverdueNotice.notice_id)
        .order_by((ack + late).desc(), DealerOverdueNotice.notice_id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        select(Notice, most.c.ack, most.c.late)
        .join(most, most.c.notice_id == Notice.id)
        .options(load_only(Notice.id, Notice.title, Notice.kind))  # not their bodies
        .order_by((most.c.ack + most.c.late).desc(), Notice.id)
    ).all()
    return [
        (notice, OverdueTally(int(a or 0), int(e or 0)))
        for notice, a, e in rows
        if (a or 0) + (e or 0)
    ]


def monthly_scores(
    region_ids: Sequence[int], *, last: str, months: int = 12
) -> tuple[list[str], dict[int, list[Decimal | None]]]:
    """Average completed-audit score per region and month (the `months` months to `last`)."""
    labels = periods.span(periods.shift(last, -(months - 1)), last)
    series: dict[int, list[Decimal | None]] = {}
    if not region_ids:
        return labels, series
    rows = db.session.execute(
        select(
            RegionAuditMonth.region_id,
            RegionAuditMonth.period,
            RegionAuditMonth.audits,
            RegionAuditMonth.score_sum,
        ).where(
            RegionAuditMonth.region_id.in_(list(region_ids)),
            RegionAuditMonth.period.in_(labels),
            RegionAuditMonth.audits > literal(0),
        )
    ).all()
    for region_id, period, audits, score_sum in rows:
        values = series.setdefault(region_id, [None] * len(labels))
        average = home.tenths(score_sum) / audits
        values[labels.index(period)] = average.quantize(Decimal("0.1"))
    return labels, series
