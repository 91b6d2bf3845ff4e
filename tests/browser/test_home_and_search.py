"""Each demo role's home page shows its day's work; the navigation's search finds a store."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_dealer_home_shows_due_work_attainment_and_audits(demo, page, sign_in):
    sign_in("n01@demo.example")

    main = page.locator("main")
    expect(main.get_by_test_id("due-now")).to_contain_text("2")  # periods are shown
    expect(main.get_by_test_id("dealer-todo")).to_be_visible()
    expect(main.get_by_test_id("todo-acknowledge")).to_be_visible()
    expect(main.get_by_test_id("todo-executions")).to_be_visible()
    expect(main.get_by_test_id("attainment-ytd")).to_contain_text("%")
    expect(main.get_by_test_id("plan-chart").locator("svg")).to_be_visible()
    expect(main.get_by_test_id("latest-audits")).to_contain_text("N01-01")


def test_supervisor_home_ranks_dealers_needing_a_visit(demo, page, sign_in):
    sign_in("north.supervisor@demo.example")

    main = page.locator("main")
    visits = main.get_by_test_id("visit-row")
    expect(visits).to_have_count(4)  # North's four trading dealers
    expect(main.get_by_test_id("needing-visit")).not_to_contain_text("S01")
    expect(main.get_by_test_id("health-weights")).to_contain_text("Plan attainment 25")
    expect(main.get_by_test_id("health-weights")).to_contain_text("per complaint late")
    expect(main.get_by_test_id("dealer-table").locator("tbody tr")).to_have_count(4)
    expect(main.get_by_test_id("score-trend").locator("svg")).to_be_visible()

    visits.first.get_by_test_id("schedule-visit").click()
    page.wait_for_url("**/audits/schedule?store=*")
    expect(page.locator("select[name=store_id] option:checked")).to_contain_text("N0")


def test_admin_home_compares_the_regions(demo, page, sign_in):
    sign_in("admin@demo.example")

    main = page.locator("main")
    columns = main.get_by_test_id("region-column")
    expect(columns).to_have_count(3)
    expect(columns).to_have_text(["East", "North", "South"])
    expect(main.get_by_test_id("row-attainment")).to_contain_text("%")
    expect(main.get_by_test_id("visit-row")).to_have_count(10)
    expect(main.get_by_test_id("regions-csv")).to_have_attribute("href", "/home/regions.csv")


def test_search_in_the_navigation_finds_a_store_by_city(demo, page, sign_in):
    sign_in("south.supervisor@demo.example")

    page.get_by_test_id("nav-search").fill("Shenzhen")
    page.get_by_test_id("nav-search").press("Enter")

    page.wait_for_url("**/search?q=Shenzhen")
    stores = page.get_by_test_id("results-stores")
    expect(stores).to_contain_text("Coastal City")
    expect(stores).to_contain_text("S02")
    stores.get_by_role("link", name="Coastal City").click()
    expect(page.locator("main h1")).to_contain_text("Coastal City")
