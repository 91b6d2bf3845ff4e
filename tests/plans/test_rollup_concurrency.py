"""The rollup under concurrent writers: two stores of one dealer submitting reports for the
same month at once lose nothing and leave exact totals, on SQLite and on PostgreSQL.

Each writer runs in a thread of its own with its own app context, hence its own session
and connection, as two web requests would. On PostgreSQL (READ COMMITTED) the old
delete-then-insert failed the second writer with `UniqueViolation pk_plan_actual_totals`;
an upsert alone would have kept only the second writer's sums.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.metrics import plans as metrics
from portal.metrics import rollup
from portal.models import PlanActualTotal, PlanStatus, Store, User
from portal.reports import services as report_services
from tests.support import databases
from tests.support.plans import make_plan

WINDOW = ("2000-01", "2100-12")
PERIOD = "2026-03"
WAIT = 30  # seconds: a bound on every wait, never an expectation of speed


def _submit_report(
    store_id: int, user_id: int, line_id: int, revenue: int, *, period: str = PERIOD
) -> None:
    """Create and submit one report (in the calling thread's session)."""
    store, user = db.session.get(Store, store_id), db.session.get(User, user_id)
    report = report_services.create_report(
        store=store,
        period=period,
        values=report_services.ReportValues(actuals={line_id: (revenue, 1)}),
        actor=user,
        window=WINDOW,
    )
    report_services.submit_report(report, actor=user)
    db.session.flush()  # the rollup is refreshed here, in this transaction


def _in_own_context(app, work: Callable[[], None], *, before_commit=None) -> None:
    with app.app_context():
        try:
            work()
            if before_commit is not None:
                before_commit()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()



def _wait_until_blocked(second: threading.Thread) -> None:
    """Let the first writer commit only once the second one waits on it (PostgreSQL), so
    the two transactions really overlap. SQLite runs one writer at a time: the second
    waits in BEGIN IMMEDIATE, which nothing here can observe, so it just goes on."""
    if not databases.is_postgres():
        return
    stop = threading.Event()
    for _attempt in range(int(WAIT / 0.05)):
        if databases.blocked_backends() or not second.is_alive():
            return
        stop.wait(0.05)
    pytest.fail("the second writer never waited for the first")


def rollup_row(dealer_id: int, period: str) -> tuple[int, ...] | None:
    row = db.session.execute(
        select(*(PlanActualTotal.__table__.c[name] for name in rollup.COLUMNS)).where(
            PlanActualTotal.dealer_id == dealer_id, PlanActualTotal.period == period
        )
    ).first()
    return None if row is None else tuple(int(value) for value in row)


def test_two_stores_submitting_for_one_month_at_once_both_count(app, world):
    (s1, s2), ftw = world.stores_x, world.lines[0]
    # Store 1 has an approved target for FTW, store 2 none: both columns are exercised.
    make_plan(world.dealer_x, PERIOD, {(s1, ftw): (1_000, 1)}, status=PlanStatus.APPROVED)
    db.session.commit()
    ids = {"user_id": world.user_x.id, "line_id": ftw.id}
    s1_id, s2_id = s1.id, s2.id  # read here: the threads never touch this session
    db.session.rollback()  # and it holds no transaction (on SQLite: no write lock) meanwhile
    flushed, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        def hold() -> None:
            flushed.set()
            assert release.wait(WAIT), "never released"

        _in_own_context(app, lambda: _submit_report(s1_id, revenue=700, **ids), before_commit=hold)

    def second() -> None:
        _in_own_context(app, lambda: _submit_report(s2_id, revenue=50, **ids))

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported by the test below
                errors.append(error)
                flushed.set()

        return threading.Thread(target=run)

    one, two = guarded(first), guarded(second)
    one.start()
    assert flushed.wait(WAIT)
    two.start()
    try:
        _wait_until_blocked(two)
    finally:
        release.set()
        one.join(WAIT)
        two.join(WAIT)
    assert errors == []
    db.session.expire_all()
    # target, matched actual (store 1), and store 2's actual without a target
    assert rollup_row(world.dealer_x.id, PERIOD) == (1_000, 700, 1, 1, 1, 1, 50, 1, 1)
    figures = metrics.total(first=PERIOD, last=PERIOD, dealers=[world.dealer_x.id])
    assert (figures.actual_revenue, figures.unmatched_revenue) == (700, 50)


STORES = 6
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


def test_many_stores_of_one_dealer_submitting_together_lose_nothing(app, world):
    """Six writers, one per store of one dealer, each submitting four months in the same
    order, started together: every (dealer, month) key is refreshed by all six at once."""
    from tests.support.factories import make_store

    stores = [*world.stores_x, *(make_store(world.dealer_x) for _ in range(STORES - 2))]
    ftw = world.lines[0]
    make_plan(world.dealer_x, "2026-02", {(stores[0], ftw): (10, 1)}, status="approved")
    db.session.commit()
    store_ids, user_id, line_id = [s.id for s in stores], world.user_x.id, ftw.id
    db.session.rollback()
    start = threading.Barrier(STORES)

    def writer(index: int) -> None:
        start.wait(WAIT)
        for number, period in enumerate(MONTHS):
            revenue = 100 * (index + 1) + number
            _in_own_context(
                app,
                lambda revenue=revenue, period=period: _submit_report(
                    store_ids[index], user_id, line_id, revenue, period=period
                ),
            )

    with ThreadPoolExecutor(max_workers=STORES) as pool:
        outcomes = [pool.submit(writer, index) for index in range(STORES)]
        errors = [future.exception(timeout=WAIT * 4) for future in outcomes]
    assert [error for error in errors if error is not None] == []
    db.session.expire_all()
    for number, period in enumerate(MONTHS):
        revenues = [100 * (index + 1) + number for index in range(STORES)]
        row = rollup_row(world.dealer_x.id, period)
        if period == "2026-02":  # store 0 has a target that month
            assert row == (10, revenues[0], 1, 1, 1, 1, sum(revenues[1:]), STORES - 1, STORES - 1)
        else:
            assert row == (0, 0, 0, 0, 0, 0, sum(revenues), STORES, STORES)
    # And the rows the writers maintained are those a rebuild computes.
    maintained = db.session.execute(select(PlanActualTotal.__table__)).all()
    rollup.rebuild_all()
    assert sorted(db.session.execute(select(PlanActualTotal.__table__)).all()) == sorted(maintained)
    db.session.rollback()
