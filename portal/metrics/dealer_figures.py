"""Each dealer's figures for one day, computed from the base tables: the values of its
`dealer_figures` row and its `dealer_overdue_notices` rows.

This is the one computation behind every figure the home pages show per dealer (and the
"full recomputation" the maintained rows are tested against). It is batched: about twenty
queries whatever the number of dealers, each built once per process (`portal.metrics.prepared`):
it runs in every transaction that changes a dealer's data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, select

from portal import periods
from portal.extensions import db
from portal.metrics import complaints as complaint_metrics
from portal.metrics import contracts as contract_metrics
from portal.metrics import dealers as dealer_metrics
from portal.metrics import health as health_metrics
from portal.metrics import home
from portal.metrics import notices as notice_metrics
from portal.metrics import plans as plan_metrics
from portal.metrics import receivables as receivable_metrics
from portal.metrics.figures import from_sums
from portal.metrics.prepared import IDS, among
from portal.models import Dealer
from portal.models.figures import COMPONENTS, FIGURE_SUMS

# Raise when what a row holds, or how it is computed, changes: every row is then recomputed
# by the periodic job (as when a setting below changes).
FORMAT = 5  # 2: the complaints part of the health score (in `facts["complaints"]`); 3: the
# receivables penalty (`facts["receivables"]`); 4: required documents missing
# (`facts["documents"]`); 5: the receivables flag and late amount in columns of their own
SETTINGS = (
    "PLAN_DUE_DAY",
    "REPORT_DUE_DAYS",
    "AUDIT_DUE_WINDOW_DAYS",
    "HEALTH_WEIGHTS",
    "HEALTH_PENALTIES",
    "HEALTH_MONTHS",
    "RECEIVABLES_LATE_SHARE",
)


def settings_key(config: Any | None = None) -> str:
    """A digest of the settings the figures depend on: rows made under others are stale."""
    config = config if config is not None else current_app.config
    found = {name: config[name] for name in SETTINGS}
    text = json.dumps([FORMAT, found], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def is_current(row: Any, today: date) -> bool:
    """Whether a `dealer_figures` row holds today's figures under today's settings."""
    return row.as_of <= today < row.stale_on and row.settings == settings_key()


@dataclass
class Computed:
    """One dealer's row values and the notices it is overdue on."""

    values: dict[str, Any]
    overdue: dict[int, tuple[int, int]] = field(default_factory=dict)


@cache
def _existing() -> Select[Any]:
    return select(Dealer.id).where(among(Dealer.id)).order_by(Dealer.id)


def health_window(when: home.Periods) -> tuple[date, date]:
    """The scorecard window: the last HEALTH_MONTHS complete months (to last month's end, so
    a month whose actuals are not due yet does not count as unmet targets)."""
    months = int(current_app.config["HEALTH_MONTHS"])
    return dealer_metrics.period_window(periods.last_day(when.month), months)


def compute(dealer_ids: Collection[int], today: date) -> dict[int, Computed]:
    """The figures of the given dealers as of `today` (dealers that no longer exist are left
    out)."""
    wanted = sorted(set(dealer_ids))
    if not wanted:
        return {}
    existing = list(db.session.execute(_existing(), {IDS: wanted}).scalars())
    if not existing:
        return {}
    config = current_app.config
    when = home.Periods.of(today)
    first, last = health_window(when)
    month, ytd, window = plan_metrics.dealer_windows(
        existing,
        [
            (when.month, when.month),
            (when.ytd_first, when.month),
            (periods.of(first), periods.of(last)),
        ],
    )
    plans = plan_metrics.plan_states(
        existing, when.plan_period, due_day=int(config["PLAN_DUE_DAY"]), today=today
    )
    due_days = int(config["REPORT_DUE_DAYS"])
    stores, reports = home.store_tallies(
        existing, when.report_period, due_days=due_days, today=today
    )
    report_due = plan_metrics.report_due(when.report_period, due_days)
    audits = home.audit_counts(
        existing, today=today, window_days=int(config["AUDIT_DUE_WINDOW_DAYS"])
    )
    actions = home.action_counts(existing, today=today)
    notices = notice_metrics.dealer_notice_counts(existing, today=today)
    reviews = home.review_counts(existing)
    cards = dealer_metrics.scorecards(
        existing, first=first, last=last, today=today, attainment=window
    )
    complaints, complaint_due = complaint_metrics.health_and_deadlines(existing, today)
    receivables, receivables_due = receivable_metrics.health_facts(existing, today)
    documents_missing = contract_metrics.missing_documents(existing, today)
    documents_change = contract_metrics.documents_change_on(existing, today)
    settings = settings_key(config)
    complaint_texts = complaint_metrics.HealthTexts.now()  # translated once, not per dealer
    result = {}
    for dealer_id in existing:
        parts = _Parts(
            month=month.get(dealer_id, plan_metrics.EMPTY),
            ytd=ytd.get(dealer_id, plan_metrics.EMPTY),
            plan=plans[dealer_id],
            reports=reports.get(dealer_id, home.ReportTally()),
            audits=audits.get(dealer_id, home.AuditCounts(home.AuditTally())),
            actions=actions.get(dealer_id, home.ActionCounts()),
            notices=notices.get(dealer_id, notice_metrics.NoticeCounts(overdue={})),
            reviews=reviews.get(dealer_id, home.ReviewCounts()),
            card=cards[dealer_id],
            complaints=complaints.get(dealer_id, {}),
            complaint_due=complaint_due.get(dealer_id),
            receivables=receivables.get(dealer_id, {}),
            receivables_due=receivables_due.get(dealer_id),
            documents_missing=len(documents_missing.get(dealer_id, ())),
            documents_change=documents_change.get(dealer_id),
        )
        values = parts.values(today, complaint_texts)
        values.update(
            dealer_id=dealer_id,
            as_of=today,
            settings=settings,
            stores=stores.get(dealer_id, 0),
            stale_on=parts.stale_on(when, report_due),
        )
        result[dealer_id] = Computed(values, dict(parts.notices.overdue or {}))
    return result


@dataclass(frozen=True)
class _Parts:
    month: plan_metrics.Figures
    ytd: plan_metrics.Figures
    plan: plan_metrics.PlanState
    reports: home.ReportTally
    audits: home.AuditCounts
    actions: home.ActionCounts
    notices: notice_metrics.NoticeCounts
    reviews: home.ReviewCounts
    card: dealer_metrics.Scorecard
    complaints: dict[str, int]  # complaint_metrics.health_facts ({}: no complaints)
    complaint_due: date | None  # the next day an open complaint's deadline will have passed
    receivables: dict[str, int]  # receivable_metrics.health_facts ({}: nothing open)
    receivables_due: date | None  # the next day an open invoice passes 60 days overdue
    documents_missing: int = 0  # required qualification documents not held valid
    documents_change: date | None = None  # the day after a required document next expires

    def values(
        self, today: date, complaint_texts: complaint_metrics.HealthTexts | None = None
    ) -> dict[str, Any]:
        tally, actions, notices = self.audits.tally, self.actions, self.notices
        config = current_app.config
        health = health_metrics.health(
            self.card,
            weights=config["HEALTH_WEIGHTS"],
            penalties=config["HEALTH_PENALTIES"],
            overdue_actions=actions.overdue,
            last_audit=tally.last_completed,
            today=today,
            complaints=complaint_metrics.health_component(self.complaints, complaint_texts),
            overdue_complaints=int(self.complaints.get("overdue", 0)),
            receivables=self.receivables,
            late_share=receivable_metrics.late_share_limit(),
            missing_documents=self.documents_missing,
        )
        components = self.card.components
        flags = receivable_metrics.flags_of(self.receivables, receivable_metrics.late_share_limit())
        return {
            **sums("month", self.month),
            **sums("ytd", self.ytd),
            "plan_id": self.plan.plan_id,
            "plan_status": None if self.plan.status is None else str(self.plan.status.value),
            "plan_timeliness": self.plan.timeliness,
            "reports_expected": self.reports.expected,
            "reports_on_time": self.reports.on_time,
            "reports_late": self.reports.late,
            "reports_missing": self.reports.missing,
            "reports_open": self.reports.open,
            "plans_returned": self.reviews.plans_returned,
            "reports_returned": self.reviews.reports_returned,
            "plans_waiting": self.reviews.plans_waiting,
            "reports_waiting": self.reviews.reports_waiting,
            "audits_recent": tally.completed,
            "audit_score_sum": tally.score_sum,
            "audit_average": tally.average,
            "last_audit_at": tally.last_completed,
            "audits_overdue": tally.overdue,
            "audits_due": tally.due,
            "audits_due_announced": self.audits.due_announced,
            "actions_open": actions.open,
            "actions_overdue": actions.overdue,
            "actions_responded": actions.responded,
            "actions_to_answer": actions.to_answer,
            "actions_to_answer_overdue": actions.to_answer_overdue,
            "notices": notices.notices,
            "notices_acknowledged": notices.acknowledged,
            "acknowledgement_rate": home.percent(notices.acknowledged, notices.notices),
            "executions_pending": notices.executions_pending,
            "executions_overdue": notices.executions_overdue,
            "health_score": health.score,
            "audit_trend": self.card.audit_trend,
            **{f"c_{key}": components[key].value for key in COMPONENTS},
            "receivables_flagged": any(flags),
            "receivables_late": int(self.receivables.get("late", 0)),
            "facts": {
                **{key: components[key].facts for key in COMPONENTS},
                "complaints": self.complaints,
                "receivables": self.receivables,
                "documents": {"missing": self.documents_missing},
            },
        }

    def stale_on(self, when: home.Periods, report_due: date) -> date:
        """The first day these figures may change without a change to the data: a new
        month, a plan or store reports falling due, an audit, action or notice deadline, the
        last audit growing old (the health penalty), a complaint's deadline passing, an open
        invoice passing 60 days overdue."""
        penalties = {**health_metrics.DEFAULT_PENALTIES, **current_app.config["HEALTH_PENALTIES"]}
        last = self.audits.tally.last_completed
        stale_audit = None
        if last is not None:
            stale_audit = last.date() + timedelta(days=int(penalties["stale_after_days"]) + 1)
        plan_open = self.plan.timeliness == plan_metrics.OPEN
        found = home.earliest(
            when.next_month_starts,
            self.plan.due + timedelta(days=1) if plan_open else None,
            report_due + timedelta(days=1) if self.reports.open else None,
            self.audits.changes_on,
            self.actions.changes_on,
            self.notices.changes_on,
            self.complaint_due,
            self.receivables_due,
            self.documents_change,
            stale_audit if stale_audit is not None and stale_audit > when.today else None,
        )
        return max(found or when.next_month_starts, when.today + timedelta(days=1))


def sums(prefix: str, figures: plan_metrics.Figures) -> dict[str, Any]:
    """A window's plan-against-actual sums as row values (`month_t_revenue`, …)."""
    found = {
        "t_revenue": figures.target_revenue,
        "a_revenue": figures.actual_revenue,
        "t_units": figures.target_units,
        "a_units": figures.actual_units,
        "t_lines": figures.target_lines,
        "a_lines": figures.actual_lines,
        "u_revenue": figures.unmatched_revenue,
        "u_units": figures.unmatched_units,
        "u_lines": figures.unmatched_lines,
    }
    values: dict[str, Any] = {f"{prefix}_{name}": found[name] for name in FIGURE_SUMS}
    values[f"{prefix}_attainment_bp"] = figures.attainment_bp
    return values


def figures_of(row: Any, prefix: str) -> plan_metrics.Figures:
    """The window's Figures back from a row (or a row of sums) holding `sums(prefix, …)`."""
    return from_sums(*(int(getattr(row, f"{prefix}_{name}") or 0) for name in FIGURE_SUMS))
