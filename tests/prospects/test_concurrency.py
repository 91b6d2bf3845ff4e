"""Two people signing (or approving) the same prospect at once make one dealer, on SQLite and
on PostgreSQL: the second request waits for the first's row lock (PostgreSQL) or write
transaction (SQLite), then finds the prospect already signed.

Each request runs in a thread of its own, as two web requests would. The first holds its
transaction open after creating the dealer until the second is seen waiting (PostgreSQL), so
the two really overlap.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dealer, ProspectAction, ProspectStatus
from portal.prospects import signing
from tests.prospects.conftest import DEALER_CODE, advance, new_prospect
from tests.support import databases
from tests.support.clients import signed_in_client

WAIT = 30  # seconds: a bound on every wait, never an expectation of speed


def _wait_until_blocked(second: threading.Thread) -> None:
    if not databases.is_postgres():
        return  # SQLite's second writer waits in BEGIN IMMEDIATE, which cannot be observed
    pause = threading.Event()
    for _attempt in range(int(WAIT / 0.05)):
        if databases.blocked_backends() or not second.is_alive():
            return
        pause.wait(0.05)
    pytest.fail("the second request never waited for the first")


def _race(app, monkeypatch, first_client, second_client, url, data):
    """POST `data` to `url` from two clients at once; the first holds after creating the dealer."""
    created, release = threading.Event(), threading.Event()
    real = signing.create_dealer
    calls = []

    def holding(values):
        dealer = real(values)
        calls.append(values["code"])
        if len(calls) == 1:
            created.set()
            assert release.wait(WAIT), "never released"
        return dealer

    monkeypatch.setattr(signing, "create_dealer", holding)
    answers: dict[str, int] = {}
    errors: list[BaseException] = []

    def post(name, client):
        try:
            answers[name] = client.post(url, data=data).status_code
        except BaseException as error:  # reported below
            errors.append(error)
            created.set()

    one = threading.Thread(target=post, args=("first", first_client))
    two = threading.Thread(target=post, args=("second", second_client))
    db.session.commit()
    db.session.rollback()  # the test's session holds no transaction meanwhile
    one.start()
    assert created.wait(WAIT)
    two.start()
    _wait_until_blocked(two)
    release.set()
    one.join(WAIT)
    two.join(WAIT)
    assert not errors, errors
    return answers, calls


def test_two_signings_at_once_make_one_dealer(app, world, checklist, monkeypatch):
    prospect = advance(world, new_prospect(world), ProspectStatus.APPROVED)
    data = {"action": "sign", "comment": "", "version": prospect.version}
    supervisor = signed_in_client(app, world.people["supervisor_a"])
    admin = signed_in_client(app, world.people["admin"])
    url = f"/prospects/{prospect.id}/step"

    answers, calls = _race(app, monkeypatch, supervisor, admin, url, data)

    assert sorted(answers.values()) == [302, 302]
    assert calls == [DEALER_CODE]  # the second never got as far as creating one
    db.session.expire_all()
    dealers = db.session.scalar(
        select(func.count()).select_from(Dealer).where(Dealer.code == DEALER_CODE)
    )
    assert dealers == 1
    db.session.refresh(prospect)
    assert prospect.status == ProspectStatus.SIGNED
    signs = [t for t in prospect.transitions if t.action == ProspectAction.SIGN]
    assert len(signs) == 1


def test_an_approval_and_a_signing_cannot_both_act_on_an_old_page(app, world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.PROPOSAL)
    admin = signed_in_client(app, world.people["admin"])
    old_version = prospect.version

    approved = admin.post(
        f"/prospects/{prospect.id}/review",
        data={"decision": "approve", "version": old_version, "comment": ""},
    )
    again = admin.post(
        f"/prospects/{prospect.id}/review",
        data={"decision": "return", "version": old_version, "comment": "Too late."},
    )

    assert (approved.status_code, again.status_code) == (302, 302)
    db.session.refresh(prospect)
    assert prospect.status == ProspectStatus.APPROVED
    assert [t.action for t in prospect.transitions].count(ProspectAction.RETURN) == 0
