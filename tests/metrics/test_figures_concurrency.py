"""Two transactions changing one dealer at once both end up in its figures, on SQLite and
on PostgreSQL (where the second one must wait for the first before computing).

Each writer runs in a thread of its own with its own app context, hence its own session
and connection, as two web requests would. The first writer has recomputed the dealer's
row (holding its locks) and waits before COMMIT until the second one is blocked on it; on
PostgreSQL without the locks the second would compute without the first one's change and
overwrite the row with figures that miss it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from portal.audits import corrective
from portal.audits import services as audit_services
from portal.extensions import db
from portal.metrics import upkeep
from portal.models import Audit, CorrectiveAction, DealerFigures, StoreFigures, User
from tests.support import databases, figures
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.plans import make_world

WAIT = 30  # seconds: a bound on every wait, never an expectation of speed


def _wait_until_blocked(second: threading.Thread) -> None:
    """PostgreSQL: until the second writer waits for a lock. SQLite runs one writer at a
    time (the second waits in BEGIN IMMEDIATE, which nothing here observes)."""
    if not databases.is_postgres():
        return
    pause = threading.Event()
    for _attempt in range(int(WAIT / 0.05)):
        if databases.blocked_backends() or not second.is_alive():
            return
        pause.wait(0.05)
    pytest.fail("the second writer never waited for the first")


def race(app, first: Callable[[], None], second: Callable[[], None]) -> None:
    """Run `first` up to (not including) its COMMIT, then `second` whole, then release."""
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def in_context(work: Callable[[], None], hold: bool) -> None:
        with app.app_context():
            try:
                work()
                if hold:
                    held.set()
                    assert release.wait(WAIT), "never released"
                db.session.commit()
            except BaseException as error:  # reported by the test
                errors.append(error)
                held.set()
                db.session.rollback()
            finally:
                db.session.remove()

    one = threading.Thread(target=in_context, args=(first, True))
    two = threading.Thread(target=in_context, args=(second, False))
    db.session.rollback()  # the test's own session holds no transaction meanwhile
    one.start()
    assert held.wait(WAIT)
    two.start()
    try:
        _wait_until_blocked(two)
    finally:
        release.set()
        one.join(WAIT)
        two.join(WAIT)
    assert errors == []


def test_two_actions_of_one_dealer_answered_at_once_both_count(app):
    world = make_world()
    version = make_standard(actor=world.admin)
    answers = all_pass(version, **{"A-01": "fail", "A-02": "fail"})
    audit = make_audit(
        world.stores_x[0], version.standard, world.supervisor_a, answers=answers, complete=True
    )
    db.session.commit()
    action_ids = sorted(action.id for action in audit.actions)
    user_id, dealer_id = world.user_x.id, world.dealer_x.id

    def respond(action_id: int) -> None:
        action, user = db.session.get(CorrectiveAction, action_id), db.session.get(User, user_id)
        corrective.respond(action, comment="Fixed", photos=[], actor=user)
        db.session.flush()

    def first() -> None:
        respond(action_ids[0])
        upkeep.refresh_dealers([dealer_id])  # as before COMMIT: the dealer's locks are held

    race(app, first, lambda: respond(action_ids[1]))

    db.session.expire_all()
    found = db.session.get(DealerFigures, dealer_id)
    assert (found.actions_to_answer, found.actions_responded) == (0, 2)
    assert figures.differences(figures.snapshot(), figures.recomputed()) == {}


def test_a_store_keeps_its_later_audit_when_an_earlier_one_commits_last(app):
    world = make_world()
    version = make_standard(actor=world.admin)
    store = world.stores_x[0]
    late, early = (
        make_audit(store, version.standard, world.supervisor_a, answers=all_pass(version))
        for _ in range(2)
    )
    db.session.commit()
    ids, auditor_id, now = (late.id, early.id), world.supervisor_a.id, datetime.now(UTC)

    def complete(audit_id: int, at: datetime) -> None:
        audit, actor = db.session.get(Audit, audit_id), db.session.get(User, auditor_id)
        audit_services.complete(audit, summary="", actor=actor, now=at)
        db.session.flush()  # the store's latest audit is upserted here

    race(
        app,
        lambda: complete(ids[0], now),
        lambda: complete(ids[1], now - timedelta(hours=2)),
    )

    db.session.expire_all()
    assert db.session.get(StoreFigures, store.id).last_audit_id == late.id
