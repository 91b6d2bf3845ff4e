"""Complaint mail through a real SMTP server: escalations once each, in the recipient's
language; a forwarded complaint to the region's after-sales user and mailbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.complaints import escalation, services
from portal.extensions import db
from portal.mail import outbox
from portal.models import MailMode, MailPreference, MailState, OutgoingMail
from tests.complaints.conftest import record
from tests.mail.conftest import app_config, deliver, smtp  # noqa: F401  (the fixtures)
from tests.support.clients import signed_in_client

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_1730 = datetime(2099, 11, 13, 17, 30, tzinfo=SHANGHAI)
MONDAY = datetime(2099, 11, 16, tzinfo=SHANGHAI)


@pytest.fixture
def received(world, categories):
    with time_machine.travel(FRIDAY_1730, tick=False):
        complaint = record(
            world.store_x,
            world.people["dealer_x"],
            categories["QUALITY"],
            customer_name="Li Wei",
            customer_phone="13800000000",
            description="The kettle leaks <b>badly</b>.",
        )
        db.session.commit()
    return complaint


def _mails(kind: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == kind).order_by(OutgoingMail.id)
        )
    )


def test_the_supervisors_escalation_is_mailed_once(app, smtp, world, received):  # noqa: F811
    supervisor = world.people["supervisor_a"]
    for minute in (30, 35):  # the run goes again: nothing new
        escalation.run_due(MONDAY.replace(hour=10, minute=minute))
        db.session.commit()
        deliver(app)

    [mail] = smtp.to(supervisor.email)
    assert (
        mail.subject
        == f"Complaint {received.reference} at DX Dealer Xray was not forwarded in time"
    )
    assert "Store Xray" in mail.text
    assert f"/complaints/{received.id}" in mail.text
    assert smtp.to(world.people["supervisor_b"].email) == []
    assert [m.state for m in _mails("complaint_escalation")] == [MailState.SENT]


def test_the_dealers_reminder_is_in_the_dealers_language(app, smtp, world, received):  # noqa: F811
    dealer = world.people["dealer_x"]
    dealer.locale = "zh_Hans"
    db.session.commit()

    escalation.run_due(MONDAY.replace(hour=10))
    db.session.commit()
    deliver(app)

    [mail] = smtp.to(dealer.email)
    assert mail.message["Content-Language"] == "zh-Hans"
    assert '<html lang="zh-Hans">' in mail.html
    assert "截止日期" in mail.text  # "Due on"
    assert received.reference in mail.subject
    assert "2099-11-16 10:30" in mail.text  # the deadline in the region's time


def test_complaint_mail_turned_off_is_not_sent(app, smtp, world, received):  # noqa: F811
    dealer = world.people["dealer_x"]
    db.session.add(MailPreference(user_id=dealer.id, topic="complaints", mode=MailMode.OFF))
    db.session.commit()

    escalation.run_due(MONDAY.replace(hour=10))
    db.session.commit()
    deliver(app)

    assert smtp.to(dealer.email) == []
    assert [m.state for m in _mails("complaint_alert")] == [MailState.CANCELLED]


def test_forwarding_mails_the_after_sales_user_and_mailbox(app, smtp, world, received):  # noqa: F811
    handler = world.people["supervisor_a"]
    region = world.region_a
    region.after_sales_user_id = handler.id
    region.after_sales_email = "after-sales@example.com"
    db.session.commit()

    with time_machine.travel(MONDAY.replace(hour=9), tick=False):
        services.forward(received, actor=world.people["dealer_x"])
        db.session.commit()
    deliver(app)
    deliver(app)

    [to_user] = smtp.to(handler.email)
    [to_box] = smtp.to("after-sales@example.com")
    for mail in (to_user, to_box):
        assert (
            mail.subject
            == f"Complaint {received.reference} forwarded to after-sales: SX-01 Store Xray"
        )
        text = mail.text
        assert "Li Wei" in text
        assert "13800000000" in text
        assert "The kettle leaks <b>badly</b>." in text
        assert "The kettle leaks &lt;b&gt;badly&lt;/b&gt;." in mail.html
        assert "2099-11-18 17:30" in text  # resolve by, in the region's time
        assert "Product quality" in text
    assert f"Hello {handler.name}," in to_user.text
    assert to_user.message["List-Unsubscribe"] is not None
    assert to_box.message["List-Unsubscribe"] is None  # a mailbox has no choices
    assert "Choose which mail you get" not in to_box.text
    rows = _mails("complaint_forwarded")
    assert [(row.user_id, row.state) for row in rows] == [
        (handler.id, MailState.SENT),
        (None, MailState.SENT),
    ]
    assert "description" not in rows[0].params  # read when sent, not kept in the outbox


def test_mail_to_an_invalid_mailbox_is_cancelled(app, smtp, world, received):  # noqa: F811
    world.region_a.after_sales_email = "team@after-sales.invalid"
    db.session.commit()

    with time_machine.travel(MONDAY.replace(hour=9), tick=False):
        services.forward(received, actor=world.people["dealer_x"])
        db.session.commit()
    tally = deliver(app)

    assert smtp.received == []
    assert tally.cancelled == 1
    [row] = _mails("complaint_forwarded")
    assert (row.user_id, row.to_address, row.state) == (
        None,
        "team@after-sales.invalid",
        MailState.CANCELLED,
    )


def test_only_who_may_see_the_complaint_gets_it(app, smtp, world, received):  # noqa: F811
    link = f"/complaints/{received.id}"
    params = {"complaint_id": received.id, "reference": received.reference}
    params |= {"store": "Store Xray", "dealer": "DX Dealer Xray", "dealer_id": received.dealer_id}
    for person in ("supervisor_a", "supervisor_b", "dealer_y"):
        outbox.add(world.people[person], "complaint_forwarded", link=link, params=params)
    db.session.commit()
    deliver(app)

    assert [m.rcpt_tos for m in smtp.received] == [[world.people["supervisor_a"].email]]


def test_kinds_that_are_not_for_mailboxes_never_go_to_one(app, world):
    with pytest.raises(ValueError, match="never goes to a mailbox"):
        outbox.add_to("someone@example.com", "complaint_alert", key="k")


@pytest.mark.parametrize("person", ["dealer_x", "supervisor_a"])
def test_the_mail_choices_offer_complaints(app, world, person):
    client = signed_in_client(app, world.people[person])
    page = client.get("/account/mail").get_data(as_text=True)
    assert "Customer complaints" in page
    assert 'name="complaints"' in page
