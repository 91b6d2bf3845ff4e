"""complaint_months kept exact: every step's difference lands in its region and month,
`rebuild()` agrees, and two writers recording complaints in one region and month at once
both count (on PostgreSQL the second waits on the first's row lock, then adds to what the
first committed)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.complaints import services
from portal.extensions import db
from portal.metrics import complaint_months
from portal.models import ComplaintCategory, ComplaintMonth, Remedy, Severity, Store, User
from tests.complaints.conftest import categories, record  # noqa: F401  (a fixture)
from tests.support import databases
from tests.support.world import world  # noqa: F401  (the fixture)

WAIT = 30  # seconds: a bound on every wait, never an expectation of speed


def kept() -> dict[tuple[int, str], tuple[int, ...]]:
    rows = db.session.execute(select(ComplaintMonth.__table__))
    found = {(row.region_id, row.month): tuple(row[2:]) for row in rows}
    return {key: counts for key, counts in found.items() if any(counts)}


def computed() -> dict[tuple[int, str], tuple[int, ...]]:
    connection = db.session.connection()
    rows = connection.execute(complaint_months.computed(connection))
    return {(row.region_id, row.month): tuple(row[2:]) for row in rows}


def test_each_step_moves_its_months_counts(world, categories):  # noqa: F811
    dealer, region = world.people["dealer_x"], world.region_a.id
    month = complaint_months.month_of(clock.now())
    complaint = record(world.store_x, dealer, categories["QUALITY"])
    serious = record(
        world.store_x,
        dealer,
        categories["SERVICE"],
        severity=Severity.SERIOUS,
        serious_kind=services.SeriousKind.SAFETY,
    )
    db.session.commit()
    fields = complaint_months.FIELDS
    assert dict(zip(fields, kept()[(region, month)], strict=True)) == {
        "total": 2, "serious": 1, "repeats": 0, "forwarded": 0,
        "forwarded_on_time": 0, "resolved": 0, "resolved_on_time": 0,
    }  # fmt: skip
    services.forward(complaint, actor=dealer)
    services.start(complaint, actor=dealer)
    services.resolve(complaint, actor=dealer, remedy=Remedy.REPAIR, comment="Fixed")
    db.session.commit()
    assert kept()[(region, month)] == (2, 1, 0, 1, 1, 1, 1)
    services.reopen(complaint, actor=dealer, reason="Back again")  # a repeat, unresolved
    db.session.commit()
    assert kept()[(region, month)] == (2, 1, 1, 1, 1, 0, 0)
    # Moved to another month (an import correcting the receipt): both rows follow.
    serious.received_at = clock.now() - timedelta(days=45)
    db.session.commit()
    assert kept() == computed()
    assert kept()[(region, month)] == (1, 0, 1, 1, 1, 0, 0)
    # A rebuild from scratch gives the same rows.
    complaint_months.rebuild(db.session.connection())
    assert kept() == computed()


def _record_in_own_context(app, store_id, user_id, category_id, *, hold=None) -> None:
    with app.app_context():
        try:
            new = services.NewComplaint(
                store=db.session.get(Store, store_id),
                category=db.session.get(ComplaintCategory, category_id),
                channel=services.Channel.PHONE,
                description="At the same time",
            )
            services.record(new, actor=db.session.get(User, user_id))
            db.session.flush()  # the month's row is updated here, in this transaction
            if hold is not None:
                hold()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def test_two_writers_in_one_region_and_month_both_count(app, world, categories):  # noqa: F811
    ids = (world.store_x.id, world.people["dealer_x"].id, categories["QUALITY"].id)
    other = (world.store_x.id, world.people["supervisor_a"].id, categories["PRICE"].id)
    region, month = world.region_a.id, complaint_months.month_of(clock.now())
    db.session.rollback()  # the test's session holds no transaction (no SQLite write lock)
    flushed, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        flushed.set()
        assert release.wait(WAIT), "never released"

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported below
                errors.append(error)
                flushed.set()

        return threading.Thread(target=run)

    one = guarded(lambda: _record_in_own_context(app, *ids, hold=hold))
    two = guarded(lambda: _record_in_own_context(app, *other))
    one.start()
    assert flushed.wait(WAIT)
    two.start()
    if databases.is_postgres():  # the second really waits for the first's row
        stop = threading.Event()
        for _attempt in range(int(WAIT / 0.05)):
            if databases.blocked_backends() or not two.is_alive():
                break
            stop.wait(0.05)
        else:
            pytest.fail("the second writer never waited for the first")
    release.set()
    one.join(WAIT)
    two.join(WAIT)
    assert not errors, errors
    db.session.expire_all()
    assert kept()[(region, month)][0] == 2
    assert kept() == computed()
