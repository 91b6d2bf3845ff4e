"""Expiry reminders: a contract or document reaching 90, 30 or 7 days before its end, or
expired, is told once per stage to the dealer's users and its region's supervisors, in the
portal and by mail through a real SMTP server; the run may go every hour."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from sqlalchemy import func, select

from portal import clock
from portal.contracts import reminders, services
from portal.extensions import db
from portal.models import ExpiryReminder, Notification, OutgoingMail
from tests.contracts.conftest import contract, document
from tests.mail.conftest import app_config, deliver, smtp  # noqa: F401  (the fixtures)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_contract_ending_is_told_once_per_stage(app, smtp, world):  # noqa: F811
    contract(world.dealer_x, world.people["admin"], ends_in=60)
    db.session.commit()
    today = clock.today()

    assert reminders.remind(today) == 1
    assert reminders.remind(today) == 0  # the hourly run again: nothing new
    assert reminders.remind(today + timedelta(days=10)) == 0  # still the 90-day stage
    db.session.commit()
    deliver(app)

    [mail] = smtp.to(world.people["supervisor_a"].email)
    assert "The contract of DX Dealer Xray ends on" in mail.subject
    assert len(smtp.to(world.people["dealer_x"].email)) == 1
    assert smtp.to(world.people["supervisor_b"].email) == []  # another region
    assert smtp.to(world.people["dealer_y"].email) == []
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "contract.expiring")
    )
    assert sorted(told) == sorted([world.people["supervisor_a"].id, world.people["dealer_x"].id])

    assert reminders.remind(today + timedelta(days=31)) == 1  # 29 days left: the 30-day stage
    assert reminders.remind(today + timedelta(days=55)) == 1  # 5 days left: the 7-day stage
    assert reminders.remind(today + timedelta(days=61)) == 1  # ended yesterday
    assert reminders.remind(today + timedelta(days=62)) == 0
    stages = db.session.scalars(select(ExpiryReminder.stage).order_by(ExpiryReminder.id))
    assert list(stages) == ["d90", "d30", "d7", "expired"]
    db.session.commit()
    assert _count(OutgoingMail, OutgoingMail.kind == "contract_ending") == 8  # 4 stages, 2 people


def test_a_document_expiring_is_told_to_its_dealer_and_supervisor(app, smtp, world, kinds):  # noqa: F811
    submitted = document(
        world.dealer_y,
        kinds["BIZ"],
        world.people["dealer_y"],
        expires_on=clock.today() + timedelta(days=5),
    )
    services.review_document(
        submitted,
        accept=True,
        reason="",
        version=submitted.version,
        actor=world.people["supervisor_b"],
    )
    db.session.commit()

    assert reminders.remind() == 1
    assert reminders.remind() == 0
    db.session.commit()
    deliver(app)

    [mail] = smtp.to(world.people["supervisor_b"].email)
    assert "Biz licence of DY Dealer Yankee expires on" in mail.subject
    assert len(smtp.to(world.people["dealer_y"].email)) == 1
    assert smtp.to(world.people["supervisor_a"].email) == []
    assert smtp.to(world.people["dealer_x"].email) == []


def test_a_renewed_document_stops_the_reminders_of_the_old_one(world, kinds):
    today = clock.today()
    for expires_in in (20, 800):
        submitted = document(
            world.dealer_x,
            kinds["BIZ"],
            world.people["dealer_x"],
            expires_on=today + timedelta(days=expires_in),
        )
        services.review_document(
            submitted,
            accept=True,
            reason="",
            version=submitted.version,
            actor=world.people["admin"],
        )
    assert reminders.remind(today) == 0  # the cover runs to the renewed one's expiry


def test_an_old_end_date_is_not_told(world):
    contract(world.dealer_x, world.people["admin"], ends_in=-(reminders.EXPIRED_DAYS + 1))
    assert reminders.remind() == 0


def test_each_recipient_reads_the_document_and_date_in_their_language(app, smtp, world, kinds):  # noqa: F811
    kinds["BIZ"].name_zh = "营业执照"
    world.people["dealer_y"].locale = "zh_Hans"
    due = clock.today() + timedelta(days=5)
    submitted = document(world.dealer_y, kinds["BIZ"], world.people["dealer_y"], expires_on=due)
    services.review_document(
        submitted, accept=True, reason="", version=submitted.version, actor=world.people["admin"]
    )
    db.session.commit()

    assert reminders.remind() == 1
    db.session.commit()
    deliver(app)

    [english] = smtp.to(world.people["supervisor_b"].email)
    [chinese] = smtp.to(world.people["dealer_y"].email)
    assert f"Biz licence of DY Dealer Yankee expires on {format_date(due, 'medium', 'en')}" in (
        english.subject
    )
    assert "营业执照" not in english.subject
    assert "营业执照" in chinese.subject
    assert format_date(due, "medium", "zh_Hans") in chinese.subject
    assert due.isoformat() not in english.subject + chinese.subject
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "document.expiring")
    ).all()
    by_user = {n.user_id: n.params["document"] for n in told}
    assert by_user[world.people["supervisor_b"].id] == "Biz licence"
    assert by_user[world.people["dealer_y"].id] == "营业执照"


def test_an_ended_contract_asks_only_staff_to_record_the_renewal(app, smtp, world):  # noqa: F811
    contract(world.dealer_x, world.people["admin"], ends_in=-3)
    db.session.commit()

    assert reminders.remind() == 1
    db.session.commit()
    deliver(app)

    [staff] = smtp.to(world.people["supervisor_a"].email)
    [dealer] = smtp.to(world.people["dealer_x"].email)
    assert "record the renewal already signed" in staff.text
    assert "record the renewal" not in dealer.text
    assert "contact your supervisor about its renewal" in dealer.text
