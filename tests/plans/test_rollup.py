"""plan_actual_totals: the per-dealer-per-period rollup stays equal to the sums over the lines
through every way plans, reports and their lines change, and `total()` reads it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, select, text, update

from portal.extensions import db
from portal.metrics import plans as metrics
from portal.metrics import rollup
from portal.models import (
    Dealer,
    PlanActualTotal,
    PlanStatus,
    ReportStatus,
    SalesPlan,
    SalesPlanLine,
    StoreReport,
    StoreReportLine,
)
from portal.plans import services as plan_services
from portal.reports import csv_import
from portal.reports import services as report_services
from tests.support import databases
from tests.support.plans import make_plan, make_report, make_world, this_month

EVERYTHING = {"first": "0001-01", "last": "9999-12"}
WINDOW = ("2000-01", "2100-12")


def base_rows() -> dict[tuple[int, str], tuple[int, ...]]:
    """What the rollup should hold: plan_vs_actual over the lines, per dealer and period."""
    found = metrics.plan_vs_actual(("dealer_id", "period"), **EVERYTHING, from_lines=True)
    return {
        key: (
            f.target_revenue,
            f.actual_revenue,
            f.target_units,
            f.actual_units,
            f.target_lines,
            f.actual_lines,
            f.unmatched_revenue,
            f.unmatched_units,
            f.unmatched_lines,
        )
        for key, f in found.items()
    }


def rollup_rows() -> dict[tuple[int, str], tuple[int, ...]]:
    table = PlanActualTotal.__table__
    columns = [table.c[name] for name in rollup.COLUMNS]
    return {
        (row[0], row[1]): tuple(int(value) for value in row[2:])
        for row in db.session.execute(select(table.c.dealer_id, table.c.period, *columns))
    }


def assert_exact() -> None:
    db.session.flush()
    expected = base_rows()
    assert rollup_rows() == expected
    # And the totals read from the rollup agree with those summed from the lines.
    for dealers in (None, sorted({dealer for dealer, _period in expected})[:1]):
        assert metrics.total(**EVERYTHING, dealers=dealers) == _total_from_lines(dealers)


def _total_from_lines(dealers) -> metrics.Figures:
    """`total()` the old way: with a filter that selects everything, it sums the lines."""
    found = metrics.plan_vs_actual((), **EVERYTHING, dealers=dealers, from_lines=True)
    return found.get((), metrics.EMPTY)


def test_the_check_fails_when_the_rollup_drifts(world):
    store, line = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, "2026-03", {(store, line): (1_000, 1)}, status="approved")
    assert_exact()
    db.session.execute(update(PlanActualTotal).values(t_revenue=PlanActualTotal.t_revenue + 1))
    with pytest.raises(AssertionError):
        assert_exact()
    rollup.rebuild_all()
    assert_exact()


def test_a_plan_through_its_lifecycle(world):
    (s1, s2), (ftw, app_line) = world.stores_x, world.lines
    values = {(s1.id, ftw.id): (100_000, 10), (s2.id, app_line.id): (40_000, 4)}
    plan = plan_services.create_plan(
        dealer=world.dealer_x,
        period="2026-03",
        values=values,
        note="",
        actor=world.user_x,
        window=WINDOW,
    )
    db.session.commit()
    assert_exact()
    assert rollup_rows() == {}  # a draft sets no target

    plan_services.submit_plan(plan, actor=world.user_x)
    db.session.commit()
    assert_exact()
    plan_services.approve_plan(plan, actor=world.supervisor_a)
    db.session.commit()
    assert_exact()
    assert rollup_rows()[(world.dealer_x.id, "2026-03")][:3] == (140_000, 0, 14)

    plan_services.reopen_plan(plan, actor=world.supervisor_a, reason="Footwear too low")
    db.session.commit()
    assert_exact()
    assert rollup_rows() == {}

    values = {(s1.id, ftw.id): (150_000, 15), (s1.id, app_line.id): (1, 1)}  # one edited, one gone
    plan_services.update_plan(plan, values=values, note="Revised", actor=world.user_x)
    plan_services.submit_plan(plan, actor=world.user_x)
    plan_services.approve_plan(plan, actor=world.supervisor_a)
    db.session.commit()
    assert_exact()
    assert rollup_rows()[(world.dealer_x.id, "2026-03")] == (150_001, 0, 16, 0, 2, 0, 0, 0, 0)

    plan_services.reopen_plan(plan, actor=world.supervisor_a, reason="Again")
    plan_services.submit_plan(plan, actor=world.user_x)
    plan_services.return_plan(plan, actor=world.supervisor_a, comment="No")
    db.session.commit()
    assert_exact()


def test_deleting_plans_and_their_lines(world):
    (s1, s2), (ftw, _app) = world.stores_x, world.lines
    approved = make_plan(world.dealer_x, "2026-03", {(s1, ftw): (5, 1), (s2, ftw): (7, 1)})
    approved.status = PlanStatus.APPROVED
    draft = make_plan(world.dealer_x, "2026-04", {(s1, ftw): (9, 1)})
    db.session.commit()
    assert_exact()

    db.session.delete(draft)
    db.session.commit()
    assert_exact()

    approved.lines.remove(approved.lines[0])  # an orphan: deleted with the flush
    db.session.commit()
    assert_exact()
    assert rollup_rows()[(world.dealer_x.id, "2026-03")][0] == 7

    db.session.delete(approved)
    db.session.commit()
    assert_exact()
    assert rollup_rows() == {}


def test_moving_a_report_or_plan_refreshes_the_old_and_the_new_key(world):
    s1, ftw = world.stores_x[0], world.lines[0]
    report = make_report(s1, "2026-03", {ftw: (300, 3)}, status=ReportStatus.SUBMITTED)
    plan = make_plan(world.dealer_x, "2026-03", {(s1, ftw): (200, 2)}, status="approved")
    db.session.commit()
    assert_exact()

    report.period = "2026-05"
    plan.dealer_id = world.dealer_y.id  # not what the app does: the rollup follows anyway
    db.session.commit()
    assert_exact()
    assert set(rollup_rows()) == {(world.dealer_x.id, "2026-05"), (world.dealer_y.id, "2026-03")}

    report.status = ReportStatus.RETURNED
    db.session.commit()
    assert_exact()
    report.status = ReportStatus.REVIEWED
    db.session.commit()
    assert_exact()

    # A line moved from one report to another (through the relationship and the key).
    other = make_report(world.stores_x[1], "2026-06", {}, status=ReportStatus.SUBMITTED)
    line = report.lines[0]
    line.report = other
    db.session.commit()
    assert_exact()
    line.report_id = report.id
    db.session.commit()
    db.session.expire_all()
    assert_exact()


def test_reports_through_their_lifecycle(world):
    s1, (ftw, app_line) = world.stores_x[0], world.lines
    report = report_services.create_report(
        store=s1,
        period="2026-03",
        values=report_services.ReportValues(actuals={ftw.id: (90_000, 9)}),
        actor=world.user_x,
        window=WINDOW,
    )
    db.session.commit()
    assert_exact()
    report_services.submit_report(report, actor=world.user_x)
    db.session.commit()
    assert_exact()
    assert rollup_rows()[(world.dealer_x.id, "2026-03")][6] == 90_000  # no target: apart

    report_services.return_report(report, actor=world.supervisor_a, comment="Check stock")
    db.session.commit()
    assert_exact()
    assert rollup_rows() == {}

    report_services.set_actuals(report, {app_line.id: (5, 1)}, replace=True)
    report_services.submit_report(report, actor=world.user_x)
    report_services.review_report(report, actor=world.supervisor_a)
    db.session.commit()
    assert_exact()
    # No plan, no target: the actual is apart.
    assert rollup_rows()[(world.dealer_x.id, "2026-03")] == (0, 0, 0, 0, 0, 0, 5, 1, 1)


def test_csv_imports_keep_the_rollup_exact(world):
    (s1, s2), (ftw, _app) = world.stores_x, world.lines
    period = this_month(-1)
    returned = make_report(s1, period, {ftw: (1, 1)}, status=ReportStatus.SUBMITTED)
    make_plan(world.dealer_x, period, {(s1, ftw): (10, 1)}, status="approved")
    db.session.commit()
    report_services.return_report(returned, actor=world.supervisor_a, comment="Redo")
    db.session.commit()
    assert_exact()

    csv = (
        "store_code,period,product_line,revenue,units\n"
        f"{s1.code},{period},FTW,12.34,3\n"
        f"{s1.code},{period},APP,1,1\n"
        f"{s2.code},{period},FTW,7,7\n"
    )
    result = csv_import.import_actuals(
        csv.encode(),
        user=world.user_x,
        window=(this_month(-3), this_month(0)),
        max_money=10**12,
        max_count=10**6,
    )
    assert result.rows == 3
    db.session.commit()
    assert_exact()
    for report in db.session.scalars(select(StoreReport)):
        report_services.submit_report(report, actor=world.user_x)
    db.session.commit()
    assert_exact()
    # Only s1 and FTW has a target: the APP line and s2's line are actuals without one.
    assert rollup_rows()[(world.dealer_x.id, period)] == (10, 1234, 1, 3, 1, 1, 800, 8, 2)


def test_a_rolled_back_change_leaves_the_rollup_as_it_was(world):
    s1, ftw = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, "2026-03", {(s1, ftw): (10, 1)}, status="approved")
    db.session.commit()
    before = rollup_rows()
    make_plan(world.dealer_x, "2026-04", {(s1, ftw): (20, 2)}, status="approved")
    assert rollup_rows() != before
    db.session.rollback()
    assert rollup_rows() == before
    assert_exact()


def test_total_reads_the_rollup_without_store_or_line_filters(world):
    (s1, s2), (ftw, app_line) = world.stores_x, world.lines
    make_plan(
        world.dealer_x, "2026-03", {(s1, ftw): (100, 1), (s2, app_line): (50, 5)}, status="approved"
    )
    make_report(s1, "2026-03", {ftw: (120, 2)}, status=ReportStatus.REVIEWED)
    make_plan(world.dealer_y, "2026-04", {(world.stores_y[0], ftw): (7, 7)}, status="approved")
    db.session.commit()
    everyone = select(Dealer.id)
    month = metrics.total(first="2026-03", last="2026-03", dealers=everyone)
    assert (month.target_revenue, month.actual_revenue, month.attainment_bp) == (150, 120, 8000)
    both = metrics.total(first="2026-01", last="2026-12", dealers=everyone)
    assert both == metrics.total(first="2026-01", last="2026-12", dealers=None)
    assert both.target_units == 13
    assert metrics.total(first="2026-05", last="2026-12", dealers=everyone) == metrics.EMPTY
    # Filters by store or product line still sum the lines (the rollup has no such keys).
    by_store = metrics.total(
        first="2026-03", last="2026-03", dealers=[world.dealer_x.id], store_id=s2.id
    )
    assert (by_store.target_revenue, by_store.actual_revenue) == (50, 0)
    # The rollup is what is read: drift there shows in total() and not in the store sums.
    db.session.execute(update(PlanActualTotal).values(a_revenue=0))
    assert metrics.total(first="2026-03", last="2026-03", dealers=everyone).actual_revenue == 0
    assert (
        metrics.total(
            first="2026-03", last="2026-03", dealers=[world.dealer_x.id], store_id=s1.id
        ).actual_revenue
        == 120
    )
    db.session.rollback()


def test_dealer_windows_sum_each_window_as_plan_vs_actual(world):
    """Several windows read in one query give each window's figures per dealer as
    plan_vs_actual over the lines does; dealers without a line in a window are left out."""
    (s1, s2), (ftw, app_line) = world.stores_x, world.lines
    y1 = world.stores_y[0]
    for period, revenue in (("2026-01", 100), ("2026-03", 200), ("2026-04", 300)):
        make_plan(world.dealer_x, period, {(s1, ftw): (revenue, 1)}, status="approved")
        make_report(s1, period, {ftw: (revenue + 7, 2)}, status=ReportStatus.REVIEWED)
    make_report(s2, "2026-03", {app_line: (55, 5)}, status=ReportStatus.SUBMITTED)
    make_plan(world.dealer_y, "2026-04", {(y1, ftw): (70, 7)}, status="approved")
    db.session.commit()
    ids = [world.dealer_x.id, world.dealer_y.id]
    windows = [("2026-03", "2026-03"), ("2026-01", "2026-04"), ("2026-04", "2026-06")]
    windows.append(("2027-01", "2027-12"))
    found = metrics.dealer_windows(ids, windows)
    for (first, last), by_dealer in zip(windows, found, strict=True):
        lines = metrics.plan_vs_actual(
            ("dealer_id",), first=first, last=last, dealers=ids, from_lines=True
        )
        assert by_dealer == {key[0]: figures for key, figures in lines.items()}
    assert set(found[0]) == {world.dealer_x.id}
    assert found[0][world.dealer_x.id].unmatched_revenue == 55
    assert found[1][world.dealer_x.id].target_revenue == 600
    assert set(found[2]) == {world.dealer_x.id, world.dealer_y.id}
    assert found[3] == {}
    assert metrics.dealer_windows([world.dealer_y.id], windows[:1]) == [{}]


STEPS = 120


def test_a_random_sequence_of_changes(world):
    """Random creates, edits, status moves, line moves and deletes, checked after each."""
    rng = random.Random(20261127)
    stores = world.stores_x + world.stores_y
    lines = world.lines
    months = ["2026-01", "2026-02", "2026-03"]
    for step in range(STEPS):
        plans = db.session.scalars(select(SalesPlan).order_by(SalesPlan.id)).all()
        reports = db.session.scalars(select(StoreReport).order_by(StoreReport.id)).all()
        action = rng.choice(
            ["plan", "report", "status", "status", "line", "line", "delete", "move", "core"]
        )
        if action == "plan":
            store = rng.choice(stores)
            period = rng.choice(months)
            if not any(p.dealer_id == store.dealer_id and p.period == period for p in plans):
                make_plan(
                    store.dealer,
                    period,
                    {(store, rng.choice(lines)): (rng.randrange(1, 10**6), rng.randrange(1, 99))},
                    status=rng.choice(list(PlanStatus)),
                )
        elif action == "report":
            store = rng.choice(stores)
            period = rng.choice(months)
            if not any(r.store_id == store.id and r.period == period for r in reports):
                make_report(
                    store,
                    period,
                    {rng.choice(lines): (rng.randrange(1, 10**6), rng.randrange(1, 99))},
                    status=rng.choice(list(ReportStatus)),
                )
        elif action == "status" and (plans or reports):
            target = rng.choice(plans + reports)
            target.status = rng.choice(
                list(PlanStatus) if isinstance(target, SalesPlan) else list(ReportStatus)
            )
        elif action == "line" and (plans or reports):
            target = rng.choice(plans + reports)
            if target.lines and rng.random() < 0.5:
                line = rng.choice(target.lines)
                if rng.random() < 0.3:
                    target.lines.remove(line)
                else:
                    line.revenue_minor = rng.randrange(0, 10**6)
                    line.units = rng.randrange(0, 99)
            else:
                product_line = rng.choice(lines)
                if isinstance(target, SalesPlan):
                    store = rng.choice([s for s in stores if s.dealer_id == target.dealer_id])
                    if not any(
                        x.store_id == store.id and x.product_line_id == product_line.id
                        for x in target.lines
                    ):
                        target.lines.append(
                            SalesPlanLine(
                                store=store, product_line=product_line, revenue_minor=3, units=1
                            )
                        )
                elif not any(x.product_line_id == product_line.id for x in target.lines):
                    target.lines.append(
                        StoreReportLine(product_line=product_line, revenue_minor=4, units=2)
                    )
        elif action == "delete" and (plans or reports):
            db.session.delete(rng.choice(plans + reports))
        elif action == "move" and reports:
            report = rng.choice(reports)
            period = rng.choice(months)
            if not any(r.store_id == report.store_id and r.period == period for r in reports):
                report.period = period
        elif action == "core":
            # A Core write past the ORM, followed by the refresh it owes the rollup.
            keys = {(p.dealer_id, p.period) for p in plans}
            db.session.execute(update(SalesPlanLine).values(units=SalesPlanLine.units + 1))
            rollup.refresh(db.session.connection(), keys)
        if rng.random() < 0.3:
            db.session.commit()
        try:
            assert_exact()
        except AssertionError:
            pytest.fail(f"rollup differs from the lines after step {step} ({action})")
    db.session.commit()


def test_rebuild_all_and_the_cli_command(app, world):
    s1, ftw = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, "2026-03", {(s1, ftw): (10, 1)}, status="approved")
    db.session.commit()
    db.session.execute(delete(PlanActualTotal))
    db.session.commit()
    assert rollup_rows() == {}
    result = app.test_cli_runner().invoke(args=["rebuild-totals"])
    assert result.exit_code == 0, result.output
    assert "1 dealer-periods" in result.output
    db.session.expire_all()
    assert_exact()
    assert rollup_rows() != {}


def test_the_demo_and_seed_large_leave_the_rollup_exact(app):
    from portal.demo.large import seed_large

    network = seed_large(4, audits=4)
    db.session.commit()
    assert network.counts["plan_actual_totals"] > 0
    assert_exact()
    assert len(rollup_rows()) == network.counts["plan_actual_totals"]


def test_the_demo_seed_leaves_the_rollup_exact(demo):
    assert rollup_rows()
    assert_exact()


# The migration's backfill


@pytest.fixture
def empty_app(tmp_path: Path):
    with databases.empty_app("rollup", tmp_path) as app:
        yield app


def test_the_migration_backfills_the_same_rows(empty_app):
    upgrade()
    world = make_world()
    (s1, s2), (ftw, app_line) = world.stores_x, world.lines
    make_plan(
        world.dealer_x, "2026-03", {(s1, ftw): (100, 1), (s2, app_line): (5, 5)}, status="approved"
    )
    make_plan(world.dealer_x, "2026-04", {(s1, ftw): (999, 9)}, status="submitted")
    make_plan(world.dealer_y, "2026-03", {(world.stores_y[0], ftw): (7, 7)}, status="approved")
    make_report(s1, "2026-03", {ftw: (120, 2), app_line: (3, 3)}, status=ReportStatus.REVIEWED)
    make_report(s2, "2026-03", {ftw: (11, 1)}, status=ReportStatus.SUBMITTED)
    make_report(s1, "2026-04", {ftw: (50, 5)}, status=ReportStatus.SUBMITTED)
    make_report(s2, "2026-04", {ftw: (60, 6)}, status=ReportStatus.DRAFT)
    make_report(world.stores_y[1], "2026-05", {ftw: (70, 7)}, status=ReportStatus.RETURNED)
    db.session.commit()
    kept = rollup_rows()
    assert kept == base_rows()
    assert len(kept) == 3

    db.session.remove()
    downgrade(revision="0008")
    upgrade()  # the backfill: INSERT … SELECT over the lines already there
    assert rollup_rows() == kept
    assert db.session.scalar(select(func.count()).select_from(PlanActualTotal)) == 3
    assert any(row[6] for row in kept.values())  # some actuals without target

    # 0012 from rows of 0011's meaning (every actual in a_*): recomputed, split in two.
    db.session.remove()
    downgrade(revision="0011")
    query = text("SELECT dealer_id, period, a_revenue FROM plan_actual_totals")
    old = {(dealer, period): revenue for dealer, period, revenue in db.session.execute(query)}
    assert old == {key: row[1] + row[6] for key, row in kept.items()}
    db.session.remove()
    upgrade()
    assert rollup_rows() == kept
