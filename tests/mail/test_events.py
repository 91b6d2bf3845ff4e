"""Events mailed to the people they concern: a returned plan with its reason, an approval,
a completed audit with its score, actions and PDF link, a new notice, an issued dealer file
— each in the recipient's language, to nobody who may not see it."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import MailState, OutgoingMail, PlanStatus, Role
from portal.plans import services as plan_services
from tests.conftest import client_for
from tests.mail.conftest import BASE_URL, deliver
from tests.support import audit_factories
from tests.support.factories import PASSWORD, make_user
from tests.support.plans import make_plan, make_world, this_month


def test_a_returned_plan_mails_its_reason_to_the_dealers_users_only(app, smtp):
    world = make_world()
    second_x = make_user(Role.DEALER, dealer=world.dealer_x, locale="zh_Hans")
    plan = make_plan(world.dealer_x, this_month(1), status=PlanStatus.SUBMITTED)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)

    response = supervisor.post(
        f"/plans/{plan.id}/review",
        data={"decision": "return", "comment": "Footwear <b>too low</b>\nfor March", "version": 1},
    )
    assert response.status_code == 302
    deliver(app)

    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(
        [world.user_x.email, second_x.email]
    )
    [english] = smtp.to(world.user_x.email)
    assert english.subject == (
        f"Your sales plan for {plan.period} was returned: Footwear <b>too low</b> for March"
    )
    assert "> Footwear <b>too low</b>\n> for March" in english.text
    assert "Footwear &lt;b&gt;too low&lt;/b&gt;" in english.html
    assert f"{BASE_URL}/plans/{plan.id}" in english.text
    [chinese] = smtp.to(second_x.email)
    assert chinese.subject.startswith("您") or "销售计划" in chinese.subject  # the inbox's words
    assert "期间" in chinese.text  # "Period"


def test_an_approval_is_mailed(app, smtp):
    world = make_world()
    plan = make_plan(world.dealer_x, this_month(1), status=PlanStatus.SUBMITTED)
    plan_services.approve_plan(plan, actor=world.supervisor_a)
    db.session.commit()

    deliver(app)

    [mail] = smtp.received
    assert mail.rcpt_tos == [world.user_x.email]
    assert "approved" in mail.subject


def test_a_mail_whose_recipient_lost_access_is_not_sent(app, smtp):
    world = make_world()
    plan = make_plan(world.dealer_x, this_month(1), status=PlanStatus.SUBMITTED)
    plan_services.return_plan(plan, actor=world.supervisor_a, comment="Secret figures")
    db.session.commit()
    world.user_x.dealer = world.dealer_y  # moved to another dealer before the mail went
    db.session.commit()

    deliver(app)

    assert smtp.received == []
    assert db.session.scalars(select(OutgoingMail.state)).all() == [MailState.CANCELLED]


def test_a_completed_audit_mails_score_actions_and_the_pdf_link(app, smtp):
    world = audit_factories.make_world()
    codes = [item.code for item in world.version.items]
    answers = audit_factories.all_pass(world.version, **{codes[0]: "fail"})
    audit = audit_factories.make_audit(
        world.store, world.standard, world.supervisor, answers=answers, complete=True
    )
    db.session.commit()

    deliver(app)

    [mail] = smtp.received
    assert mail.rcpt_tos == [world.dealer_user.email]
    assert str(audit.score) in mail.text
    [action] = audit.actions
    assert f"{BASE_URL}/actions/{action.id}" in mail.text
    assert action.due_on.isoformat() in mail.text
    assert f"{BASE_URL}/audits/{audit.id}/report" in mail.text
    assert not smtp.to(world.other_dealer_user.email)


def test_digest_choosers_get_events_in_their_digest_and_off_means_off(app, client, smtp):
    world = make_world()
    first = make_plan(world.dealer_x, this_month(1), status=PlanStatus.SUBMITTED)
    second = make_plan(world.dealer_x, this_month(2), status=PlanStatus.SUBMITTED)
    db.session.commit()
    dealer = client_for(app, world.user_x.email, PASSWORD)
    dealer.post("/account/mail", data={"plans": "off", "actions": "digest"})
    plan_services.return_plan(first, actor=world.supervisor_a, comment="Again")
    plan_services.approve_plan(second, actor=world.supervisor_a)
    db.session.commit()

    deliver(app)

    assert smtp.received == []
    assert set(db.session.scalars(select(OutgoingMail.state))) == {MailState.CANCELLED}
