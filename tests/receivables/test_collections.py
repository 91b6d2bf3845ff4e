"""Collections: an overdue invoice opens one task for the supervisor; a contact records the
promised day; a broken promise escalates to the admins once, by mail through a real SMTP
server; paying closes the task; home pages flag dealers over their limit or long overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    CollectionTask,
    ContactKind,
    Notification,
    OutgoingMail,
    TaskStatus,
)
from portal.receivables import collections, services
from tests.mail.conftest import app_config, deliver, smtp  # noqa: F401  (the fixtures)
from tests.receivables.conftest import invoice
from tests.support.clients import signed_in_client


@pytest.fixture
def overdue(world):
    today = clock.today()
    late = invoice(world.dealer_x, "X-LATE", due_on=today - timedelta(days=3), amount=500_00)
    invoice(world.dealer_x, "X-NEW", due_on=today + timedelta(days=10), amount=200_00)
    db.session.commit()
    return late


def _tasks() -> list[CollectionTask]:
    return list(db.session.scalars(select(CollectionTask).order_by(CollectionTask.id)))


def test_an_overdue_invoice_opens_one_task_for_the_supervisor(world, overdue):
    assert collections.open_tasks() == 1
    assert collections.open_tasks() == 0  # the run goes again: nothing new
    db.session.commit()
    [task] = _tasks()
    assert task.invoice_id == overdue.id
    assert task.status == TaskStatus.OPEN
    told = db.session.scalars(select(Notification.user_id)).all()
    assert told == [world.people["supervisor_a"].id]


def _promise(world, task, days_ahead: int):
    collections.log_contact(
        task,
        kind=ContactKind.CALL,
        contacted_on=clock.today(),
        promise_on=clock.today() + timedelta(days=days_ahead),
        note="Will pay",
        actor=world.people["supervisor_a"],
    )
    db.session.commit()


def test_a_broken_promise_escalates_to_the_admins_once(app, smtp, world, overdue):  # noqa: F811
    collections.open_tasks()
    [task] = _tasks()
    _promise(world, task, 2)
    assert task.status == TaskStatus.PROMISED
    assert collections.escalate_broken(clock.today() + timedelta(days=2)) == 0  # not yet
    for _run in range(2):
        collections.escalate_broken(clock.today() + timedelta(days=3))
        db.session.commit()
        deliver(app)
    db.session.refresh(task)
    assert task.status == TaskStatus.ESCALATED
    [mail] = smtp.to(world.people["admin"].email)
    assert mail.subject == "DX Dealer Xray broke its promise to pay invoice X-LATE"
    assert smtp.to(world.people["supervisor_a"].email) == []
    kinds = db.session.scalars(select(OutgoingMail.kind)).all()
    assert kinds == ["collection_escalation"]


def test_a_new_promise_after_an_escalation_can_escalate_again(app, smtp, world, overdue):  # noqa: F811
    collections.open_tasks()
    [task] = _tasks()
    _promise(world, task, 1)
    collections.escalate_broken(clock.today() + timedelta(days=2))
    db.session.commit()
    _promise(world, task, 5)
    assert task.status == TaskStatus.PROMISED
    assert collections.escalate_broken(clock.today() + timedelta(days=6)) == 1


def test_paying_closes_the_task_and_nothing_escalates(world, overdue):
    collections.open_tasks()
    [task] = _tasks()
    _promise(world, task, 1)
    services.record_payment(overdue, overdue.amount_minor)
    db.session.commit()
    assert task.status == TaskStatus.CLOSED
    assert collections.escalate_broken(clock.today() + timedelta(days=5)) == 0
    with pytest.raises(services.ReceivablesError):
        _promise(world, task, 3)


def test_a_promise_before_the_contact_is_refused(world, overdue):
    collections.open_tasks()
    [task] = _tasks()
    with pytest.raises(services.ReceivablesError):
        _promise(world, task, -1)


@pytest.mark.parametrize(("role", "status"), [("supervisor_b", 404), ("dealer_x", 403)])
def test_tasks_out_of_scope(app, world, overdue, role, status):
    collections.open_tasks()
    db.session.commit()
    [task] = _tasks()
    client = signed_in_client(app, world.people[role])
    assert client.get(f"/receivables/collections/{task.id}").status_code == status
    form = {"kind": "call", "contacted_on": clock.today().isoformat()}
    response = client.post(f"/receivables/collections/{task.id}/contact", data=form)
    assert response.status_code == status
    listed = client.get("/receivables/collections/")
    assert b"X-LATE" not in listed.data
    assert db.session.scalar(select(func.count()).select_from(CollectionTask)) == 1
    assert task.contacts == []


def test_the_supervisor_logs_a_visit_with_a_promise(app, world, overdue):
    collections.open_tasks()
    db.session.commit()
    [task] = _tasks()
    client = signed_in_client(app, world.people["supervisor_a"])
    assert b"X-LATE" in client.get("/receivables/collections/").data
    promised = clock.today() + timedelta(days=7)
    form = {
        "kind": "visit",
        "contacted_on": clock.today().isoformat(),
        "promise_on": promised.isoformat(),
        "note": "Met the owner",
    }
    response = client.post(f"/receivables/collections/{task.id}/contact", data=form)
    assert response.status_code == 302
    db.session.refresh(task)
    assert task.status == TaskStatus.PROMISED
    assert task.promise_on == promised
    bad = {**form, "promise_on": (clock.today() - timedelta(days=1)).isoformat()}
    refused = client.post(f"/receivables/collections/{task.id}/contact", data=bad)
    assert refused.status_code == 422
    assert len(task.contacts) == 1


def test_home_pages_flag_a_dealer_over_its_limit(app, world, overdue):
    services.set_terms(
        world.dealer_x, limit_minor=600_00, terms_days=30, version=None, actor=world.people["admin"]
    )
    db.session.commit()
    dealer_home = signed_in_client(app, world.people["dealer_x"]).get("/home")
    assert b'data-testid="flag-over-limit"' in dealer_home.data
    supervisor = signed_in_client(app, world.people["supervisor_a"]).get("/home")
    assert b'data-testid="receivable-flags"' in supervisor.data
    other = signed_in_client(app, world.people["supervisor_b"]).get("/home")
    assert b'data-testid="receivable-flags"' not in other.data


def test_home_pages_flag_a_dealer_long_overdue(app, world):
    today = clock.today()
    invoice(world.dealer_y, "Y-OLD", due_on=today - timedelta(days=70), amount=300_00)
    invoice(world.dealer_y, "Y-NEW", due_on=today + timedelta(days=5), amount=700_00)
    db.session.commit()
    app.config["RECEIVABLES_LATE_SHARE"] = 0.5  # 30 % beyond 60 days: not flagged
    assert (
        b'data-testid="flag-late"'
        not in signed_in_client(app, world.people["dealer_y"]).get("/home").data
    )
    app.config["RECEIVABLES_LATE_SHARE"] = 0.25
    page = signed_in_client(app, world.people["supervisor_b"]).get("/home").data
    assert b'data-dealer="DY"' in page
    assert b'data-testid="flag-late"' in page
