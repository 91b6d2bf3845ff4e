"""Attainment compares like with like: an actual counts toward a target only for a period
and store and product line with an approved plan target; every other reported actual is
"actual without target", shown apart. One definition, read by every page, CSV and metric.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from fractions import Fraction
from math import floor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.extensions import db
from portal.metrics import dealers as dealer_metrics
from portal.metrics import plans as metrics
from portal.models import (
    Dealer,
    PlanStatus,
    ReportStatus,
    SalesPlanLine,
    StoreReportLine,
)
from tests.support.factories import make_dealer, make_store
from tests.support.plans import make_plan, make_report, this_month

PERIODS = ["2026-01", "2026-02", "2026-03"]
EVERYTHING = {"first": "2026-01", "last": "2026-12"}

# The figures of one group as plain sums, computed the obvious way from the lines.


def expected_figures(t_rev, a_rev, t_units, a_units, t_lines, a_lines, u_rev, u_units, u_lines):
    if not (t_lines or a_lines or u_lines):
        return metrics.EMPTY

    def basis_points(actual: int, target: int) -> int | None:
        # Half up: floor(actual / target * 10,000 + ½), with exact fractions.
        return floor(Fraction(actual * 10_000, target) + Fraction(1, 2)) if target else None

    return metrics.Figures(
        target_revenue=t_rev,
        actual_revenue=a_rev,
        target_units=t_units,
        actual_units=a_units,
        target_lines=t_lines,
        actual_lines=a_lines,
        variance_revenue=a_rev - t_rev,
        variance_units=a_units - t_units,
        attainment_bp=basis_points(a_rev, t_rev),
        units_attainment_bp=basis_points(a_units, t_units),
        unmatched_revenue=u_rev,
        unmatched_units=u_units,
        unmatched_lines=u_lines,
    )


def recompute(group_by: tuple[str, ...], *, store_id=None, product_line_id=None):
    """plan_vs_actual recomputed in Python from every plan line and report line."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * 9)
    targets = set()
    plan_lines = db.session.scalars(select(SalesPlanLine)).all()
    for line in plan_lines:
        plan = line.plan
        if plan.status != PlanStatus.APPROVED:
            continue
        targets.add((plan.dealer_id, plan.period, line.store_id, line.product_line_id))
        row = {"dealer_id": plan.dealer_id, "period": plan.period}
        row |= {"store_id": line.store_id, "product_line_id": line.product_line_id}
        if _selected(row, store_id, product_line_id):
            found = sums[tuple(row[name] for name in group_by)]
            found[0] += line.revenue_minor
            found[2] += line.units
            found[4] += 1
    for line in db.session.scalars(select(StoreReportLine)).all():
        report = line.report
        if report.status not in (ReportStatus.SUBMITTED, ReportStatus.REVIEWED):
            continue
        row = {"dealer_id": report.dealer_id, "period": report.period}
        row |= {"store_id": report.store_id, "product_line_id": line.product_line_id}
        if not _selected(row, store_id, product_line_id):
            continue
        found = sums[tuple(row[name] for name in group_by)]
        key = (report.dealer_id, report.period, report.store_id, line.product_line_id)
        if key in targets:
            found[1] += line.revenue_minor
            found[3] += line.units
            found[5] += 1
        else:
            found[6] += line.revenue_minor
            found[7] += line.units
            found[8] += 1
    return {key: expected_figures(*values) for key, values in sums.items()}


def _selected(row, store_id, product_line_id) -> bool:
    return (store_id is None or row["store_id"] == store_id) and (
        product_line_id is None or row["product_line_id"] == product_line_id
    )


# Generated networks: plans in every status, stores and lines with and without targets.

amounts = st.tuples(st.integers(0, 10**7), st.integers(0, 500))
plan_strategy = st.tuples(
    st.sampled_from(list(PlanStatus)),
    st.dictionaries(st.tuples(st.integers(0, 1), st.integers(0, 1)), amounts, max_size=4),
)
report_strategy = st.tuples(
    st.sampled_from(list(ReportStatus)),
    st.dictionaries(st.integers(0, 1), amounts, min_size=1, max_size=2),
)
network_strategy = st.tuples(
    # (dealer index, period index) -> plan; (store index 0..3, period index) -> report
    st.dictionaries(st.tuples(st.integers(0, 1), st.integers(0, 2)), plan_strategy, max_size=6),
    st.dictionaries(st.tuples(st.integers(0, 3), st.integers(0, 2)), report_strategy, max_size=8),
)


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(network=network_strategy)
def test_the_metric_equals_a_recomputation_from_the_lines(world, network):
    plans, reports = network
    dealers = [world.dealer_x, world.dealer_y]
    stores = [*world.stores_x, *world.stores_y]
    try:
        for (dealer_index, period_index), (status, cells) in plans.items():
            dealer = dealers[dealer_index]
            own = [s for s in stores if s.dealer_id == dealer.id]
            lines = {(own[s], world.lines[p]): value for (s, p), value in cells.items()}
            make_plan(dealer, PERIODS[period_index], lines, status=status)
        for (store_index, period_index), (status, cells) in reports.items():
            actuals = {world.lines[p]: value for p, value in cells.items()}
            make_report(stores[store_index], PERIODS[period_index], actuals, status=status)
        db.session.flush()

        for group_by in [("dealer_id", "period"), ("dealer_id",), ("period",), ()]:
            expected = recompute(group_by)
            assert metrics.plan_vs_actual(group_by, **EVERYTHING) == expected  # the rollup
            assert metrics.plan_vs_actual(group_by, **EVERYTHING, from_lines=True) == expected
        for group_by in [("store_id",), ("product_line_id",), ("store_id", "period")]:
            assert metrics.plan_vs_actual(group_by, **EVERYTHING) == recompute(group_by)
        store, line = world.stores_x[1], world.lines[0]
        assert metrics.total(**EVERYTHING, store_id=store.id) == recompute(
            (), store_id=store.id
        ).get((), metrics.EMPTY)
        assert metrics.total(**EVERYTHING, product_line_id=line.id) == recompute(
            (), product_line_id=line.id
        ).get((), metrics.EMPTY)
        # A dealer's figures: its months, its year to date, and the lines shown as sources.
        x = world.dealer_x.id
        mine = recompute(("dealer_id", "period"))
        overview = metrics.dealer_overview(x, "2026-03", months=3)
        assert overview.months == [(p, mine.get((x, p), metrics.EMPTY)) for p in PERIODS]
        assert overview.ytd == recompute(("dealer_id",)).get((x,), metrics.EMPTY)
        plan_lines = metrics.source_plan_lines(x, *PERIODS[::2])
        report_lines = metrics.source_report_lines(x, *PERIODS[::2])
        matched = metrics.counts_toward_target(report_lines, plan_lines)
        ytd = overview.ytd
        assert sum(r.revenue_minor for r in report_lines if r.id in matched) == ytd.actual_revenue
        assert (
            sum(r.revenue_minor for r in report_lines if r.id not in matched)
            == ytd.unmatched_revenue
        )
    finally:
        db.session.rollback()


# Regressions: the totals the first users saw


LAST = this_month(-1)


def _east(world):
    """Region A: dealer X with an approved plan (80 % attained), dealer E2 whose plan is
    only submitted, yet who reported; X also sold a line it set no target for."""
    (s1, s2), (ftw, app_line) = world.stores_x, world.lines
    e2 = make_dealer(world.region_a, name="Dealer E2", code="E02")
    e2_store = make_store(e2)
    make_plan(world.dealer_x, LAST, {(s1, ftw): (1_000_000, 10)}, status=PlanStatus.APPROVED)
    make_report(s1, LAST, {ftw: (800_000, 8), app_line: (90_000, 9)}, status="reviewed")
    make_report(s2, LAST, {ftw: (10_000, 1)}, status="submitted")
    make_plan(e2, LAST, {(e2_store, ftw): (500_000, 5)}, status=PlanStatus.SUBMITTED)
    make_report(e2_store, LAST, {ftw: (2_000_000, 20)}, status="submitted")
    db.session.commit()
    return e2


def test_a_submitted_plans_actual_is_not_in_the_region_total(world):
    e2 = _east(world)
    region = select(Dealer.id).where(Dealer.region_id == world.region_a.id)
    total = metrics.total(first=LAST, last=LAST, dealers=region)
    assert total.target_revenue == 1_000_000
    assert total.actual_revenue == 800_000  # was 2,900,000: E02 and the untargeted lines
    assert total.attainment_bp == 8000  # was 29000
    assert total.variance_revenue == -200_000  # the sign is kept
    assert total.unmatched_revenue == 90_000 + 10_000 + 2_000_000
    e2_figures = metrics.total(first=LAST, last=LAST, dealers=[e2.id])
    assert (e2_figures.has_target, e2_figures.attainment_bp) == (False, None)
    assert e2_figures.unmatched_revenue == 2_000_000


def test_the_region_page_and_csv_show_actual_without_target_apart(client, auth, world):
    _east(world)
    auth.sign_in(world.admin)
    url = f"/plans/performance?period={LAST}&region={world.region_a.id}"
    body = client.get(url).get_data(as_text=True)
    assert "Actual without target" in body
    assert "80.0\u00a0%" in body  # the region total (and X's row)
    assert "290.0\u00a0%" not in body
    assert 'data-testid="unmatched-total">21,000<' in body
    response = client.get(f"/plans/performance.csv?period={LAST}&region={world.region_a.id}")
    rows = {
        row["dealer_code"]: row
        for row in csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    }
    x = rows[world.dealer_x.code]
    assert (x["actual_revenue"], x["attainment_percent"]) == ("8000.00", "80.00")
    assert (x["variance_revenue"], x["unmatched_actual_revenue"]) == ("-2000.00", "1000.00")
    assert rows["E02"]["actual_revenue"] == "0.00"
    assert rows["E02"]["attainment_percent"] == ""
    assert rows["E02"]["unmatched_actual_revenue"] == "20000.00"


def test_the_sources_page_marks_the_lines_without_target(client, auth, world):
    _east(world)
    auth.sign_in(world.user_x)
    body = client.get(f"/plans/sources?dealer={world.dealer_x.id}&first={LAST}").get_data(
        as_text=True
    )
    assert body.count('data-testid="no-target"') == 2  # X's APP line and its second store
    assert 'data-testid="source-unmatched">1,000.00' in body


def test_the_year_to_date_counts_only_matched_actuals(client, auth, world):
    """Every month 105 % of its target; a store without targets sells beside it. The year
    to date was 155 %, above every month; it is 105 %."""
    (s1, s2), ftw = world.stores_x, world.lines[0]
    months = [f"{LAST[:4]}-0{number}" for number in (1, 2, 3)]
    for period in months:
        make_plan(world.dealer_x, period, {(s1, ftw): (100_000, 10)}, status="approved")
        make_report(s1, period, {ftw: (105_000, 10)}, status="reviewed")
        make_report(s2, period, {ftw: (50_000, 5)}, status="reviewed")
    db.session.commit()
    overview = metrics.dealer_overview(world.dealer_x.id, months[-1])
    assert {f.attainment_bp for period, f in overview.months if period in months} == {10500}
    assert overview.ytd.attainment_bp == 10500
    assert overview.ytd.unmatched_revenue == 150_000
    auth.sign_in(world.supervisor_a)
    body = client.get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert "155.0\u00a0%" not in body
    assert "Actual without target" in body


def test_health_attainment_uses_matched_actuals(world):
    _east(world)
    period = date.fromisoformat(f"{LAST}-01")
    cards = dealer_metrics.scorecards(
        [world.dealer_x.id], first=period, last=period.replace(day=28)
    )
    assert cards[world.dealer_x.id].components["attainment"].value == pytest.approx(80)
