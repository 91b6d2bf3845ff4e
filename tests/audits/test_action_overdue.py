"""Corrective actions becoming overdue: the hourly run logs `action.overdue` once per action
and due date, and webhooks subscribed to it receive the event exactly once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.api import webhooks
from portal.audits import overdue
from portal.extensions import db
from portal.jobs import drain
from portal.models import ActionStatus, ActivityEntry, CorrectiveAction, WebhookDelivery
from tests.api.test_webhooks import Receiver
from tests.support.audit_factories import all_pass, make_audit


@pytest.fixture
def app_config():
    return {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_ALLOW_HTTP": True}


def _actions(world, count: int = 3) -> list[CorrectiveAction]:
    codes = list(all_pass(world.version))[:count]
    answers = all_pass(world.version, **dict.fromkeys(codes, "fail"))
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=answers,
        photos=codes,  # failed items that need a photo have one
        complete=True,
    )
    actions = sorted(audit.actions, key=lambda action: action.id)
    assert len(actions) == count
    return actions


def _noted() -> list[tuple[int, str]]:
    entries = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "action.overdue")
    )
    return sorted((entry.object_id, entry.details["due_on"]) for entry in entries)


def test_only_actions_past_their_date_and_not_verified_are_noted_once(app, world):
    today = clock.today()
    late, responded, verified, on_time = _actions(world, 4)
    late.due_on = responded.due_on = verified.due_on = today - timedelta(days=1)
    responded.status = ActionStatus.RESPONDED  # answered, not verified yet: still overdue
    verified.status = ActionStatus.VERIFIED
    on_time.due_on = today  # due today is not overdue yet
    db.session.commit()
    version, updated_at = late.version, late.updated_at

    assert overdue.note_overdue(today) == 2
    assert overdue.note_overdue(today) == 0  # a re-run adds nothing
    db.session.commit()

    yesterday = (today - timedelta(days=1)).isoformat()
    assert _noted() == [(late.id, yesterday), (responded.id, yesterday)]
    entry = db.session.scalar(
        select(ActivityEntry).where(
            ActivityEntry.action == "action.overdue", ActivityEntry.object_id == late.id
        )
    )
    assert entry.object_type == "corrective_action"
    assert entry.details["dealer_id"] == world.dealer.id
    db.session.refresh(late)
    # A bookkeeping mark, not a change of the action: no new version, no new time.
    assert (late.version, late.updated_at) == (version, updated_at)


def test_a_new_due_date_that_passes_is_noted_again(app, world):
    today = clock.today()
    (action,) = _actions(world, 1)
    action.due_on = today - timedelta(days=5)
    db.session.commit()
    overdue.note_overdue(today)

    action.due_on = today - timedelta(days=1)  # reopened with a later date, missed again
    db.session.flush()
    overdue.note_overdue(today)
    overdue.note_overdue(today + timedelta(days=3))
    db.session.commit()

    assert [due for _id, due in _noted()] == sorted(
        [(today - timedelta(days=5)).isoformat(), (today - timedelta(days=1)).isoformat()]
    )


def test_two_runs_at_once_note_each_action_once(app, world):
    today = clock.today()
    for action in _actions(world, 3):
        action.due_on = today - timedelta(days=2)
    db.session.commit()
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def one_run() -> None:
        try:
            start.wait(timeout=30)
            overdue.run(app)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    db.session.expire_all()
    assert len(_noted()) == 3


def test_a_webhook_receives_the_overdue_event_exactly_once(app, world):
    today = clock.today()
    (action,) = _actions(world, 1)
    action.due_on = today - timedelta(days=1)
    with Receiver([500]) as receiver:
        _hook, _secret = webhooks.register(
            url=receiver.url + "/hook",
            events=["action.overdue"],
            description="ERP",
            actor=world.admin,
        )
        db.session.commit()

        overdue.run(app)
        overdue.run(app)  # the next hour: nothing new
        db.session.commit()
        drain(app)  # the first try fails (500), its retry is delivered
        drain(app)

    db.session.expire_all()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.event == "action.overdue"
    assert delivery.last_status == 200
    bodies = [json.loads(body) for _path, _headers, body in receiver.received]
    assert [body["event"] for body in bodies] == ["action.overdue", "action.overdue"]
    assert bodies[0] == bodies[1]  # the retry sent the same event
    assert bodies[0]["object"] == {"type": "corrective_action", "id": action.id}
    assert bodies[0]["details"] == {"dealer_id": world.dealer.id}
