"""The issue's "done when": plan and report submitted, returned, corrected, approved, shown."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.conftest import signed_in_page
from tests.support import uploads
from tests.support.plans import make_world, this_month

pytestmark = pytest.mark.browser

LAST = this_month(-1)


@pytest.fixture
def world(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    world = make_world()
    values = SimpleNamespace(
        s1=world.stores_x[0].id,
        s2=world.stores_x[1].id,
        ftw=world.lines[0].id,
        app_line=world.lines[1].id,
        dealer_id=world.dealer_x.id,
        dealer_code=world.dealer_x.code,
        dealer=world.user_x.email,
        supervisor=world.supervisor_a.email,
    )
    db.session.commit()
    return values


def _as(browser, live_server, email):
    return signed_in_page(browser, live_server, email, width=1024, height=768)


def test_plan_and_report_go_through_review_and_show_in_plan_vs_actual(
    browser, live_server, world, tmp_path
):
    s1, s2, ftw, app_line = world.s1, world.s2, world.ftw, world.app_line
    photo = tmp_path / "shopfront.jpg"
    photo.write_bytes(uploads.jpeg(320, 240))

    # The dealer fills the grid (totals follow the typing) and submits the plan.
    page = _as(browser, live_server, world.dealer)
    page.get_by_test_id("nav-plans").click()
    page.goto(f"{live_server}/plans/new?period={LAST}")
    page.fill(f"#revenue-{s1}-{ftw}", "10000")
    page.fill(f"#units-{s1}-{ftw}", "10")
    page.fill(f"#revenue-{s2}-{app_line}", "5,000")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    expect(page.get_by_test_id("grand-total")).to_contain_text("15,000.00")
    page.get_by_test_id("submit-plan").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Submitted")
    plan_url = page.url

    # The dealer writes the store report with a photo and submits it.
    page.goto(f"{live_server}/reports/new?store={s1}&period={LAST}")
    page.fill(f"#revenue_{ftw}", "12000")
    page.fill(f"#units_{ftw}", "12")
    page.fill("#footfall", "3400")
    page.fill("#competitors-0-competitor", "Anta")
    page.select_option("#competitors-0-kind", "promotion")
    page.set_input_files("input[name=files]", str(photo))
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("report-status")).to_contain_text("Submitted")
    expect(page.locator("[data-testid=attachments] img")).to_have_count(1)

    # The supervisor returns the plan with a comment.
    page = _as(browser, live_server, world.supervisor)
    page.get_by_test_id("nav-review").click()
    page.get_by_role("link", name="Review").last.click()
    page.fill("#comment", "Apparel looks low; raise Store 2.")
    page.get_by_test_id("return-plan").click()
    expect(page.get_by_test_id("review-queue")).to_contain_text("No plans are waiting")

    # The dealer sees it in the inbox, corrects the figure and resubmits.
    page = _as(browser, live_server, world.dealer)
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.get_by_test_id("inbox-link").click()
    expect(page.get_by_test_id("notification").first).to_contain_text("was returned")
    page.goto(plan_url)
    expect(page.get_by_test_id("timeline")).to_contain_text("Apparel looks low")
    page.get_by_test_id("edit-plan").click()
    page.fill(f"#revenue-{s2}-{app_line}", "6000")
    page.get_by_test_id("submit-plan").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Submitted")

    # The supervisor approves; plan vs actual shows the figures.
    page = _as(browser, live_server, world.supervisor)
    page.goto(plan_url)
    page.get_by_test_id("approve-plan").click()
    page.goto(f"{live_server}/plans/performance?period={LAST}")
    row = page.locator(f"tr[data-dealer='{world.dealer_code}']")
    expect(row).to_contain_text("16,000")
    expect(row).to_contain_text("12,000")
    expect(row).to_contain_text("75.0")
    page.goto(f"{live_server}/dealers/{world.dealer_id}")
    expect(page.get_by_test_id("plan-actual-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("monthly-table")).to_contain_text("16,000")
