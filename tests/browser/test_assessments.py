"""The issue's "done when": a supervisor assesses a dealer on the UI and sees the grade; the
dealer sees its final assessment; another dealer cannot open it."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.conftest import signed_in_page
from tests.support.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    world = build_world()
    values = SimpleNamespace(
        dealer_id=world.dealer_x.id,
        supervisor=world.people["supervisor_a"].email,
        dealer=world.people["dealer_x"].email,
        other_dealer=world.people["dealer_y"].email,
    )
    db.session.commit()
    return values


def _as(browser, live_server, email):
    return signed_in_page(browser, live_server, email, width=390, height=844)


def test_supervisor_assesses_a_dealer_and_the_dealer_sees_the_grade(browser, live_server, world):
    page = _as(browser, live_server, world.supervisor)
    page.goto(f"{live_server}/dealers/{world.dealer_id}")
    page.get_by_test_id("assess-dealer").click()
    expect(page.get_by_test_id("metric-timeliness")).to_be_visible()
    page.select_option("#rating_market_development", "5")
    page.select_option("#rating_team_service", "4")
    page.fill("#comment_team_service", "Friendly, well-trained staff")
    page.fill("#comment", "Strong quarter")
    page.get_by_test_id("save-assessment").click()  # a draft first
    expect(page.locator(".alert-success")).to_contain_text("draft")
    page.get_by_test_id("edit-assessment").click()
    page.select_option("#rating_cooperation", "3")
    page.check("#confirm")
    page.get_by_test_id("save-and-finalise").click()
    expect(page.locator(".alert-success")).to_contain_text("final")
    grade = page.get_by_test_id("grade").first
    expect(grade).to_contain_text("Grade")
    assert "provisional" not in grade.inner_text()
    expect(page.get_by_test_id("rating-team_service")).to_contain_text("Friendly")
    expect(page.get_by_test_id("assessment-metrics")).to_contain_text("Share of score")
    url = page.url
    grade_text = grade.inner_text()

    dealer = _as(browser, live_server, world.dealer)
    dealer.click(".navbar-toggler")  # a phone-sized window: the menu is folded
    dealer.get_by_test_id("nav-assessments").click()
    dealer.get_by_role("link", name="20").first.click()  # the period, e.g. 2026-Q3
    expect(dealer.get_by_test_id("grade").first).to_have_text(grade_text)
    expect(dealer.get_by_test_id("overall-comment")).to_have_text("Strong quarter")
    assert dealer.get_by_test_id("finalise-assessment").count() == 0

    other = _as(browser, live_server, world.other_dealer)
    response = other.goto(url)
    assert response.status == 404
    other.goto(f"{live_server}/assessments/")
    expect(other.locator("main")).not_to_contain_text("Strong quarter")
    assert other.get_by_test_id("grade").count() == 0
