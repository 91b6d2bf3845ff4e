"""Two API updates sent with the same If-Match at once: one wins, the other gets 412 with the
current ETag, and nothing is overwritten silently (SQLite and PostgreSQL, READ COMMITTED)."""

from __future__ import annotations

import threading

import pytest

from portal.extensions import db
from portal.models import SalesPlan
from portal.plans import services as plan_services
from tests.api.conftest import bearer, plan_body
from tests.support import databases

WAIT = 30  # seconds: a bound on every wait, never an expectation of speed


def _wait_until_blocked(second: threading.Thread) -> None:
    """On PostgreSQL, let the first writer commit only once the second waits for its row lock;
    SQLite's second writer waits in BEGIN IMMEDIATE, which nothing here can see."""
    if not databases.is_postgres():
        return
    pause = threading.Event()
    for _attempt in range(int(WAIT / 0.05)):
        if databases.blocked_backends() or not second.is_alive():
            return
        pause.wait(0.05)
    pytest.fail("the second update never waited for the first")


def test_two_updates_with_the_same_if_match_give_one_winner(app, client, shop, monkeypatch):
    headers = bearer(shop.dealer_token)
    created = client.post("/api/v1/plans", json=plan_body(shop), headers=headers)
    url, etag = created.headers["Location"], created.headers["ETag"]
    lines = plan_body(shop, "500")["lines"]
    db.session.rollback()  # the test's session holds no transaction (no SQLite write lock)
    inside, release = threading.Event(), threading.Event()
    real_update = plan_services.update_plan

    def held_update(plan, **kwargs):
        changed = real_update(plan, **kwargs)
        if kwargs["note"] == "first":
            inside.set()
            assert release.wait(WAIT), "never released"
        return changed

    monkeypatch.setattr(plan_services, "update_plan", held_update)
    answers: dict[str, object] = {}
    matching = {**headers, "If-Match": etag}

    def put(note: str) -> None:
        body = {"note": note, "lines": lines}
        try:
            answers[note] = app.test_client().put(url, json=body, headers=matching)
        except BaseException as error:  # reported below
            answers[note] = error
        finally:
            inside.set()

    first = threading.Thread(target=put, args=("first",))
    second = threading.Thread(target=put, args=("second",))
    first.start()
    assert inside.wait(WAIT)
    second.start()
    try:
        _wait_until_blocked(second)
    finally:
        release.set()
        first.join(WAIT)
        second.join(WAIT)

    assert answers["first"].status_code == 200
    assert answers["second"].status_code == 412
    assert answers["second"].get_json()["current_etag"] == answers["first"].headers["ETag"]
    db.session.expire_all()
    plan = db.session.get(SalesPlan, created.get_json()["id"])
    assert plan.note == "first"
    assert plan.version == created.get_json()["version"] + 1
