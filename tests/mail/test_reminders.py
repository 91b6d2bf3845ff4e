"""Reminders before things are late, escalations when they stay late, digests: each user
gets each reminder once, however often and on however many workers the schedule runs."""

from __future__ import annotations

import threading
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from portal import clock, periods
from portal.extensions import db
from portal.mail import choices, reminders
from portal.models import MailMode, OutgoingMail, Role, StoreStatus
from tests.mail.conftest import BASE_URL, deliver
from tests.support import audit_factories
from tests.support.clock import at
from tests.support.factories import make_store, make_user
from tests.support.plans import make_world


def plan_due_day(app):
    """The due date of the plan for the month after the test clock's month."""
    period = periods.shift(periods.of(clock.today()), 1)
    return period, periods.plan_due_date(period, app.config["PLAN_DUE_DAY"])


def run_schedule(app, day):
    """One reminder run on `day`, as a worker runs it (its own app context and commit)."""
    from portal.mail.queue import run_reminders

    db.session.commit()
    with time_machine.travel(at(day, 8), tick=False):
        result = run_reminders(app)
        deliver(app)
    return result


def test_a_plan_due_tomorrow_is_reminded_once_in_the_users_language(app, smtp):
    world = make_world()
    world.user_x.locale = "zh_Hans"
    for store in world.stores_x + world.stores_y:  # no store reports owed: the plan alone
        store.status = StoreStatus.CLOSED
    db.session.commit()
    period, due = plan_due_day(app)

    run_schedule(app, due - timedelta(days=1))
    run_schedule(app, due - timedelta(days=1))  # the hourly run again: nothing new

    to_x = smtp.to(world.user_x.email)
    assert len(to_x) == 1
    assert to_x[0].message["Content-Language"] == "zh-Hans"
    assert period in to_x[0].subject
    assert "截止日期" in to_x[0].text  # "Due on"
    assert due.isoformat() in to_x[0].text
    assert f"{BASE_URL}/plans/" in to_x[0].text
    assert len(smtp.to(world.user_y.email)) == 1  # every dealer owes next month's plan
    assert not smtp.to(world.supervisor_a.email)

    run_schedule(app, due)  # on the day: a second, different reminder
    assert len(smtp.to(world.user_x.email)) == 2


def test_two_workers_running_the_schedule_at_once_send_one_reminder(app, smtp):
    world = make_world()
    _period, due = plan_due_day(app)
    db.session.commit()
    from portal.mail.queue import run_reminders

    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with time_machine.travel(at(due - timedelta(days=1), 8), tick=False):
                barrier.wait(timeout=30)
                run_reminders(app)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with time_machine.travel(at(due - timedelta(days=1), 8), tick=False):
        deliver(app)

    assert len(smtp.to(world.user_x.email)) == 1
    assert len(smtp.to(world.user_y.email)) == 1


def test_an_overdue_action_escalates_to_the_supervisor_then_the_admins(app, smtp):
    world = audit_factories.make_world()
    codes = [item.code for item in world.version.items]
    audit = audit_factories.make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=audit_factories.all_pass(world.version, **{codes[0]: "fail"}),
        complete=True,
    )
    [action] = audit.actions
    second_admin = make_user(Role.ADMIN)
    db.session.commit()
    deliver(app)  # the audit's own mail
    smtp.handler.received.clear()
    due = action.due_on
    config = app.config
    to_supervisor = config["MAIL_ESCALATE_SUPERVISOR_DAYS"]
    to_admin = to_supervisor + config["MAIL_ESCALATE_ADMIN_DAYS"]

    marker = f"Corrective action #{action.id} "

    def about_the_action(address):
        return [r for r in smtp.to(address) if marker in r.subject or marker in r.text]

    run_schedule(app, due + timedelta(days=1))  # overdue: the dealer is reminded
    [reminder] = about_the_action(world.dealer_user.email)
    assert f"{BASE_URL}/actions/{action.id}" in reminder.text
    assert not about_the_action(world.other_dealer_user.email)

    run_schedule(app, due + timedelta(days=to_supervisor))  # not yet
    assert not about_the_action(world.supervisor.email)
    run_schedule(app, due + timedelta(days=1 + to_supervisor))
    [escalated] = about_the_action(world.supervisor.email)
    assert world.dealer.code in escalated.subject + escalated.text
    assert not about_the_action(world.far_supervisor.email)
    assert not about_the_action(world.admin.email)

    run_schedule(app, due + timedelta(days=1 + to_admin))
    assert len(about_the_action(world.admin.email)) == 1
    assert len(about_the_action(second_admin.email)) == 1
    assert len(about_the_action(world.supervisor.email)) == 1  # told once
    assert len(about_the_action(world.dealer_user.email)) == 1


def test_a_digest_user_gets_one_mail_for_many_items(app, smtp):
    world = make_world()
    for _ in range(4):
        make_store(world.dealer_x)
    choices.set_preferences(world.user_x, {"plans": MailMode.DIGEST})
    db.session.commit()
    report_due = periods.report_due_date(
        periods.shift(periods.of(clock.today()), -1), app.config["REPORT_DUE_DAYS"]
    )
    day = report_due - timedelta(days=1)

    run_schedule(app, day)
    assert not smtp.to(world.user_x.email)  # held for the digest
    assert len(smtp.to(world.user_y.email)) == 1  # two stores, bundled in one mail too
    held = db.session.scalar(
        select(func.count(OutgoingMail.id)).where(
            OutgoingMail.user_id == world.user_x.id, OutgoingMail.kind == "report_due"
        )
    )
    assert held == 6

    digest_at = choices.next_digest_time(at(day, 8)) + timedelta(minutes=1)
    with time_machine.travel(digest_at, tick=False):
        deliver(app)

    [digest] = smtp.to(world.user_x.email)
    assert "things need your attention" in digest.subject
    for store in world.dealer_x.stores:
        assert store.code in digest.text
    assert digest.text.count(f"{BASE_URL}/reports/") == 6


def test_reminders_skip_what_is_done(app, smtp):
    from portal.models import PlanStatus
    from tests.support.plans import make_plan

    world = make_world()
    period, due = plan_due_day(app)
    make_plan(world.dealer_x, period, status=PlanStatus.SUBMITTED)
    db.session.commit()

    result = reminders.run(due)
    db.session.commit()

    assert result.by_kind.get("plan_due") == 1  # dealer Y only
