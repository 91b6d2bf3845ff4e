"""The staff home pages' totals per region and their cards' counts, summed from the
dealers' maintained rows (`dealer_figures`) in one grouped query over the dealers in scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from portal.extensions import db
from portal.metrics import dealer_figures, home, upkeep
from portal.metrics.dealer_figures import figures_of
from portal.metrics.regions import RegionLine, RegionRef
from portal.metrics.timeliness import MISSING, SupervisorDue
from portal.models import Dealer, DealerFigures, DealerStatus
from portal.models.figures import FIGURE_SUMS

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]
F = DealerFigures


# What each group of dealers adds up (a group: the dealers of a region with one `active`
# and one `status`): plain sums of their rows, which the database adds far faster than
# sums each guarded by "is this dealer at home" (one CASE per figure per dealer).
def _group_sums(today: date) -> dict[str, Any]:
    plain = (
        "stores",
        *(f"{window}_{name}" for window in ("month", "ytd") for name in FIGURE_SUMS),
        *(f"reports_{name}" for name in ("expected", "on_time", "late", "missing", "open")),
        "audits_recent",
        "audits_overdue",
        "audits_due",
        "actions_open",
        "actions_overdue",
        "actions_responded",
        "notices",
        "notices_acknowledged",
        "plans_waiting",
        "reports_waiting",
    )
    return {
        "dealers": func.count(Dealer.id),
        **{name: func.sum(getattr(F, name)) for name in plain},
        "audit_score_sum": func.sum(F.audit_score_sum),
        "last_audit_at": func.max(F.last_audit_at),
        "plans_missing": func.sum(case((F.plan_timeliness == MISSING, 1), else_=0)),
        # Rows not holding today's figures (being brought up to date by the queue).
        "stale": func.sum(case((upkeep.current_condition(today), 0), else_=1)),
    }


# A region's figures add up its dealers at home (`home_rows.HOME`), except these: the "due now" card
# counts trading dealers only (at home and active), the review queues and the actions card
# every dealer in scope. {figure: the group sum it adds up}
TRADING_SUMS = {
    "trading_plans_missing": "plans_missing",
    "trading_reports_missing": "reports_missing",
    "trading_reports_late": "reports_late",
}
EVERY_SUMS = {
    "plans_waiting": "plans_waiting",
    "reports_waiting": "reports_waiting",
    "all_actions_open": "actions_open",
    "all_actions_overdue": "actions_overdue",
    "all_actions_responded": "actions_responded",
}


def _at_home(active: bool, status: str) -> bool:
    """At home (`home_rows.HOME`), for one group's `active` and `status`."""
    return bool(active) and DealerStatus(status) in home.HOME_STATUSES


def _trading(active: bool, status: str) -> bool:
    """A trading dealer: at home and active."""
    return _at_home(active, status) and DealerStatus(status) == DealerStatus.ACTIVE


def _added(values: tuple[Any, ...]) -> Any:
    """Group sums added up (None when every group's was NULL: no figures rows)."""
    found = [value for value in values if value is not None]
    return sum(found[1:], found[0]) if found else None


class _RegionSums(dict[str, Any]):
    """A region's figures by name, read as attributes like a row of sums."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as missing:
            raise AttributeError(name) from missing


def _columns(names: tuple[str, ...], groups: list[Any]) -> dict[str, tuple[Any, ...]]:
    """Each named column's values over the groups."""
    if not groups:
        return dict.fromkeys(names, ())
    return dict(zip(names, zip(*(row[3:] for row in groups), strict=True), strict=True))


def _region_sums(groups: list[Any]) -> _RegionSums:
    """A region's figures from its groups' sums."""
    names = groups[0]._fields[3:]
    at_home = _columns(names, [row for row in groups if _at_home(row.active, row.status)])
    trading = _columns(names, [row for row in groups if _trading(row.active, row.status)])
    every = _columns(names, groups)
    special = ("last_audit_at", "audit_score_sum")
    sums = _RegionSums(
        {name: _added(values) for name, values in at_home.items() if name not in special}
    )
    latest = [home.aware(value) for value in at_home["last_audit_at"] if value is not None]
    sums["last_audit_at"] = max(latest) if latest else None
    # Exact tenths (SQLite sums them as floating point).
    scores = [home.tenths(value) for value in at_home["audit_score_sum"] if value is not None]
    sums["audit_score_sum"] = sum(scores, Decimal(0))
    for name, source in TRADING_SUMS.items():
        sums[name] = _added(trading[source])
    for name, source in EVERY_SUMS.items():
        sums[name] = _added(every[source])
    return sums


@dataclass(frozen=True)
class Totals:
    """What the staff home shows above the dealer table."""

    region_rows: list[RegionLine]
    due: SupervisorDue
    actions: dict[str, int]  # open, overdue, responded: the audit card
    stale: int  # dealers whose figures are not today's yet


@lru_cache(maxsize=8)
def _labelled_sums(today: date, _settings: str) -> tuple[Any, ...]:
    """The group sums' columns for a day and the settings (whose digest "is the row current"
    compares): built once, not for every page (some forty expressions)."""
    return tuple(expression.label(name) for name, expression in _group_sums(today).items())


def totals(scope: Scope, regions: list[RegionRef], when: home.Periods) -> Totals:
    """Each region's totals and the cards' counts, in one grouped query."""
    sums = _labelled_sums(when.today, dealer_figures.settings_key())
    groups = db.session.execute(
        select(Dealer.region_id, Dealer.active, Dealer.status, *sums)
        .select_from(Dealer)
        .outerjoin(F, F.dealer_id == Dealer.id)
        .where(scope(Dealer.id))
        .group_by(Dealer.region_id, Dealer.active, Dealer.status)
    ).all()
    by_region: dict[int, list[Any]] = {}
    for group in groups:
        by_region.setdefault(group.region_id, []).append(group)
    found = {region_id: _region_sums(rows) for region_id, rows in by_region.items()}
    region_rows = [_region_line(region, found.get(region.id)) for region in regions]
    every = [found[region.id] for region in regions if region.id in found]

    def total(name: str) -> int:
        return sum(int(getattr(row, name) or 0) for row in every)

    due = SupervisorDue(
        plans_waiting=total("plans_waiting"),
        reports_waiting=total("reports_waiting"),
        plan_period=when.plan_period,
        plans_missing=total("trading_plans_missing"),
        report_period=when.report_period,
        reports_missing=total("trading_reports_missing"),
        reports_late=total("trading_reports_late"),
    )
    actions = {
        "open": total("all_actions_open"),
        "overdue": total("all_actions_overdue"),
        "responded": total("all_actions_responded"),
    }
    return Totals(region_rows, due, actions, total("stale"))


def _region_line(region: RegionRef, row: Any) -> RegionLine:
    if row is None or not row.dealers:
        return RegionLine(region)
    number = lambda name: int(getattr(row, name) or 0)  # noqa: E731
    return RegionLine(
        region=region,
        dealers=number("dealers"),
        stores=number("stores"),
        month=figures_of(row, "month"),
        ytd=figures_of(row, "ytd"),
        plans_missing=number("plans_missing"),
        reports=home.ReportTally(
            *(number(f"reports_{n}") for n in ("expected", "on_time", "late", "missing", "open"))
        ),
        audits=home.AuditTally(
            completed=number("audits_recent"),
            score_sum=home.tenths(row.audit_score_sum),
            last_completed=home.aware(row.last_audit_at),
            overdue=number("audits_overdue"),
            due=number("audits_due"),
        ),
        open_actions=number("actions_open"),
        overdue_actions=number("actions_overdue"),
        notices=number("notices"),
        acknowledged=number("notices_acknowledged"),
    )
