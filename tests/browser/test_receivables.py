"""The issue's "done when" for receivables: an invoices CSV with one bad row saves nothing and
names the row; an overdue invoice produces a collection task for the supervisor, who logs a
call with a promise to pay; the promise broken, the hourly run escalates it to the admins."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import CollectionTask, Invoice, Notification
from portal.receivables import collections
from tests.browser.conftest import signed_in_page
from tests.support.world import build_world

pytestmark = pytest.mark.browser
HEADER = "dealer_code,number,issued_on,due_on,amount,currency,paid_amount,paid_on"


@pytest.fixture
def world(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    world = build_world()
    values = SimpleNamespace(
        supervisor=world.people["supervisor_a"].email,
        admin=world.people["admin"].email,
        admin_id=world.people["admin"].id,
    )
    db.session.commit()
    return values


def _csv(*rows: str) -> dict:
    text = "\n".join((HEADER, *rows)) + "\n"
    return {"name": "invoices.csv", "mimeType": "text/csv", "buffer": text.encode()}


def _count(query) -> int:
    value = db.session.scalar(query)
    db.session.rollback()  # hold no transaction while the server writes
    return value


def test_bad_csv_saves_nothing_then_a_broken_promise_escalates(app, browser, live_server, world):
    today = clock.today()
    due = (today - timedelta(days=10)).isoformat()
    issued = (today - timedelta(days=40)).isoformat()
    page = signed_in_page(browser, live_server, world.supervisor, width=1280, height=900)
    page.goto(f"{live_server}/receivables/")
    page.get_by_test_id("import-invoices").click()
    page.locator("input[name=file]").set_input_files(
        _csv(f"DX,INV-100,{issued},{due},1000.00,CNY,0,", f"DX,INV-101,{issued},{due},12x,CNY,0,")
    )
    page.get_by_role("button", name="Import").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Nothing was saved")
    expect(errors.locator("tr", has_text="amount")).to_contain_text("3")
    assert _count(select(func.count()).select_from(Invoice)) == 0

    page.locator("input[name=file]").set_input_files(
        _csv(f"DX,INV-100,{issued},{due},1000.00,CNY,0,", f"DX,INV-101,{today},,250,CNY,0,")
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".alert-success")).to_contain_text("2 added")

    collections.run(app)  # the hourly run: the overdue invoice becomes a task
    page.goto(f"{live_server}/receivables/collections/")
    page.get_by_role("link", name="INV-100").click()
    page.select_option("#kind", "call")
    page.fill("#contacted_on", (today - timedelta(days=5)).isoformat())
    page.fill("#promise_on", (today - timedelta(days=1)).isoformat())
    page.fill("#note", "The owner will transfer on Monday")
    page.get_by_role("button", name="Log the contact").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("contacts")).to_contain_text("The owner will transfer on Monday")
    task_url = page.url

    collections.run(app)  # the promised day has passed with the invoice open
    assert (
        _count(
            select(func.count()).where(
                Notification.user_id == world.admin_id, Notification.kind == "collection.broken"
            )
        )
        == 1
    )
    admin = signed_in_page(browser, live_server, world.admin, width=1280, height=900)
    admin.goto(task_url)
    expect(admin.get_by_test_id("escalated")).to_be_visible()
    assert _count(select(func.count()).select_from(CollectionTask)) == 1  # INV-101 is not due
