"""What the supervisor's and the admin's home pages show, read from each dealer's maintained
figures (`portal.metrics.home_rows`): a fixed number of queries, each over one row per
dealer in scope, and only the page of the dealer table being shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache, partial
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import Select

from portal import access, charts, clock, listing, periods
from portal.extensions import db
from portal.metrics import home, home_rows, home_totals
from portal.metrics import regions as regions_metrics
from portal.metrics.timeliness import SupervisorDue
from portal.models import Notice, Region, User

SORTABLE = tuple(home_rows.SORTS)
FILTERS = ("region",)


@dataclass(frozen=True)
class StaffHome:
    """The totals the staff home pages and their exports show; rows are read per page."""

    when: home.Periods
    regions: list[regions_metrics.RegionRef]
    region_rows: list[regions_metrics.RegionLine]
    total: regions_metrics.RegionLine
    due: SupervisorDue
    actions: dict[str, int]  # corrective actions open, overdue, waiting for verification
    stale: int  # dealers whose figures are being brought up to date
    scope: Any

    @cached_property  # read once per row of the dealer table and the visit list
    def region_names(self) -> dict[int, str]:
        return {region.id: region.name for region in self.regions}


def gather(user: User, today: date | None = None) -> StaffHome:
    """The totals for `user`'s scope (one grouped query over the dealers' rows)."""
    when = home.Periods.of(today or clock.today())
    scope = partial(access.dealer_scope, user)
    named = access.visible_regions(user).with_only_columns(Region.id, Region.code, Region.name)
    regions = [regions_metrics.RegionRef(*row) for row in db.session.execute(named)]
    totals = home_totals.totals(scope, regions, when)
    return StaffHome(
        when=when,
        regions=regions,
        region_rows=totals.region_rows,
        total=regions_metrics.network_total(totals.region_rows),
        due=totals.due,
        actions=totals.actions,
        stale=totals.stale,
        scope=scope,
    )


def _table_query(data: StaffHome, params: listing.ListParams) -> Select[Any]:
    query = home_rows.lines_query(data.scope, region_id=params.id_filter("region"))
    return home_rows.sorted_query(query, params.sort, params.descending)


def table_page(data: StaffHome, params: listing.ListParams) -> Pagination:
    """The page of the dealer table asked for: filtered by region and sorted as asked."""
    per_page = int(current_app.config["PAGE_SIZE"])
    query, size = _table_query(data, params), _table_size(data, params)
    return home_rows.page_of(query, data.when, params.page, per_page, total=size)


def _table_size(data: StaffHome, params: listing.ListParams) -> int:
    """How many dealers the table lists: the dealers at home in scope (in the region asked
    for), which the region totals have counted already."""
    region_id = params.id_filter("region")
    if region_id is None:
        return data.total.dealers
    return next((row.dealers for row in data.region_rows if row.region.id == region_id), 0)


def table(data: StaffHome, params: listing.ListParams) -> list[home_rows.Line]:
    """Every row of the dealer table, in its order (the CSV export)."""
    return home_rows.lines(_table_query(data, params), data.when)


def needing_visit(data: StaffHome, *, every: bool = False) -> list[home_rows.Line]:
    """Dealers ranked by health, weakest first: HOME_VISIT_LIST_SIZE of them, or all."""
    size = None if every else int(current_app.config["HOME_VISIT_LIST_SIZE"])
    return home_rows.ranked(data.scope, data.when, size)


def score_chart(data: StaffHome) -> Markup:
    """Average audit score per month, one line per region."""
    labels, series = home_rows.monthly_scores(
        [region.id for region in data.regions], last=periods.of(data.when.today)
    )
    lines = tuple(
        (region.name, tuple(series[region.id])) for region in data.regions if region.id in series
    )
    return _score_chart(str(get_locale()), tuple(labels), lines)


@lru_cache(maxsize=64)
def _score_chart(
    _locale: str, labels: tuple[str, ...], lines: tuple[tuple[str, tuple[Any, ...]], ...]
) -> Markup:
    """The chart of these figures in this language (the key: the chart is a function of
    them, and they change only when an audit completes, so the last few are kept)."""
    series = [charts.Series(name, list(values)) for name, values in lines]
    if not series:
        series = [charts.Series(_("Average score"), [None] * len(labels))]
    return charts.line_chart(
        list(labels),
        series,
        title=_("Average audit score by month"),
        y_min=0,
        y_max=100,
        label_heading=_("Month"),
    )


def overdue_notices(data: StaffHome, limit: int) -> tuple[list[tuple[Notice, Any]], bool]:
    """The most overdue notices with their overdue counts, and whether there are more."""
    wanted = home_rows.overdue_notices(data.scope, limit + 1)
    return wanted[:limit], len(wanted) > limit
