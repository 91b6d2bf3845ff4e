"""Mail tests: a real SMTP server on 127.0.0.1 (aiosmtpd), the app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal import jobs
from portal.extensions import db
from portal.mail import delivery
from tests.mail.smtp import SmtpServer

BASE_URL = "https://portal.example.test"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(smtp) -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_USE_TLS": False,
        "MAIL_BASE_URL": BASE_URL,
        "MAIL_SENDER": "Dealer Network Portal <portal@example.test>",
        "MAIL_TIMEOUT_SECONDS": 5,
    }


def deliver(app) -> delivery.Tally:
    """One delivery round as a worker runs it (what it did), then whatever the queue holds."""
    from portal.mail.queue import run_delivery

    db.session.commit()  # the test's own transaction holds SQLite's write lock
    tally = run_delivery(app)
    jobs.drain(app)
    db.session.expire_all()
    return tally
