"""The plan grid as a spreadsheet: keys move, Enter never saves, bad figures stay out of totals,
and figures posted after the session ended come back after signing in again."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from portal.extensions import db
from portal.models import UserSession
from portal.models.base import utcnow
from tests.support.factories import PASSWORD
from tests.support.plans import make_world, this_month

pytestmark = pytest.mark.browser

LAST = this_month(-1)


@pytest.fixture
def world(app):
    world = make_world()
    values = SimpleNamespace(dealer=world.user_x.email)
    db.session.commit()
    return values


def _grid_page(browser, live_server, email):
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/plans/new?period={LAST}")
    return page


def _rows(page):
    """Input ids as laid out: per store a revenue row then a units row."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('table[data-plan-grid] tbody tr'))
             .flatMap(tr => ['revenue', 'units'].map(kind =>
               Array.from(tr.querySelectorAll('input[data-kind=' + kind + ']')).map(i => i.id)))"""
    )


def _focused(page):
    return page.evaluate("() => document.activeElement.id")


def test_arrows_and_enter_move_between_cells_and_never_submit(browser, live_server, world):
    page = _grid_page(browser, live_server, world.dealer)
    rows = _rows(page)
    assert len(rows) == 4
    assert len(rows[0]) == 2

    page.click(f"#{rows[0][0]}")
    page.keyboard.type("100")
    page.keyboard.press("Enter")  # moves down (to the units under it), saves nothing
    assert _focused(page) == rows[1][0]
    assert "/plans/new" in page.url
    page.keyboard.press("Enter")
    assert _focused(page) == rows[2][0]
    page.keyboard.press("Shift+Enter")
    assert _focused(page) == rows[1][0]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _focused(page) == rows[3][0]
    page.keyboard.press("ArrowUp")
    assert _focused(page) == rows[2][0]

    # Left/Right move only when the caret is at the edge of the text.
    page.keyboard.type("25")
    page.keyboard.press("ArrowLeft")  # caret inside "25": stays
    assert _focused(page) == rows[2][0]
    page.keyboard.press("ArrowRight")  # caret back at the end of the text: stays
    assert _focused(page) == rows[2][0]
    page.keyboard.press("ArrowRight")  # caret at the end: next column
    assert _focused(page) == rows[2][1]
    page.keyboard.press("ArrowLeft")  # the moved-to cell is empty: caret at start
    assert _focused(page) == rows[2][0]
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # at the bottom: stays, still no submit
    assert _focused(page) == rows[3][0]

    page.wait_for_timeout(300)  # give a (wrong) submit the chance to navigate
    assert "/plans/new" in page.url
    expect(page.get_by_test_id("grand-total")).to_contain_text("125.00")


def test_totals_leave_out_figures_that_would_be_refused(browser, live_server, world):
    page = _grid_page(browser, live_server, world.dealer)
    rows = _rows(page)
    page.fill(f"#{rows[0][0]}", "30,000")
    page.fill(f"#{rows[0][1]}", "100000000000000000000")  # above the maximum
    page.fill(f"#{rows[2][0]}", "12abc")  # not a figure
    page.fill(f"#{rows[1][0]}", "2.5")  # units must be whole
    page.fill(f"#{rows[3][0]}", "7")

    grand = page.get_by_test_id("grand-total")
    expect(grand).to_contain_text("30,000.00")
    expect(grand).not_to_contain_text("100,000")
    expect(grand).to_contain_text("7 units")
    for bad in (rows[0][1], rows[2][0], rows[1][0]):
        expect(page.locator(f"#{bad}")).to_have_attribute("aria-invalid", "true")
    for good in (rows[0][0], rows[3][0]):
        expect(page.locator(f"#{good}")).not_to_have_attribute("aria-invalid", "true")

    page.fill(f"#{rows[0][1]}", "500")  # corrected: counted again, no longer marked
    expect(grand).to_contain_text("30,500.00")
    expect(page.locator(f"#{rows[0][1]}")).not_to_have_attribute("aria-invalid", "true")


def test_figures_saved_after_the_session_ended_come_back_after_signing_in(
    browser, live_server, world
):
    page = _grid_page(browser, live_server, world.dealer)
    rows = _rows(page)
    page.fill(f"#{rows[0][0]}", "4,000")
    page.fill(f"#{rows[3][1]}", "9")

    # Thirty idle minutes later the session has ended on the server.
    db.session.execute(
        update(UserSession).values(last_seen_at=utcnow() - app_idle_timeout(page) * 2)
    )
    db.session.commit()
    page.get_by_test_id("save-plan").click()
    page.wait_for_url("**/sign-in**")
    expect(page.locator("main")).to_contain_text("Your session has ended")

    page.fill("input[name=email]", world.dealer)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/plans/new?period={LAST}")
    expect(page.get_by_test_id("grid-restored")).to_contain_text("Restored 2 unsaved entries")
    expect(page.locator(f"#{rows[0][0]}")).to_have_value("4,000")
    expect(page.locator(f"#{rows[3][1]}")).to_have_value("9")
    expect(page.get_by_test_id("grand-total")).to_contain_text("4,000.00")


def app_idle_timeout(_page):
    from flask import current_app

    return current_app.config["SESSION_IDLE_TIMEOUT"]
