"""The issue's "done when": a dealer records a complaint at 17:30 on a Friday in a region open
9:00-18:00 Monday to Friday; its forwarding deadline shows Monday 10:30; the supervisor is
told once when it passes; forwarding, resolving and closing update the home page figures."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.complaints import escalation, services
from portal.extensions import db
from portal.models import Notification
from tests.browser.conftest import signed_in_page
from tests.support.world import build_world

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the regions' time zone (the default)
FRIDAY_1730 = datetime(2099, 11, 13, 17, 30, tzinfo=SHANGHAI)
MONDAY_1031 = datetime(2099, 11, 16, 10, 31, tzinfo=SHANGHAI)


@pytest.fixture
def app_config() -> dict:
    # The journey spans a weekend: sessions must outlive it.
    return {"SESSION_IDLE_TIMEOUT": 30 * 24 * 3600, "SESSION_ABSOLUTE_TIMEOUT": 30 * 24 * 3600}


@pytest.fixture
def world(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    world = build_world()
    services.ensure_default_categories()
    values = SimpleNamespace(
        supervisor=world.people["supervisor_a"],
        dealer=world.people["dealer_x"].email,
        supervisor_email=world.people["supervisor_a"].email,
        other_supervisor=world.people["supervisor_b"],
    )
    db.session.commit()
    return values


def _as(browser, live_server, email):
    return signed_in_page(browser, live_server, email, width=1280, height=900)


def _notices(user, kind: str) -> int:
    count = db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.kind == kind)
    )
    db.session.rollback()  # hold no transaction while the server writes
    return count


def _step(page, action: str, **fields: str) -> None:
    form = page.locator(f"form[data-step={action}]")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    # Wait for the answer's page: the success alert alone could be the last step's, and
    # the next click would then post while this step's redirect is still on its way.
    with page.expect_navigation():
        page.get_by_test_id(f"step-{action}").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_friday_evening_complaint_is_due_monday_escalated_once_and_closed(
    app, browser, live_server, world
):
    with time_machine.travel(FRIDAY_1730, tick=True):
        dealer = _as(browser, live_server, world.dealer)
        dealer.goto(f"{live_server}/complaints/new")
        dealer.select_option("#category_id", label="Product quality")
        dealer.select_option("#channel", "phone")
        dealer.fill("#customer_name", "Li Lei")
        dealer.fill("#customer_phone", "138 0000 0000")
        dealer.fill("#description", "The kettle bought last week leaks at the base.")
        dealer.get_by_test_id("record").click()
        expect(dealer.locator(".alert-success")).to_contain_text("recorded")
        complaint_url = dealer.url
        expect(dealer.locator("[data-target=forward]")).to_contain_text("2099-11-16 10:30")
        # Three business days to resolve: Wednesday, at the same point of the day.
        expect(dealer.locator("[data-target=resolve]")).to_contain_text("2099-11-18 17:30")

    with time_machine.travel(MONDAY_1031, tick=True):
        # The queue's periodic run, twice (two workers, or the next tick): one escalation.
        escalation.run(app)
        escalation.run(app)
        assert _notices(world.supervisor, "complaint.forward_late") == 1
        assert _notices(world.other_supervisor, "complaint.forward_late") == 0

        supervisor = _as(browser, live_server, world.supervisor_email)
        supervisor.goto(f"{live_server}/inbox/")
        expect(supervisor.locator("main")).to_contain_text("was not forwarded to after-sales")
        supervisor.goto(f"{live_server}/home")
        expect(supervisor.get_by_test_id("complaints-open")).to_have_text("1")
        expect(supervisor.get_by_test_id("complaints-overdue-forward")).to_have_text("1")

        dealer.goto(complaint_url)
        expect(dealer.get_by_test_id("alerts")).to_contain_text("Escalated to the supervisors")
        _step(dealer, "forward", comment="Sent to the after-sales desk")
        _step(dealer, "start")
        _step(dealer, "resolve", remedy="replacement", comment="Replaced the kettle")
        expect(dealer.get_by_test_id("complaint-status")).to_contain_text("Resolved")

        supervisor.goto(f"{live_server}/home")
        expect(supervisor.get_by_test_id("complaints-overdue-forward")).to_have_text("0")
        # Forwarded, but late: none of this month's complaints reached after-sales in time.
        expect(supervisor.get_by_test_id("complaints-month-forwarded")).to_have_text("0.0\u00a0%")
        supervisor.goto(complaint_url)
        _step(supervisor, "close", comment="Customer confirmed")
        expect(supervisor.get_by_test_id("complaint-status")).to_contain_text("Closed")
        supervisor.goto(f"{live_server}/home")
        expect(supervisor.get_by_test_id("complaints-open")).to_have_text("0")
        expect(supervisor.get_by_test_id("complaints-month-total")).to_have_text("1")
        # Later runs send nothing more: the complaint is closed.
        escalation.run(app)
        assert _notices(world.supervisor, "complaint.forward_late") == 1
