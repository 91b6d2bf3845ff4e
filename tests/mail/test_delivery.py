"""Mail goes out through a real SMTP server: multipart, addressed, with safe headers; a
server that is down delays mail without losing or doubling any; failures are visible."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal import clock, jobs
from portal.extensions import db
from portal.mail import outbox
from portal.models import MailState, OutgoingMail, Role
from tests.conftest import client_for
from tests.mail.conftest import BASE_URL, deliver
from tests.mail.smtp import SECRET, USERNAME, SmtpServer
from tests.support.factories import PASSWORD, make_user


def _reset_by_admin(app, user):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    client = client_for(app, admin.email, PASSWORD)
    response = client.post(
        f"/admin/users/{user.id}/reset-password", data={"password": "a fresh Temp0rary pass!"}
    )
    assert response.status_code == 302


def test_an_admin_reset_mails_the_user_a_multipart_message(app, smtp):
    user = make_user(Role.DEALER, name="Wang Fang", email="wang@example.test")
    _reset_by_admin(app, user)

    deliver(app)

    [mail] = smtp.received
    assert mail.rcpt_tos == ["wang@example.test"]
    assert mail.mail_from == "portal@example.test"
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "reset" in mail.subject.lower()
    assert str(message["To"]) == "Wang Fang <wang@example.test>"
    assert message["List-Unsubscribe"] == f"<{BASE_URL}/account/mail>"
    assert message["Message-ID"].startswith("<portal-mail-")
    assert f"{BASE_URL}/sign-in" in mail.text
    assert f'href="{BASE_URL}/sign-in"' in mail.html
    assert "Wang Fang" in mail.text
    assert "wang@example.test" in mail.text
    row = db.session.scalars(select(OutgoingMail)).one()
    assert (row.state, row.attempts, row.to_address) == (MailState.SENT, 1, "wang@example.test")
    assert row.body_text is None  # only the demo outbox keeps the text


def test_the_mail_is_in_the_recipients_language(app, smtp):
    user = make_user(Role.DEALER, locale="zh_Hans")
    _reset_by_admin(app, user)

    deliver(app)

    [mail] = smtp.received
    assert mail.message["Content-Language"] == "zh-Hans"
    assert "经销商网络门户" in mail.text  # "Dealer Network Portal"
    assert '<html lang="zh-Hans">' in mail.html


def test_user_text_cannot_inject_headers_and_is_inert_in_html(app, smtp):
    user = make_user(
        Role.DEALER,
        name="Evil\r\nBcc: victim@example.test\r\nX-Injected: yes <b>bold</b>",
        email="evil@example.test",
    )
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    deliver(app)

    [mail] = smtp.received
    assert mail.rcpt_tos == ["evil@example.test"]
    assert mail.message["Bcc"] is None
    assert mail.message["X-Injected"] is None
    assert "\n" not in str(mail.message["To"])
    assert "<b>bold</b>" not in mail.html
    assert "&lt;b&gt;bold&lt;/b&gt;" in mail.html
    assert "<b>bold</b>" in mail.text  # plain text shows what was written


def test_a_commit_that_adds_mail_wakes_a_worker(app, smtp):
    user = make_user(Role.DEALER)
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()
    assert jobs.queue_of(app).huey.pending_count() == 1

    jobs.drain(app)

    assert [r.rcpt_tos for r in smtp.received] == [[user.email]]


def test_mail_to_an_inactive_user_is_not_sent(app, smtp):
    user = make_user(Role.DEALER, active=False)
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    tally = deliver(app)

    assert smtp.received == []
    assert tally.cancelled == 1
    assert db.session.scalars(select(OutgoingMail)).one().state == MailState.CANCELLED


def test_mail_to_a_service_account_is_cancelled_not_offered(app, smtp):
    """The API's service accounts live under the reserved .invalid domain: no mailbox."""
    service = make_user(Role.DEALER, email="erp-1@service.invalid")
    person = make_user(Role.DEALER)
    for user in (service, person):
        outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    tally = deliver(app)

    assert [r.rcpt_tos for r in smtp.received] == [[person.email]]
    assert tally.cancelled == 1


def test_a_server_down_for_an_hour_delays_mail_and_loses_none_nor_doubles_any(app, smtp):
    users = [make_user(Role.DEALER) for _ in range(3)]
    for user in users:
        outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()
    smtp.stop()

    first = deliver(app)  # every mail waits for its retry
    assert first.sent == 0
    assert len(first.retry_in) == 3
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert {(r.state, r.attempts) for r in rows} == {(MailState.PENDING, 1)}
    assert all(r.next_try_at > clock.now() for r in rows)
    assert "ConnectionRefusedError" in rows[0].error

    start = clock.now()
    minutes = 0
    while minutes < 60:  # an hour of retry rounds with the server still down
        minutes += 5
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            deliver(app)
    db.session.expire_all()
    tries = [r.attempts for r in db.session.scalars(select(OutgoingMail))]
    assert all(1 < n < app.config["MAIL_MAX_ATTEMPTS"] for n in tries)  # backed off, not failed
    assert (
        db.session.scalar(select(func.count()).where(OutgoingMail.state == MailState.FAILED)) == 0
    )

    smtp.start()
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        deliver(app)
        deliver(app)

    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(u.email for u in users)
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(select(OutgoingMail))} == {MailState.SENT}


def test_retries_back_off_and_give_up_visibly(app, smtp):
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_DELAY_SECONDS=60)
    user = make_user(Role.DEALER)
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()
    smtp.stop()
    start = clock.now()
    delays = []
    for minutes in (0, 2, 10):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            delays += deliver(app).retry_in

    assert delays == [60, 120]  # the first delay, then doubled; the third try gave up
    row = db.session.scalars(select(OutgoingMail)).one()
    assert (row.state, row.attempts) == (MailState.FAILED, 3)

    admin = make_user(Role.ADMIN)
    db.session.commit()
    client = client_for(app, admin.email, PASSWORD)
    page = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert user.email in page
    assert "ConnectionRefusedError" in page
    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 302
    smtp.start()
    deliver(app)
    assert [r.rcpt_tos for r in smtp.received] == [[user.email]]


def test_a_permanent_refusal_fails_that_mail_only(app, smtp):
    good, bad = make_user(Role.DEALER), make_user(Role.DEALER, email="nobody@bounce.test")
    original = smtp.handler.handle_DATA

    async def refuse_some(server, session, envelope):
        if "nobody@bounce.test" in envelope.rcpt_tos:
            return "550 No such user"
        return await original(server, session, envelope)

    smtp.handler.handle_DATA = refuse_some
    for user in (bad, good):
        outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    deliver(app)

    assert [r.rcpt_tos for r in smtp.received] == [[good.email]]
    states = dict(db.session.execute(select(OutgoingMail.user_id, OutgoingMail.state)).all())
    assert states == {bad.id: MailState.FAILED, good.id: MailState.SENT}


def test_two_workers_claiming_at_once_never_share_a_mail(app, smtp):
    users = [make_user(Role.DEALER) for _ in range(6)]
    for user in users:
        outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()
    db.session.execute(
        OutgoingMail.__table__.update().values(state="pending", next_try_at=clock.now())
    )
    db.session.commit()

    first = outbox.claim(4)
    second = outbox.claim(4)

    assert len(first) == 4
    assert len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}


def test_no_mail_is_kept_when_mail_is_off(app, smtp):
    app.config["MAIL_SERVER"] = None
    user = make_user(Role.DEALER)
    assert outbox.add(user, "password_reset_by_admin", link="/sign-in") is None
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


@pytest.fixture
def tls_smtp(tmp_path):
    server = SmtpServer(tls_dir=tmp_path)
    server.start()
    yield server
    server.stop()


def test_starttls_and_authentication(app, tls_smtp):
    app.config.update(
        MAIL_PORT=tls_smtp.port,
        MAIL_USE_TLS=True,
        MAIL_CA_FILE=str(tls_smtp.certificate),
        MAIL_USERNAME=USERNAME,
        MAIL_PASSWORD=SECRET,
    )
    user = make_user(Role.DEALER)
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    deliver(app)

    assert [r.rcpt_tos for r in tls_smtp.received] == [[user.email]]


@pytest.mark.slow  # ~5 s: a TLS login the server refuses
def test_a_wrong_smtp_password_keeps_mail_for_later(app, tls_smtp):
    app.config.update(
        MAIL_PORT=tls_smtp.port,
        MAIL_USE_TLS=True,
        MAIL_CA_FILE=str(tls_smtp.certificate),
        MAIL_USERNAME=USERNAME,
        MAIL_PASSWORD="wrong",
    )
    user = make_user(Role.DEALER)
    outbox.add(user, "password_reset_by_admin", link="/sign-in")
    db.session.commit()

    tally = deliver(app)

    assert tls_smtp.received == []
    assert tally.retry_in
    assert db.session.scalars(select(OutgoingMail)).one().state == (MailState.PENDING)
