"""Two minutes before the session ends a warning offers to stay signed in."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from tests.support.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_the_warning_comes_two_minutes_before_the_end_and_stay_signed_in_works(
    app, page, live_server
):
    email = make_user(Role.DEALER).email
    db.session.commit()
    page.clock.install()  # the page's own clock, moved forward below
    page.goto(f"{live_server}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/home")
    warning = page.get_by_test_id("session-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("27:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:30")  # 28:30 idle: less than 2 minutes left
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Your session will end in 2 minutes")

    page.get_by_test_id("stay-signed-in").click()  # POSTs to the keep-alive endpoint
    expect(warning).to_be_hidden()

    page.clock.fast_forward("31:00")  # nobody answered this time: the session ended
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Your session has ended")
    expect(warning.get_by_test_id("stay-signed-in")).to_be_hidden()
    expect(warning.get_by_role("link", name="Sign in (opens a new tab)")).to_have_attribute(
        "target", "_blank"
    )
