"""Webhooks (S24): admins register https endpoints on public hosts; events are delivered by
jobs, signed with HMAC-SHA256 over the timestamp and the body, retried after a failure, and
received exactly once; redirects are never followed."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.jobs import drain
from portal.models import DeliveryState, Role, Webhook, WebhookDelivery
from tests.api.conftest import bearer, plan_body
from tests.support.factories import make_user


class Receiver:
    """An HTTP server on 127.0.0.1 that answers each request with the next planned status."""

    def __init__(self, statuses: list[int], location: str = "") -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((self.path, dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def app_config():
    return {
        "WEBHOOK_ALLOW_PRIVATE": True,  # the receiver runs on 127.0.0.1
        "WEBHOOK_ALLOW_HTTP": True,
        "WEBHOOK_RETRY_DELAY_SECONDS": 1,
        "WEBHOOK_TIMEOUT_SECONDS": 5,
    }


def _register(client, auth, url: str, events=("plan.submitted",)) -> str:
    auth.sign_in(make_user(Role.ADMIN))
    page = client.post("/admin/webhooks", data={"url": url, "events": list(events)})
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    text = page.get_data(as_text=True)
    return text.split('data-testid="new-secret"')[0].rsplit('value="', 1)[1].split('"')[0]


def _submit_a_plan(client, shop) -> int:
    headers = bearer(shop.dealer_token)
    created = client.post("/api/v1/plans", json=plan_body(shop), headers=headers)
    submitted = client.post(
        f"{created.headers['Location']}/submit",
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert submitted.status_code == 200
    return created.get_json()["id"]


def run_jobs(app) -> None:
    """Run the queued jobs here; the test's session first lets go of SQLite's write lock."""
    db.session.commit()
    drain(app)


def _verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """As a receiver checks: the HMAC of "<t>." + body, and a timestamp of now (no replay)."""
    stamp, signature = (part.split("=", 1)[1] for part in headers["X-Portal-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs(clock.now().timestamp() - int(stamp)) < 300
    return fresh and hmac.compare_digest(expected, signature)


def test_an_event_is_received_exactly_once_after_a_failure_and_a_retry(app, client, auth, shop):
    with Receiver([500]) as receiver:
        secret = _register(client, auth, receiver.url + "/hook")
        plan_id = _submit_a_plan(client, shop)
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert delivery.state == DeliveryState.PENDING  # queued by the commit, sent by a job

        run_jobs(app)
        run_jobs(app)  # nothing left to send: a second run changes nothing

    db.session.expire_all()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.attempts == 2
    assert delivery.last_status == 200
    assert len(receiver.received) == 2  # the failed try, then the delivery
    path, headers, body = receiver.received[-1]
    assert path == "/hook"
    assert _verified(secret, headers, body)
    assert not _verified("whsec_wrong", headers, body)
    event = json.loads(body)
    assert event["event"] == "plan.submitted"
    assert event["object"] == {"type": "sales_plan", "id": plan_id}
    assert headers["X-Portal-Delivery"] == event["id"]
    assert receiver.received[0][2] == body  # the retry sent the same event
    assert _verified(secret, receiver.received[0][1], body)
    assert not _verified(secret, headers, body + b" ")  # the body is signed
    stale = headers["X-Portal-Signature"].split(",", 1)[1]
    replayed = f"t={int(clock.now().timestamp()) - 3600},{stale}"
    assert not _verified(secret, {"X-Portal-Signature": replayed}, body)  # so is the time


def test_a_redirect_is_not_followed(app, client, auth, shop):
    with Receiver([302, 302, 302, 302, 302, 302, 302, 302], location="/elsewhere") as receiver:
        _register(client, auth, receiver.url + "/hook")
        _submit_a_plan(client, shop)
        run_jobs(app)

    assert receiver.received
    assert {path for path, _headers, _body in receiver.received} == {"/hook"}
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state != DeliveryState.DELIVERED
    assert delivery.last_status == 302


def test_a_host_found_private_when_sending_gets_nothing(app, client, auth, shop):
    """The address is checked again at each try (DNS may have changed since registration)."""
    with Receiver([]) as receiver:
        _register(client, auth, receiver.url + "/hook")
        app.config["WEBHOOK_ALLOW_PRIVATE"] = False
        _submit_a_plan(client, shop)
        run_jobs(app)

    assert receiver.received == []
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state != DeliveryState.DELIVERED
    assert delivery.last_status is None
    assert "private" in delivery.last_error


def test_an_event_that_rolls_back_sends_nothing(app, client, auth, shop):
    with Receiver([]) as receiver:
        _register(client, auth, receiver.url + "/hook")
        refused = client.post(
            "/api/v1/plans", json=plan_body(shop, "1.234"), headers=bearer(shop.dealer_token)
        )
        assert refused.status_code == 422
        run_jobs(app)

    assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert receiver.received == []


REFUSED_URLS = [
    "http://example.com/hook",  # plain http
    "https://127.0.0.1/hook",  # loopback
    "https://localhost/hook",
    "https://10.1.2.3/hook",  # private
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest",  # link-local (cloud metadata)
    "https://[::1]/hook",
    "https://user:pass@example.com/hook",
    "https://[::ffff:127.0.0.1]/hook",  # loopback written as IPv6
    "https://[fd00::1]/hook",  # IPv6 unique local
    "https://[fe80::1]/hook",  # IPv6 link-local
    "https://0.0.0.0/hook",
    "https://100.64.0.1/hook",  # shared address space (carrier NAT)
    "https://2130706433/hook",  # 127.0.0.1 as one number
    "ftp://example.com/hook",
    "javascript:alert(1)",
]


def test_only_https_to_public_hosts_can_be_registered(app, client, auth):
    app.config.update(WEBHOOK_ALLOW_PRIVATE=False, WEBHOOK_ALLOW_HTTP=False)
    auth.sign_in(make_user(Role.ADMIN))

    for url in REFUSED_URLS:
        page = client.post("/admin/webhooks", data={"url": url, "events": ["plan.submitted"]})

        assert page.status_code == 422, url
        assert db.session.scalars(select(Webhook)).all() == [], url


def test_only_admins_manage_webhooks(app, client, auth):
    auth.sign_in(make_user(Role.SUPERVISOR))

    assert client.get("/admin/webhooks").status_code == 403
