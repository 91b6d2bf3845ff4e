"""Issue 5 done-when: a promotion from publication to execution proof and a material change."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal import clock
from tests.support.browser import sign_out

pytestmark = pytest.mark.browser


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "display.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_promotion_published_acknowledged_executed_and_changed(
    demo, page, live_server, sign_in, photo
):
    today = clock.today()
    page.on("dialog", lambda dialog: dialog.accept())

    # The North supervisor writes a promotion for North and publishes it.
    sign_in("north.supervisor@demo.example")
    page.goto(f"{live_server}/notices/")
    page.get_by_test_id("new-promotion").click()
    page.fill("#title", "Autumn trail promotion")
    page.fill("#body", "Put the **trail display** at the entrance.")
    page.get_by_test_id("audience-regions").check()
    page.get_by_test_id("region-North").check()
    page.fill("#promotion_start", today.isoformat())
    page.fill("#promotion_end", (today + timedelta(days=30)).isoformat())
    page.fill("#execution_deadline", (today + timedelta(days=7)).isoformat())
    page.get_by_test_id("save-notice").click()
    expect(page.get_by_test_id("notice-title")).to_have_text("Autumn trail promotion")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("version-badge")).to_have_text("Version 1")
    notice_url = page.url

    # A North dealer sees the badge, acknowledges and confirms a store with a photo.
    sign_out(page)
    sign_in("n02@demo.example")
    expect(page.get_by_test_id("notices-badge")).to_be_visible()
    page.get_by_test_id("notices-link").click()
    page.get_by_role("button", name="Autumn trail promotion").click()
    expect(page.get_by_test_id("notice-body")).to_contain_text("trail display")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("acknowledgement")).to_contain_text("Version 1 acknowledged")
    store = page.get_by_test_id("store-N02-01")
    store.locator("input[type=file]").set_input_files(str(photo))
    store.get_by_test_id("confirm-execution").click()
    store = page.get_by_test_id("store-N02-01")
    expect(store).to_contain_text("Executed")
    expect(store.get_by_test_id("execution-photo")).to_be_visible()

    # A dealer in another region cannot open it.
    sign_out(page)
    sign_in("e01@demo.example")
    response = page.goto(notice_url)
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text("Autumn trail promotion")

    # The supervisor makes a material change ...
    sign_out(page)
    sign_in("north.supervisor@demo.example")
    page.goto(notice_url)
    expect(page.get_by_test_id("ack-count")).to_contain_text("1")
    page.get_by_test_id("edit-notice").click()
    page.get_by_test_id("change-material").check()
    page.fill("#change_note", "The display goes by the window instead.")
    page.fill("#body", "Put the **trail display** by the window.")
    page.get_by_test_id("save-notice").click()
    expect(page.get_by_test_id("version-badge")).to_have_text("Version 2")

    # ... and the dealer must acknowledge again.
    sign_out(page)
    sign_in("n02@demo.example")
    page.goto(notice_url)
    expect(page.get_by_test_id("change-note")).to_contain_text("by the window instead")
    expect(page.get_by_test_id("acknowledge")).to_contain_text("version 2")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("acknowledgement")).to_contain_text("Version 2 acknowledged")
