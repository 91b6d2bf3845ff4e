"""Plan against actual: the supervisors' region table (and CSV), a dealer's breakdown by
store and product line, where each figure comes from, and the 12-month chart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from portal import access, activity, clock, listing, periods
from portal.access import signed_in, staff_only
from portal.csvio import csv_response
from portal.database import write_intent
from portal.extensions import db
from portal.ids import to_id
from portal.metrics import plans as metrics
from portal.models import Dealer, DealerStatus, ProductLine, Region, Store
from portal.money import to_decimal
from portal.plans.blueprint import bp

CENT = Decimal("0.01")
SORTABLE = (
    "dealer",
    "region",
    "target",
    "actual",
    "variance",
    "attainment",
    "unmatched",
    "ytd_target",
    "ytd_actual",
    "ytd_attainment",
    "ytd_unmatched",
    "reports",
)


@dataclass(frozen=True)
class DealerRow:
    dealer: Dealer
    month: metrics.Figures
    ytd: metrics.Figures
    plan: metrics.PlanState
    reports: metrics.ReportCounts


def _selected_period() -> str:
    """The `period` argument, or last month (the latest month whose actuals are due)."""
    default = periods.shift(periods.of(clock.today()), -1)
    try:
        return periods.parse(request.args.get("period") or default)
    except periods.PeriodError:
        return default


def _dealers_query(params: listing.ListParams):
    query = access.visible_dealers(current_user).where(
        Dealer.active.is_(True), Dealer.status != DealerStatus.PROSPECT
    )
    query = listing.where_ids(query, params, {"region": Dealer.region_id})
    return query


def _rows_for(dealers: list[Dealer], period: str) -> list[DealerRow]:
    """Each dealer's figures: a fixed number of grouped queries, whatever the count."""
    ids = [dealer.id for dealer in dealers]
    if not ids:
        return []
    config, today = current_app.config, clock.today()
    month = metrics.plan_vs_actual(("dealer_id",), first=period, last=period, dealers=ids)
    ytd_first, ytd_last = metrics.year_to_date(period)
    ytd = metrics.plan_vs_actual(("dealer_id",), first=ytd_first, last=ytd_last, dealers=ids)
    plans = metrics.plan_states(ids, period, due_day=config["PLAN_DUE_DAY"], today=today)
    reports = metrics.report_counts(ids, period, due_days=config["REPORT_DUE_DAYS"], today=today)
    return [
        DealerRow(
            dealer=dealer,
            month=month.get((dealer.id,), metrics.EMPTY),
            ytd=ytd.get((dealer.id,), metrics.EMPTY),
            plan=plans[dealer.id],
            reports=reports[dealer.id],
        )
        for dealer in dealers
    ]


def _region_rows(period: str, params: listing.ListParams) -> list[DealerRow]:
    """Every dealer's row, sorted (the CSV export, and sorting on a figure)."""
    query = _dealers_query(params).options(joinedload(Dealer.region))
    return _sorted(_rows_for(list(db.session.scalars(query)), period), params)


# Sorts the database can do before paginating: only the page's figures are computed then.
SQL_SORTS = {"dealer": (Dealer.code,), "region": (Region.name, Dealer.code)}


def _page_of_rows(period: str, params: listing.ListParams):
    if params.sort not in SQL_SORTS:
        return listing.paginate_list(_region_rows(period, params), params)
    columns = SQL_SORTS[params.sort]
    query = (
        _dealers_query(params)
        .join(Dealer.region)
        .options(contains_eager(Dealer.region))
        .order_by(*(c.desc() if params.descending else c.asc() for c in columns), Dealer.id)
    )
    page = listing.paginate(query, params)
    page.items = _rows_for(page.items, period)
    return page


def _sorted(rows: list[DealerRow], params: listing.ListParams) -> list[DealerRow]:
    def missing_last(value):
        return (value is None, value if value is not None else 0)

    keys = {
        "dealer": lambda r: (r.dealer.code,),
        "region": lambda r: (r.dealer.region.name, r.dealer.code),
        "target": lambda r: (r.month.target_revenue,),
        "actual": lambda r: (r.month.actual_revenue,),
        "variance": lambda r: (r.month.variance_revenue,),
        "attainment": lambda r: missing_last(r.month.attainment_bp),
        "unmatched": lambda r: (r.month.unmatched_revenue,),
        "ytd_target": lambda r: (r.ytd.target_revenue,),
        "ytd_actual": lambda r: (r.ytd.actual_revenue,),
        "ytd_attainment": lambda r: missing_last(r.ytd.attainment_bp),
        "ytd_unmatched": lambda r: (r.ytd.unmatched_revenue,),
        "reports": lambda r: (r.reports.submitted, r.reports.expected),
    }
    ordered = sorted(rows, key=lambda r: r.dealer.code)
    return sorted(ordered, key=keys[params.sort], reverse=params.descending)


@bp.route("/performance")
@staff_only
def performance():
    params = listing.read_params(SORTABLE, "dealer", ("region", "period"))
    period = _selected_period()
    page = _page_of_rows(period, params)
    # Totals over every dealer listed (all pages), as the dealers' ids in a subquery.
    everyone = _dealers_query(params).with_only_columns(Dealer.id)
    ytd_first, ytd_last = metrics.year_to_date(period)
    return render_template(
        "plans/performance.html",
        rows=page.items,
        page=page,
        params=params,
        period=period,
        ytd_first=ytd_first,
        month_total=metrics.total(first=period, last=period, dealers=everyone),
        ytd_total=metrics.total(first=ytd_first, last=ytd_last, dealers=everyone),
        regions=db.session.scalars(access.visible_regions(current_user)).all(),
        periods=list(reversed(periods.span(periods.shift(period, -24), periods.shift(period, 12)))),
    )


@bp.route("/performance.csv")
@staff_only
def performance_export():
    params = listing.read_params(SORTABLE, "dealer", ("region", "period"))
    period = _selected_period()
    rows = _region_rows(period, params)
    header = [
        "period", "dealer_code", "dealer_name", "region", "plan_status", "plan_timeliness",
        "target_revenue", "actual_revenue", "variance_revenue", "attainment_percent",
        "target_units", "actual_units", "unmatched_actual_revenue", "unmatched_actual_units",
        "ytd_target_revenue", "ytd_actual_revenue", "ytd_attainment_percent",
        "ytd_unmatched_actual_revenue", "reports_expected", "reports_submitted", "reports_late",
        "reports_missing",
    ]  # fmt: skip
    data = [
        [
            period,
            row.dealer.code,
            row.dealer.name,
            row.dealer.region.code,
            row.plan.status.value if row.plan.status else "",
            row.plan.timeliness,
            to_decimal(row.month.target_revenue),
            to_decimal(row.month.actual_revenue),
            to_decimal(row.month.variance_revenue),
            _percent(row.month.attainment_bp),
            row.month.target_units,
            row.month.actual_units,
            to_decimal(row.month.unmatched_revenue),
            row.month.unmatched_units,
            to_decimal(row.ytd.target_revenue),
            to_decimal(row.ytd.actual_revenue),
            _percent(row.ytd.attainment_bp),
            to_decimal(row.ytd.unmatched_revenue),
            row.reports.expected,
            row.reports.submitted,
            row.reports.late,
            row.reports.missing,
        ]
        for row in rows
    ]
    # The page was read in a read transaction; the log entry gets a write one of its own
    # (on SQLite a read transaction that starts writing can fail under concurrent writers).
    db.session.commit()
    with write_intent():
        activity.record("plan_performance.export", details={"period": period, **params.filters})
        db.session.commit()
    return csv_response(f"plan-vs-actual-{period}.csv", header, data)


def _percent(basis_points: int | None) -> Decimal | None:
    return None if basis_points is None else (Decimal(basis_points) / 100).quantize(CENT)


@bp.route("/performance/dealers/<int:dealer_id>")
@signed_in
def dealer_performance(dealer_id: int):
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    period = _selected_period()
    ytd_first, ytd_last = metrics.year_to_date(period)
    store_names = {
        store.id: f"{store.code} {store.name}"
        for store in db.session.scalars(
            select(Store).where(Store.dealer_id == dealer.id).order_by(Store.code)
        )
    }
    line_names = {
        line.id: line.label
        for line in db.session.scalars(
            select(ProductLine).order_by(ProductLine.sort_order, ProductLine.code)
        )
    }

    def breakdown(dimension: str, first: str, last: str):
        found = metrics.plan_vs_actual((dimension,), first=first, last=last, dealers=[dealer.id])
        return {key[0]: figures for key, figures in found.items()}

    return render_template(
        "plans/dealer_performance.html",
        dealer=dealer,
        period=period,
        ytd_first=ytd_first,
        store_names=store_names,
        line_names=line_names,
        empty=metrics.EMPTY,
        by_store=breakdown("store_id", period, period),
        by_line=breakdown("product_line_id", period, period),
        ytd_by_store=breakdown("store_id", ytd_first, ytd_last),
        ytd_by_line=breakdown("product_line_id", ytd_first, ytd_last),
        month=metrics.total(first=period, last=period, dealers=[dealer.id]),
        ytd=metrics.total(first=ytd_first, last=ytd_last, dealers=[dealer.id]),
        overview=metrics.dealer_overview(dealer.id, period),
        periods=list(reversed(periods.span(periods.shift(period, -24), periods.shift(period, 12)))),
    )


@bp.route("/sources")
@signed_in
def sources():
    """The plan lines and report lines behind one figure."""
    dealer_id = to_id(request.args.get("dealer"))
    if dealer_id is None:
        abort(404)
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    try:
        first = periods.parse(request.args.get("first"))
        last = periods.parse(request.args.get("last") or first)
    except periods.PeriodError:
        abort(404)
    store_id = to_id(request.args.get("store"))
    line_id = to_id(request.args.get("product_line"))
    store = db.session.get(Store, store_id) if store_id else None
    if store_id and (store is None or not access.can_view_store(current_user, store)):
        abort(404)
    line = db.session.get(ProductLine, line_id) if line_id else None
    filters = {"store_id": store_id, "product_line_id": line_id}
    plan_lines = metrics.source_plan_lines(dealer.id, first, last, **filters)
    report_lines = metrics.source_report_lines(dealer.id, first, last, **filters)
    return render_template(
        "plans/sources.html",
        dealer=dealer,
        first=first,
        last=last,
        store=store,
        product_line=line,
        figures=metrics.total(first=first, last=last, dealers=[dealer.id], **filters),
        plan_lines=plan_lines,
        report_lines=report_lines,
        matched=metrics.counts_toward_target(report_lines, plan_lines),
    )
