"""Foundation journeys in Chromium: scope holds in the browser; the language switch works."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CHINESE_NAVIGATION = ["首页", "经销商", "门店", "区域", "收件箱", "退出登录"]


def test_supervisor_cannot_open_another_regions_dealer(demo, page, sign_in, live_server):
    sign_in("north.supervisor@demo.example")
    own, other = demo.dealers["N02"], demo.dealers["S02"]

    mine = page.goto(f"{live_server}/dealers/{own.id}")
    assert mine.status == 200
    expect(page.locator("h1")).to_contain_text(own.name)

    response = page.goto(f"{live_server}/dealers/{other.id}")

    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.get_by_test_id("request-id")).to_have_text(re.compile(r"^[0-9a-f]{16}$"))
    expect(page.locator("body")).not_to_contain_text(other.name)


def test_language_switch_shows_chinese_navigation(demo, page, sign_in, live_server):
    sign_in("north.supervisor@demo.example")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation).to_contain_text("Dealers")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("locale-select").select_option("zh_Hans")  # submits by itself
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    navigation = page.locator("nav.navbar")
    for text in CHINESE_NAVIGATION:
        expect(navigation).to_contain_text(text)
    expect(navigation).not_to_contain_text("Dealers")

    page.goto(f"{live_server}/stores/")  # the choice stays on the next page
    expect(page.locator("nav.navbar")).to_contain_text("门店")
