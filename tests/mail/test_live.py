"""The drill: gunicorn, two queue workers (processes, on the test clock) and an aiosmtpd
server that is down for the first retry rounds. Reminders run twice on two workers; a
returned plan, an escalation, a digest and a password reset go out; nothing is lost and
nothing arrives twice.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from portal import clock, periods
from portal.extensions import db
from portal.mail import choices
from portal.models import MailMode, MailState, OutgoingMail, PasswordReset, PlanStatus, Role
from tests.mail.smtp import SmtpServer
from tests.support import audit_factories, databases
from tests.support.factories import PASSWORD, make_dealer, make_region, make_store, make_user
from tests.support.live import ROOT, gunicorn, wait_for
from tests.support.plans import make_plan

pytestmark = pytest.mark.live

BASE_URL = "https://portal.example.test"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK = re.compile(re.escape(BASE_URL) + r"(/password-reset\?token=[A-Za-z0-9_\-]+)")


def post(session: requests.Session, base: str, page: str, path: str, data: dict):
    """A form post as a browser sends it: with the CSRF token of the page it came from."""
    token = TOKEN.search(session.get(f"{base}{page}").text).group(1)
    return session.post(f"{base}{path}", data={**data, "csrf_token": token}, allow_redirects=False)


@contextmanager
def workers(env: dict[str, str], log: Path, *, count: int = 2) -> Iterator[None]:
    """`count` worker processes (`flask --app app worker`), on the test clock of `env`."""
    processes = []
    handle = open(log, "ab")  # noqa: SIM115  (closed below)
    for _ in range(count):
        command = [sys.executable, "-m", "tests.support.clocked_worker", "--workers", "2"]
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        )
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        handle.close()


@pytest.fixture
def live(tmp_path: Path):
    """A migrated database of its own and an app on it in this process (mail off here: the
    data is seeded without mail; the servers send)."""
    url = databases.fresh_database("mail_live", tmp_path)
    databases.migrate_to_head(url, tmp_path)
    instance = tmp_path / "instance"
    instance.mkdir()
    tomorrow = clock.today() + timedelta(days=1)
    settings = {
        "PLAN_DUE_DAY": tomorrow.day,
        "MAIL_ESCALATE_SUPERVISOR_DAYS": 3,
        "MAIL_ESCALATE_ADMIN_DAYS": 2,
    }
    from portal import create_app

    app = create_app(databases.test_config(url, instance, **settings))
    with app.app_context():
        yield app, url, instance, settings
        db.session.remove()
        db.engine.dispose()
    if databases.is_postgres():
        from sqlalchemy.engine import make_url

        databases.drop_postgres_database(make_url(url).database)


def seed():
    """Region A: dealer X (Chinese, plan due tomorrow), Y (a submitted plan to return), W (a
    corrective action overdue for long enough to escalate); region B: Z (several actions due
    soon, digest chooser)."""
    region_a, region_b = make_region(name="Region A"), make_region(name="Region B")
    x, y, w = (make_dealer(region_a, name=name) for name in ("Dealer X", "Dealer Y", "Dealer W"))
    z = make_dealer(region_b, name="Dealer Z")
    people = {
        "x": make_user(Role.DEALER, dealer=x, locale="zh_Hans", email="x@example.test"),
        "y": make_user(Role.DEALER, dealer=y, email="y@example.test"),
        "w": make_user(Role.DEALER, dealer=w, email="w@example.test"),
        "z": make_user(Role.DEALER, dealer=z, email="z@example.test"),
        "sup_a": make_user(Role.SUPERVISOR, regions=[region_a], email="sup.a@example.test"),
        "sup_b": make_user(Role.SUPERVISOR, regions=[region_b], email="sup.b@example.test"),
        "admin": make_user(Role.ADMIN, email="admin@example.test"),
        "admin2": make_user(Role.ADMIN, email="admin2@example.test"),
    }
    today = clock.today()
    for dealer in (x, y, w, z):
        make_store(dealer, status=_closed())  # no store reports owed: the drill's items only
    plan_y = make_plan(y, periods.shift(periods.of(today), -2), status=PlanStatus.SUBMITTED)
    version = audit_factories.make_standard(actor=people["admin"])
    fail_all = audit_factories.all_pass(version, **{"A-01": "fail", "A-02": "fail", "B-02": "fail"})
    fail_one = audit_factories.all_pass(version, **{"A-01": "fail"})
    w_store, z_store = make_store(w), make_store(z)
    overdue = audit_factories.make_audit(
        w_store, version.standard, people["sup_a"], answers=fail_one, complete=True
    ).actions[0]
    overdue.due_on = today - timedelta(days=1 + 3)  # escalates to the supervisor today
    for action in audit_factories.make_audit(
        z_store, version.standard, people["sup_b"], answers=fail_all, complete=True
    ).actions:
        action.due_on = today + timedelta(days=1)
    for store in (w_store, z_store):
        store.status = _closed()
    choices.set_preferences(people["z"], {"actions": MailMode.DIGEST, "plans": MailMode.DIGEST})
    plan_id = plan_y.id
    db.session.commit()  # and read nothing more: on SQLite a reader here holds the write lock
    return plan_id


def _closed():
    from portal.models import StoreStatus

    return StoreStatus.CLOSED


def test_the_mail_drill(live, tmp_path):
    app, url, instance, settings = live
    plan_id = seed()
    smtp = SmtpServer()  # not started: the server is down for the first retry rounds
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": databases.TEST_SECRET,
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_MAIL_SERVER": "127.0.0.1",
        "PORTAL_MAIL_PORT": str(smtp.port),
        "PORTAL_MAIL_USE_TLS": "false",
        "PORTAL_MAIL_BASE_URL": BASE_URL,
        "PORTAL_MAIL_TIMEOUT_SECONDS": "5",
        "PORTAL_MAIL_RETRY_DELAY_SECONDS": "1",
        "PORTAL_MAIL_RETRY_MAX_DELAY_SECONDS": "2",
        "PORTAL_MAIL_MAX_ATTEMPTS": "1000",
        **{f"PORTAL_{key}": str(value) for key, value in settings.items()},
    }
    server_env = {k: v for k, v in env.items() if k.startswith("PORTAL_")}
    log = tmp_path / "workers.log"
    try:
        with gunicorn(url, instance, workers=2, extra_env=server_env) as base, workers(env, log):
            _first_day(app, base, plan_id, smtp)
        later = (clock.today() + timedelta(days=2)).isoformat()
        with workers({**env, "PORTAL_TEST_TODAY": later}, log):
            _two_days_later(app, smtp)
    finally:
        smtp.stop()
    ids = Counter(str(r.message["Message-ID"]) for r in smtp.received)
    assert [i for i, n in ids.items() if n > 1] == []  # nothing arrived twice
    left = db.session.scalar(
        select(func.count(OutgoingMail.id)).where(
            OutgoingMail.state.in_([MailState.PENDING, MailState.SENDING, MailState.FAILED])
        )
    )
    assert left == 0, (tmp_path / "workers.log").read_text()[-3000:]


def _queued_attempts() -> int:
    return (
        db.session.scalar(
            select(func.min(OutgoingMail.attempts)).where(OutgoingMail.state == MailState.PENDING)
        )
        or 0
    )


def _first_day(app, base, plan_id: int, smtp: SmtpServer) -> None:
    remind = app.extensions["mail.remind"]
    remind()
    remind()  # the schedule twice, taken by the two workers at once
    supervisor = requests.Session()
    sign_in = {"email": "sup.a@example.test", "password": PASSWORD}
    assert post(supervisor, base, "/sign-in", "/sign-in", sign_in).status_code == 302
    plan_page = f"/plans/{plan_id}"
    review = {"decision": "return", "comment": "Footwear is 40% below last year", "version": 1}
    assert post(supervisor, base, plan_page, f"{plan_page}/review", review).status_code == 302
    ask = {"email": "y@example.test"}
    asked = post(requests.Session(), base, "/forgot-password", "/forgot-password", ask)
    assert asked.status_code == 302

    wait_for(
        lambda: (
            db.session.scalar(
                select(func.count(OutgoingMail.id)).where(OutgoingMail.state == MailState.PENDING)
            )
            >= 4
            and _queued_attempts() >= 3
        ),
        "three failed rounds while the SMTP server is down",
    )
    assert smtp.received == []
    smtp.start()
    reason = "Footwear is 40% below last year"
    wait_for(
        lambda: (
            {"x@example.test", "sup.a@example.test"} <= {r.rcpt_tos[0] for r in smtp.received}
            and any(reason in r.text for r in smtp.to("y@example.test"))
            and any("new password" in r.subject for r in smtp.to("y@example.test"))
        ),
        "the mails once the server is back",
    )
    time.sleep(2)  # let a doubled send show up, if there were one

    plan_mails = smtp.to("x@example.test")
    assert len(plan_mails) == 1  # one reminder, though two workers ran the schedule
    assert plan_mails[0].message["Content-Language"] == "zh-Hans"
    assert "截止日期" in plan_mails[0].text  # "Due on", in the dealer's language

    assert len([r for r in smtp.to("y@example.test") if reason in r.text]) == 1

    escalated = smtp.to("sup.a@example.test")
    assert len(escalated) == 1
    assert "Dealer W" in escalated[0].subject
    assert not smtp.to("admin@example.test")
    assert not smtp.to("z@example.test")  # a digest chooser: held until the digest

    [reset_mail] = [r for r in smtp.to("y@example.test") if "new password" in r.subject]
    path = LINK.search(reset_mail.text).group(1)
    _reset_works_once_and_expires(base, path, smtp)


def _reset_works_once_and_expires(base: str, path: str, smtp: SmtpServer) -> None:
    new = {
        "new_password": "lanterns over 7 harbours",
        "confirm_password": "lanterns over 7 harbours",
    }
    done = post(requests.Session(), base, path, "/password-reset", new)
    assert done.headers["Location"].endswith("/sign-in")
    sign_in = {"email": "y@example.test", "password": new["new_password"]}
    assert post(requests.Session(), base, "/sign-in", "/sign-in", sign_in).status_code == 302

    again = requests.Session()
    opened = again.get(f"{base}{path}", allow_redirects=False)
    assert opened.headers["Location"].endswith("/password-reset")
    refused = again.get(f"{base}/password-reset", allow_redirects=False)
    assert refused.headers["Location"].endswith("/forgot-password")  # used once already

    ask = {"email": "y@example.test"}
    post(requests.Session(), base, "/forgot-password", "/forgot-password", ask)
    wait_for(
        lambda: (
            db.session.scalar(
                select(func.count(OutgoingMail.id)).where(
                    OutgoingMail.kind == "password_reset", OutgoingMail.state == MailState.SENT
                )
            )
            == 2
        ),
        "the second reset mail",
    )
    newest = db.session.scalars(select(PasswordReset).order_by(PasswordReset.id.desc())).first()
    # Its 30 minutes have passed (an hour back: each process's test clock started apart).
    newest.created_at = clock.now() - timedelta(hours=1, minutes=30)
    newest.expires_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    expired_mail = [r for r in smtp.to("y@example.test") if "new password" in r.subject][-1]
    late = requests.Session()
    late.get(f"{base}{LINK.search(expired_mail.text).group(1)}", allow_redirects=False)
    expired = late.get(f"{base}/password-reset", allow_redirects=False)
    assert expired.headers["Location"].endswith("/forgot-password")


def _two_days_later(app, smtp: SmtpServer) -> None:
    """Workers two days on: the escalation reaches the admins, the digest leaves."""
    remind = app.extensions["mail.remind"]
    remind()
    remind()
    wait_for(
        lambda: (
            len(smtp.to("admin@example.test")) >= 1
            and len(smtp.to("admin2@example.test")) >= 1
            and len(smtp.to("z@example.test")) >= 1
        ),
        "the admins' escalation and the digest",
    )
    wait_for(
        lambda: (
            db.session.scalar(
                select(func.count(OutgoingMail.id)).where(
                    OutgoingMail.state.in_([MailState.NEW, MailState.PENDING, MailState.SENDING])
                )
            )
            == 0
        ),
        "every mail due to be sent",
    )
    assert len(smtp.to("sup.a@example.test")) == 1  # the supervisor is not told again
    [digest] = [r for r in smtp.to("z@example.test") if "things need your attention" in r.subject]
    assert digest.text.count(f"{BASE_URL}/actions/") >= 2  # many items, one mail
    assert not smtp.to("sup.b@example.test")  # nothing of region B is overdue
