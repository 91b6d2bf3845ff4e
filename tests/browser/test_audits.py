"""On a phone: conduct an audit (critical failure, photo, reload mid-way), then close the loop."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import ActionStatus, AuditStatus, CorrectiveAction
from tests.support.audit_factories import make_audit, make_world
from tests.support.browser import sign_out
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def patient_expectations():
    """A loaded CI machine (two workers, Chromium, argon2, photo re-encoding) can be slow:
    wait longer than Playwright's default 5 s before calling an expectation failed."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True, "is_mobile": True}


def png(colour: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buffer, "PNG")
    return {"name": f"{colour}.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def item(page, code: str):
    return page.locator(f"[data-testid=answer-{code}]")


def answer(page, code: str, result: str) -> None:
    card = item(page, code)
    card.locator(f"[data-testid=choose-{result}]").click()
    expect(card.locator("[data-testid=save-state]")).to_have_text("Saved")


def test_supervisor_audits_on_a_phone_and_the_dealer_closes_the_loop(
    app, page, live_server, sign_in
):
    world = make_world()
    audit = make_audit(world.store, world.standard, world.supervisor)
    audit_id, critical_item_id = audit.id, world.version.items[1].id
    supervisor, dealer = world.supervisor.email, world.dealer_user.email
    # End the test's transaction: on SQLite an open one would hold the write lock the
    # live server needs. The database is only read again at the end.
    db.session.commit()
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in(supervisor, PASSWORD)
    page.goto(f"{live_server}/audits/{audit_id}")
    page.get_by_test_id("start-audit").click()
    expect(page.get_by_test_id("conduct")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    critical = item(page, "A-02")
    critical.locator("[data-testid=choose-fail]").click()
    critical.get_by_test_id("note").fill("Fire exit blocked by boxes")
    critical.get_by_test_id("photo-input").set_input_files(png("red"))
    expect(critical.locator("img.thumb")).to_have_count(1)
    expect(critical.get_by_test_id("save-state")).to_have_text("Saved")
    answer(page, "A-01", "pass")
    expect(page.get_by_test_id("progress")).to_have_text("2/4")

    page.reload()  # the connection dropped, the phone reloaded: nothing is lost
    critical = item(page, "A-02")
    expect(critical.locator(f"#r-{critical_item_id}-fail")).to_be_checked()
    expect(critical.get_by_test_id("note")).to_have_value("Fire exit blocked by boxes")
    expect(critical.locator("img.thumb")).to_have_count(1)
    expect(item(page, "A-01").locator("input[value=pass]")).to_be_checked()
    expect(page.get_by_test_id("progress")).to_have_text("2/4")

    answer(page, "B-01", "pass")
    answer(page, "B-02", "na")
    page.get_by_test_id("complete-audit").click()
    expect(page.get_by_test_id("audit-score")).to_contain_text("Failed")
    expect(page.get_by_test_id("audit-score")).to_contain_text("Critical item failed")

    sign_out(page)
    sign_in(dealer, PASSWORD)
    page.goto(f"{live_server}/actions/")
    page.get_by_role("link", name="Fire exits unobstructed").click()
    page.get_by_label("What was done").fill("Boxes moved to the stockroom")
    page.locator("input[name=photos]").set_input_files(png("green"))
    page.get_by_test_id("respond").click()
    expect(page.get_by_test_id("action-state")).to_contain_text("Responded")
    action_url = page.url
    expect(page.get_by_test_id("action-steps").locator("img.thumb")).to_have_count(1)

    sign_out(page)
    sign_in(supervisor, PASSWORD)
    page.goto(action_url)
    expect(page.get_by_test_id("action-steps")).to_contain_text("Boxes moved to the stockroom")
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("action-state")).to_contain_text("Verified")
    db.session.expire_all()
    assert audit.status == AuditStatus.COMPLETED
    assert audit.critical_failed
    assert not audit.passed
    action = db.session.scalar(db.select(CorrectiveAction))
    assert (action.critical, action.status) == (True, ActionStatus.VERIFIED)
    assert len(action.steps) == 2
