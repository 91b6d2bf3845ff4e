"""What a dealer file shows: one dealer's figures assembled in a fixed number of queries.

`dossier_context()` gathers everything the PDF template needs; every figure that another
page also shows comes from portal/metrics so the numbers agree. Nothing here depends on who
asks: access was checked by the caller, and the context only ever holds this dealer's rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from portal import charts, clock, periods
from portal.access.notices import is_targeted_store, reaches
from portal.extensions import db
from portal.metrics import audits as audit_metrics
from portal.metrics import complaints as complaint_metrics
from portal.metrics import contracts as contract_metrics
from portal.metrics import plans as plan_metrics
from portal.metrics import timeliness as timeliness_metrics
from portal.models import (
    ActionStatus,
    Audit,
    AuditStatus,
    CorrectiveAction,
    Dealer,
    DealerFile,
    ExecutionStatus,
    Notice,
    NoticeExecution,
    NoticeKind,
    NoticeReceipt,
    NoticeStatus,
    SalesPlan,
    Store,
    StoreReport,
)
from portal.money import to_decimal

MONTHS = 12
AUDIT_HISTORY = 24
NOTICE_HISTORY = 20


def latest_assessment(dealer: Dealer) -> dict[str, Any]:
    """The dealer's latest final assessment with its scoring (weights and shares shown)."""
    from portal.assessments import services as assessments

    found = assessments.latest_final_assessment(dealer.id)
    if found is None:
        return {}
    return {"latest_assessment": found, "assessment_result": assessments.result_of(found)}


@dataclass(frozen=True)
class MonthTimeliness:
    period: str
    plan: str  # on_time / late / missing / open
    expected: int
    on_time: int
    late: int
    missing: int


@dataclass(frozen=True)
class NoticeLine:
    notice: Notice
    receipt: NoticeReceipt | None
    stores: int = 0
    executed: int = 0
    not_possible: int = 0

    @property
    def acknowledged(self) -> bool:
        return self.receipt is not None and self.receipt.acknowledged_at is not None


@dataclass
class Dossier:
    dealer: Dealer
    today: date
    stores: list[Store]
    performance: plan_metrics.DealerOverview
    plan_chart: Any
    timeliness: list[MonthTimeliness]
    audits: list[Audit]
    audit_summary: audit_metrics.AuditAverage
    audit_chart: Any
    actions: list[CorrectiveAction]
    action_counts: dict[str, int]
    notices: list[NoticeLine]
    extra: dict[str, Any] = field(default_factory=dict)

    def as_context(self) -> dict[str, Any]:
        context = {name: getattr(self, name) for name in self.__dataclass_fields__}
        context.pop("extra")
        context.update(self.extra)
        return context


def issued_files(dealer_id: int, limit: int = 50) -> list[DealerFile]:
    """The dealer's issued files, newest first, with their issuers (the dealer's page lists
    them)."""
    return list(
        db.session.scalars(
            select(DealerFile)
            .where(DealerFile.dealer_id == dealer_id)
            .options(joinedload(DealerFile.issued_by))
            .order_by(DealerFile.issued_at.desc(), DealerFile.id.desc())
            .limit(limit)
        )
    )


def load_dealer(dealer_id: int) -> Dealer | None:
    return db.session.scalar(
        select(Dealer).where(Dealer.id == dealer_id).options(joinedload(Dealer.region))
    )


def dossier(dealer: Dealer, *, on: date | None = None) -> Dossier:
    """Everything one dealer's file shows, as of `on` (default today)."""
    on = on or clock.today()
    current = periods.of(on)
    first = periods.shift(current, -(MONTHS - 1))
    stores = list(
        db.session.scalars(select(Store).where(Store.dealer_id == dealer.id).order_by(Store.code))
    )
    performance = plan_metrics.dealer_overview(
        dealer.id, current, ytd_through=periods.shift(current, -1), months=MONTHS
    )
    audits = _audits(dealer.id)
    return Dossier(
        dealer=dealer,
        today=on,
        stores=stores,
        performance=performance,
        plan_chart=_plan_chart(performance.months),
        timeliness=_timeliness(dealer.id, first, periods.shift(current, -1), on),
        audits=audits,
        audit_summary=audit_metrics.audit_summary(_only(dealer.id)),
        audit_chart=_audit_chart(audits),
        actions=_open_actions(dealer.id),
        action_counts=audit_metrics.open_action_counts(_only(dealer.id), today=on),
        notices=_notices(dealer, on),
        extra={
            **latest_assessment(dealer),
            "complaints": _complaints(dealer.id, on),
            "contracts_file": _contracts(dealer, on),
        },
    )


def _contracts(dealer: Dealer, on: date) -> contract_metrics.DealerFileView:
    """Its contracts, the latest document of each kind, and what it must renew."""
    within = int(current_app.config["CONTRACT_WARNING_DAYS"])
    return contract_metrics.dealer_file(dealer, today=on, within_days=within)


def _complaints(dealer_id: int, on: date) -> complaint_metrics.DealerYear:
    """The last 12 months' complaints and the open ones, as of now (or the end of `on`)."""
    end_of_day = datetime(on.year, on.month, on.day, tzinfo=UTC) + timedelta(days=1)
    return complaint_metrics.dealer_year(dealer_id, min(clock.now(), end_of_day))


def _only(dealer_id: int):
    return lambda column: column == dealer_id


def _plan_chart(months: list[tuple[str, plan_metrics.Figures]]) -> Any:
    labels = [period[2:] for period, _figures in months]
    planned = [to_decimal(f.target_revenue) if f.has_target else None for _p, f in months]
    actual = [to_decimal(f.actual_revenue) if f.has_actual else None for _p, f in months]
    return charts.bar_line_chart(
        labels,
        charts.Series(_("Plan"), planned),
        charts.Series(_("Actual"), actual),
        title=_("Revenue: plan against actual"),
        height=230,
        table=False,
    )


def _timeliness(dealer_id: int, first: str, last: str, on: date) -> list[MonthTimeliness]:
    """Plan and report timeliness for each month first..last, in two queries."""
    if last < first:
        return []
    config = current_app.config
    plan_due_day, report_days = config["PLAN_DUE_DAY"], config["REPORT_DUE_DAYS"]
    plans = dict(
        db.session.execute(
            select(SalesPlan.period, SalesPlan.first_submitted_at).where(
                SalesPlan.dealer_id == dealer_id,
                SalesPlan.period >= first,
                SalesPlan.period <= last,
            )
        ).all()
    )
    expected = [
        row.id for row in db.session.execute(timeliness_metrics.expected_stores([dealer_id]))
    ]
    reports: dict[tuple[str, int], Any] = {
        (row.period, row.store_id): row.first_submitted_at
        for row in db.session.execute(
            select(StoreReport.period, StoreReport.store_id, StoreReport.first_submitted_at).where(
                StoreReport.dealer_id == dealer_id,
                StoreReport.period >= first,
                StoreReport.period <= last,
            )
        )
    }
    result = []
    for period in reversed(periods.span(first, last)):
        plan_due = timeliness_metrics.plan_due(period, plan_due_day)
        report_due = timeliness_metrics.report_due(period, report_days)
        states = [
            timeliness_metrics.timeliness(reports.get((period, store)), report_due, on)
            for store in expected
        ]
        result.append(
            MonthTimeliness(
                period=period,
                plan=timeliness_metrics.timeliness(plans.get(period), plan_due, on),
                expected=len(states),
                on_time=states.count(timeliness_metrics.ON_TIME),
                late=states.count(timeliness_metrics.LATE),
                missing=states.count(timeliness_metrics.MISSING),
            )
        )
    return result


def _audits(dealer_id: int) -> list[Audit]:
    """The dealer's latest completed audits, newest first."""
    return list(
        db.session.scalars(
            select(Audit)
            .where(Audit.dealer_id == dealer_id, Audit.status == AuditStatus.COMPLETED)
            .options(joinedload(Audit.store), joinedload(Audit.standard), joinedload(Audit.auditor))
            .order_by(Audit.completed_at.desc(), Audit.id.desc())
            .limit(AUDIT_HISTORY)
        )
    )


def _audit_chart(audits: list[Audit]) -> Any:
    points = [(a.completed_at.date(), a.score) for a in reversed(audits) if a.score is not None]
    if len(points) < 2:
        return None
    return charts.line_chart(
        [day.isoformat()[2:] for day, _score in points],
        [charts.Series(_("Score"), [Decimal(score) for _day, score in points])],
        title=_("Audit scores"),
        y_min=0,
        y_max=100,
        height=200,
        table=False,
    )


def _open_actions(dealer_id: int) -> list[CorrectiveAction]:
    """Corrective actions not verified yet, overdue first by due date."""
    return list(
        db.session.scalars(
            select(CorrectiveAction)
            .where(
                CorrectiveAction.dealer_id == dealer_id,
                CorrectiveAction.status != ActionStatus.VERIFIED,
            )
            .options(joinedload(CorrectiveAction.item), joinedload(CorrectiveAction.store))
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
        )
    )


def _notices(dealer: Dealer, on: date) -> list[NoticeLine]:
    """Published notices that reach the dealer: its acknowledgement and, for promotions,
    how many of its targeted stores reported execution (current versions)."""
    receipt_of = and_(
        NoticeReceipt.notice_id == Notice.id,
        NoticeReceipt.dealer_id == Dealer.id,
        NoticeReceipt.version_number == Notice.current_version,
    )
    rows = db.session.execute(
        select(Notice, NoticeReceipt)
        .select_from(Notice)
        .join(Dealer, reaches())
        .outerjoin(NoticeReceipt, receipt_of)
        .where(Dealer.id == dealer.id, Notice.status == NoticeStatus.PUBLISHED)
        .order_by(Notice.published_at.desc(), Notice.id.desc())
        .limit(NOTICE_HISTORY)
    ).all()
    promotions = [n.id for n, _r in rows if n.kind == NoticeKind.PROMOTION]
    executions: dict[int, tuple[int, int, int]] = {}
    if promotions:
        execution_of = and_(
            NoticeExecution.notice_id == Notice.id,
            NoticeExecution.store_id == Store.id,
            NoticeExecution.version_number == Notice.current_version,
        )
        for notice_id, stores, done, impossible in db.session.execute(
            select(
                Notice.id,
                func.count(Store.id),
                func.count(case((NoticeExecution.status == ExecutionStatus.DONE, 1))),
                func.count(case((NoticeExecution.status == ExecutionStatus.NOT_POSSIBLE, 1))),
            )
            .select_from(Notice)
            .join(Dealer, reaches())
            .join(Store, Store.dealer_id == Dealer.id)
            .outerjoin(NoticeExecution, execution_of)
            .where(Dealer.id == dealer.id, Notice.id.in_(promotions), is_targeted_store())
            .group_by(Notice.id)
        ):
            executions[notice_id] = (stores, done, impossible)
    return [
        NoticeLine(notice, receipt, *executions.get(notice.id, (0, 0, 0)))
        for notice, receipt in rows
    ]


def page_label_css() -> Markup:
    """CSS `content` for "Page X of Y" in the reader's language (literal parts escaped)."""
    text = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    parts = []
    for piece in re.split("([\x00\x01])", text):
        if piece == "\x00":
            parts.append("counter(page)")
        elif piece == "\x01":
            parts.append("counter(pages)")
        elif piece:
            escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in piece)
            parts.append(f'"{escaped}"')
    # Built from CSS-escaped string pieces and counter() calls only, above.
    return Markup(" ".join(parts))  # noqa: S704  # nosec B704
