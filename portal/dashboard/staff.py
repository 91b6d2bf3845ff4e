"""What the supervisor's and the admin's home pages show, gathered in a fixed number of queries.

The figures are computed for every dealer in scope (the table sorts and the visit list ranks
all of them), then kept in `portal.cache` until the network's data changes: a large network
costs its computation once per change, not once per page view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from portal import access, cache, charts, clock, listing, periods
from portal.dashboard import visits
from portal.extensions import db
from portal.metrics import home
from portal.metrics import notices as notice_metrics
from portal.metrics import regions as regions_metrics
from portal.models import Notice, User

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
    regions: list[regions_metrics.RegionRef]
    lines: list[home.DealerLine]
    region_rows: list[regions_metrics.RegionLine]
    total: regions_metrics.RegionLine
    due: Any
    healths: dict[int, Any]
    scores: tuple[list[str], dict[int, list[Any]]]  # monthly average audit score by region
    overdue: list[tuple[int, notice_metrics.Progress]]  # notice ids, most overdue first

    @property
    def region_names(self) -> dict[int, str]:
        return {region.id: region.name for region in self.regions}


def gather(user: User, today: date | None = None) -> StaffHome:
    """The home figures for `user`: from the cache while nothing has changed since."""
    when = home.Periods.of(today or clock.today())
    key = ("staff-home", access.scope_key(user), str(get_locale()), when.today)
    return cache.remember(key, partial(_compute, user, when))


def _compute(user: User, when: home.Periods) -> StaffHome:
    config = current_app.config
    scope = partial(access.dealer_scope, user)
    regions = [
        regions_metrics.RegionRef.of(region)
        for region in db.session.scalars(access.visible_regions(user))
    ]
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
        scores=home.monthly_scores(scope, last=periods.of(when.today)),
        overdue=[
            (notice.id, progress)
            for notice, progress in notice_metrics.overdue_notices(user, when.today)
        ],
    )


def table(data: StaffHome, params: listing.ListParams) -> list[home.DealerLine]:
    """The dealer table's rows: filtered by region and sorted as asked (all pages)."""
    lines = data.lines
    region_id = params.id_filter("region")
    if region_id is not None:
        lines = [line for line in lines if line.region_id == region_id]
    key = SORTABLE[params.sort]
    return sorted(
        lines, key=lambda line: key(line, data.healths.get(line.id)), reverse=params.descending
    )


def score_chart(data: StaffHome) -> Markup:
    """Average audit score per month, one line per region."""
    labels, series = data.scores
    lines = [
        charts.Series(region.name, series[region.id])
        for region in data.regions
        if region.id in series
    ]
    if not lines:
        lines = [charts.Series(_("Average score"), [None] * len(labels))]
    return charts.line_chart(
        labels,
        lines,
        title=_("Average audit score by month"),
        y_min=0,
        y_max=100,
        label_heading=_("Month"),
    )


def overdue_notices(data: StaffHome, limit: int) -> list[tuple[Notice, Any]]:
    """The most overdue notices with their progress (loaded afresh: the cache holds ids)."""
    wanted = data.overdue[:limit]
    if not wanted:
        return []
    ids = [notice_id for notice_id, _progress in wanted]
    notices = {n.id: n for n in db.session.scalars(select(Notice).where(Notice.id.in_(ids)))}
    return [(notices[i], progress) for i, progress in wanted if i in notices]
