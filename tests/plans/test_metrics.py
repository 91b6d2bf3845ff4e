"""Plan against actual in SQL: which lines count, variance, attainment, year to date, sources."""

from datetime import UTC, date, datetime

import pytest

from portal.extensions import db
from portal.metrics import plans as metrics
from portal.models import PlanStatus, ReportStatus
from tests.support.plans import make_plan, make_report


@pytest.fixture
def figures(world):
    """Dealer X: approved plans for March and April 2026, reports for both; noise around."""
    (s1, s2), (ftw, app_line) = world.stores_x, world.lines
    make_plan(
        world.dealer_x,
        "2026-03",
        {(s1, ftw): (100_000, 10), (s1, app_line): (50_000, 5), (s2, ftw): (30_000, 3)},
        status=PlanStatus.APPROVED,
    )
    make_plan(world.dealer_x, "2026-04", {(s1, ftw): (200_000, 20)}, status=PlanStatus.APPROVED)
    make_plan(world.dealer_x, "2026-05", {(s1, ftw): (999_999, 99)}, status=PlanStatus.SUBMITTED)
    make_report(s1, "2026-03", {ftw: (90_000, 9), app_line: (60_001, 6)}, status="reviewed")
    make_report(s2, "2026-03", {ftw: (12_345, 1)}, status=ReportStatus.SUBMITTED)
    make_report(s1, "2026-04", {ftw: (250_000, 25)}, status=ReportStatus.SUBMITTED)
    make_report(s2, "2026-04", {ftw: (77_777, 7)}, status=ReportStatus.DRAFT)
    make_report(s1, "2026-05", {ftw: (88_888, 8)}, status=ReportStatus.RETURNED)
    make_plan(world.dealer_y, "2026-03", {(world.stores_y[0], ftw): (5, 1)}, status="approved")
    db.session.commit()
    return world


def test_targets_come_from_approved_plans_and_actuals_from_submitted_or_reviewed_reports(figures):
    total = metrics.total(first="2026-03", last="2026-05", dealers=[figures.dealer_x.id])
    assert total.target_revenue == 100_000 + 50_000 + 30_000 + 200_000
    assert total.actual_revenue == 90_000 + 60_001 + 12_345 + 250_000
    assert total.target_units == 38
    assert total.actual_units == 41


def test_variance_and_attainment_are_exact_and_rounded_half_up(figures):
    march = metrics.total(first="2026-03", last="2026-03", dealers=[figures.dealer_x.id])
    assert march.variance_revenue == (90_000 + 60_001 + 12_345) - 180_000
    # 162346 / 180000 = 90.19222…% -> 9019 basis points
    assert march.attainment_bp == 9019
    assert march.attainment_percent == pytest.approx(90.19)


def test_half_a_basis_point_rounds_up(world):
    store, line = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, "2026-03", {(store, line): (20_000, 1)}, status="approved")
    make_report(store, "2026-03", {line: (20_001, 1)}, status="submitted")  # 100.005 %
    figures = metrics.total(first="2026-03", last="2026-03", dealers=[world.dealer_x.id])
    assert figures.attainment_bp == 10001


def test_grouping_by_store_product_line_and_period(figures):
    x = figures.dealer_x.id
    (s1, s2), (ftw, app_line) = figures.stores_x, figures.lines
    by_store = metrics.plan_vs_actual(("store_id",), first="2026-03", last="2026-03", dealers=[x])
    assert by_store[(s1.id,)].target_revenue == 150_000
    assert by_store[(s1.id,)].actual_revenue == 150_001
    assert by_store[(s2.id,)].attainment_bp == 4115  # 12345 / 30000
    by_line = metrics.plan_vs_actual(
        ("product_line_id",), first="2026-03", last="2026-04", dealers=[x]
    )
    assert by_line[(ftw.id,)].target_revenue == 330_000
    assert by_line[(app_line.id,)].actual_revenue == 60_001
    months = dict(metrics.monthly(x, "2026-02", "2026-05"))
    assert months["2026-02"] == metrics.EMPTY
    assert months["2026-04"].attainment_bp == 12500
    assert months["2026-05"].has_target is False
    assert months["2026-05"].has_actual is False


def test_year_to_date_runs_from_january_to_the_period(figures):
    first, last = metrics.year_to_date("2026-04")
    assert (first, last) == ("2026-01", "2026-04")
    ytd = metrics.total(first=first, last=last, dealers=[figures.dealer_x.id])
    assert ytd.target_revenue == 380_000


def test_other_dealers_figures_never_mix_in(figures):
    total = metrics.total(first="2026-03", last="2026-03", dealers=[figures.dealer_y.id])
    assert total.target_revenue == 5
    assert total.actual_revenue == 0


def test_the_source_lines_add_up_to_the_figure(figures):
    x = figures.dealer_x.id
    s1 = figures.stores_x[0]
    total = metrics.total(first="2026-03", last="2026-05", dealers=[x], store_id=s1.id)
    plan_lines = metrics.source_plan_lines(x, "2026-03", "2026-05", store_id=s1.id)
    report_lines = metrics.source_report_lines(x, "2026-03", "2026-05", store_id=s1.id)
    assert sum(line.revenue_minor for line in plan_lines) == total.target_revenue
    assert sum(line.revenue_minor for line in report_lines) == total.actual_revenue
    assert {line.plan.status for line in plan_lines} == {PlanStatus.APPROVED}
    assert {line.report.status for line in report_lines} <= {
        ReportStatus.SUBMITTED,
        ReportStatus.REVIEWED,
    }


@pytest.mark.parametrize(
    ("submitted", "today", "expected"),
    [
        (datetime(2026, 2, 20, tzinfo=UTC), date(2026, 3, 5), metrics.ON_TIME),
        (datetime(2026, 2, 25, 23, tzinfo=UTC), date(2026, 3, 5), metrics.ON_TIME),
        (datetime(2026, 2, 26, 1, tzinfo=UTC), date(2026, 3, 5), metrics.LATE),
        (None, date(2026, 2, 25), metrics.OPEN),
        (None, date(2026, 2, 26), metrics.MISSING),
    ],
)
def test_timeliness_against_the_due_date(submitted, today, expected):
    due = metrics.plan_due("2026-03", 25)
    assert due == date(2026, 2, 25)
    assert metrics.timeliness(submitted, due, today) == expected


def test_plan_states_and_report_counts_flag_late_and_missing(world):
    (s1, s2), line = world.stores_x, world.lines[0]
    make_plan(
        world.dealer_x,
        "2026-03",
        status=PlanStatus.SUBMITTED,
        submitted_at=datetime(2026, 2, 27, tzinfo=UTC),
    )
    make_report(s1, "2026-03", {line: (1, 1)}, status="submitted",
                submitted_at=datetime(2026, 4, 2, tzinfo=UTC))  # fmt: skip
    today = date(2026, 5, 1)
    ids = [world.dealer_x.id, world.dealer_y.id]
    plans = metrics.plan_states(ids, "2026-03", due_day=25, today=today)
    assert plans[world.dealer_x.id].timeliness == metrics.LATE
    assert plans[world.dealer_y.id].timeliness == metrics.MISSING
    counts = metrics.report_counts(ids, "2026-03", due_days=10, today=today)
    assert counts[world.dealer_x.id].expected == 2
    assert counts[world.dealer_x.id].on_time == 1
    assert counts[world.dealer_x.id].missing == 1
    assert counts[world.dealer_y.id].missing == 2
    assert (
        s2.id in metrics.report_states(ids, "2026-03", due_days=10, today=today)[world.dealer_x.id]
    )
