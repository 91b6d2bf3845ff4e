"""What the supervisor's and the admin's home pages show, gathered in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from portal import access, charts, listing, periods
from portal.dashboard import visits
from portal.extensions import db
from portal.metrics import home
from portal.metrics import notices as notice_metrics
from portal.metrics import regions as regions_metrics
from portal.models import Region, User

SORTABLE = {
    "dealer": lambda line, _health: (line.code,),
    "region": lambda line, _health: (line.region_id, line.code),
    "month": lambda line, _health: _missing_last(line.month.attainment_bp),
    "ytd": lambda line, _health: _missing_last(line.ytd.attainment_bp),
    "reports": lambda line, _health: (line.reports.missing, line.reports.late),
    "audit": lambda line, _health: _missing_last(line.audits.average),
    "actions": lambda line, _health: (line.overdue_actions, line.open_actions),
    "ack": lambda line, _health: _missing_last(line.acknowledgement_rate),
    "health": lambda _line, health: _missing_last(health.score if health else None),
}
FILTERS = ("region",)


def _missing_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


@dataclass(frozen=True)
class StaffHome:
    """Everything the staff home pages and their exports need."""

    when: home.Periods
    regions: list[Region]
    lines: list[home.DealerLine]
    region_rows: list[regions_metrics.RegionLine]
    total: regions_metrics.RegionLine
    due: Any
    healths: dict[int, Any]

    @property
    def region_names(self) -> dict[int, str]:
        return {region.id: region.name for region in self.regions}


def gather(user: User, today: date | None = None) -> StaffHome:
    config = current_app.config
    when = home.Periods.of(today or date.today())
    scope = partial(access.dealer_scope, user)
    regions = list(db.session.scalars(access.visible_regions(user)))
    lines = home.dealer_lines(
        scope,
        when,
        due_day=int(config["PLAN_DUE_DAY"]),
        due_days=int(config["REPORT_DUE_DAYS"]),
        window_days=int(config["AUDIT_DUE_WINDOW_DAYS"]),
        user=user,
    )
    region_rows = regions_metrics.region_lines(regions, lines)
    return StaffHome(
        when=when,
        regions=regions,
        lines=lines,
        region_rows=region_rows,
        total=regions_metrics.network_total(region_rows),
        due=home.due_summary(lines, when, home.review_waiting(scope)),
        healths=visits.healths_for(lines, when, home.dealers_in_scope(scope)),
    )


def table(data: StaffHome, params: listing.ListParams) -> list[home.DealerLine]:
    """The dealer table's rows: filtered by region and sorted as asked (all pages)."""
    lines = data.lines
    region = params.filters.get("region", "")
    if region.isdigit():
        lines = [line for line in lines if line.region_id == int(region)]
    key = SORTABLE[params.sort]
    return sorted(
        lines, key=lambda line: key(line, data.healths.get(line.id)), reverse=params.descending
    )


def score_chart(user: User, data: StaffHome) -> Markup:
    """Average audit score per month, one line per region."""
    labels, series = home.monthly_scores(
        partial(access.dealer_scope, user), last=periods.of(data.when.today)
    )
    lines = [
        charts.Series(region.name, series[region.id])
        for region in data.regions
        if region.id in series
    ]
    if not lines:
        lines = [charts.Series(_("Average score"), [None] * len(labels))]
    return charts.line_chart(
        labels, lines, title=_("Average audit score by month"), y_min=0, y_max=100
    )


def overdue_notices(user: User):
    return notice_metrics.overdue_notices(user)
