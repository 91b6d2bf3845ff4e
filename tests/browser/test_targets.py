"""The issue's "done when": head office sets a region's annual target; the supervisor accepts
the suggested allocation after changing two dealers and explaining the difference; a dealer
plans below its allocation and must give a reason; the supervisor submits a forecast; head
office sees target, allocation, plan, forecast and actual side by side, and they reconcile."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from portal import clock, periods
from portal.extensions import db
from portal.models import SalesPlan
from tests.browser.conftest import signed_in_page
from tests.targets.conftest import build_network

pytestmark = pytest.mark.browser
INVALID = re.compile(r"\bis-invalid\b")


@pytest.fixture
def people(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    net = build_network()
    dealer = net.dealers[0]
    values = SimpleNamespace(
        admin=net.admin.email,
        supervisor=net.supervisor_a.email,
        dealer=net.users[dealer.id].email,
        region_id=net.region_a.id,
        dealer_ids=[d.id for d in net.dealers],
        store_id=net.stores[dealer.id][0].id,
        line_id=net.lines[0].id,
        other_line_id=net.lines[1].id,
    )
    db.session.commit()
    return values


def test_target_to_forecast_journey(app, browser, live_server, people):
    period = periods.shift(periods.of(clock.today()), 1)  # the month the dealer plans
    year = int(period[:4])
    admin = signed_in_page(browser, live_server, people.admin, width=1280, height=900)
    admin.goto(f"{live_server}/targets/regions/{people.region_id}/target")
    admin.fill("#year", str(year))
    admin.select_option("#product_line_id", str(people.line_id))
    admin.fill("#revenue", "1,200,000")
    admin.fill("#units", "12000")
    admin.fill("#reason", "Budget of the year")
    admin.locator("[data-testid=target-form] button[type=submit]").click()
    expect(admin.locator(".alert-success")).to_be_visible()

    supervisor = signed_in_page(browser, live_server, people.supervisor, width=1280, height=900)
    supervisor.goto(f"{live_server}/targets/regions/{people.region_id}?period={period}")
    supervisor.get_by_test_id("start-allocation").click()
    first, second = people.dealer_ids[1], people.dealer_ids[2]
    for dealer_id, value in ((first, "5000"), (second, "6000")):
        supervisor.fill(f"input[name=revenue-{dealer_id}-{year}-01]", value)
    supervisor.get_by_test_id("submit-allocation").click()
    expect(supervisor.locator("#explanation")).to_have_class(INVALID)  # it needs words
    expect(supervisor.get_by_test_id("allocation-status")).to_have_text("Draft")
    for dealer_id, value in ((first, "5000"), (second, "6000")):
        supervisor.fill(f"input[name=revenue-{dealer_id}-{year}-01]", value)
    supervisor.fill("#explanation", "Two dealers refit their stores in January")
    supervisor.get_by_test_id("submit-allocation").click()
    expect(supervisor.get_by_test_id("allocation-status")).to_have_text("Submitted")
    expect(supervisor.get_by_test_id("differences")).to_be_visible()

    admin.goto(f"{live_server}/targets/allocations/review")
    admin.locator("[data-testid=allocation-queue] a").first.click()
    admin.get_by_test_id("approve-allocation").click()
    expect(admin.locator(".alert-success")).to_be_visible()

    dealer = signed_in_page(browser, live_server, people.dealer, width=1280, height=900)
    dealer.goto(f"{live_server}/plans/new?period={period}")
    expect(dealer.get_by_test_id("allocated-target")).to_be_visible()
    dealer.fill(f"#revenue-{people.store_id}-{people.line_id}", "10")
    dealer.fill(f"#units-{people.store_id}-{people.line_id}", "1")
    dealer.get_by_test_id("submit-plan").click()
    expect(dealer.locator("#below_target_reason")).to_have_class(INVALID)
    dealer.fill("#below_target_reason", "Our store is closed for a refit")
    dealer.get_by_test_id("submit-plan").click()
    expect(dealer.locator(".alert-success")).to_be_visible()
    plan_id = db.session.scalar(db.select(SalesPlan.id))
    db.session.rollback()

    supervisor.goto(f"{live_server}/plans/{plan_id}")
    expect(supervisor.get_by_test_id("below-target-reason")).to_contain_text("refit")
    supervisor.get_by_test_id("approve-plan").click()
    expect(supervisor.locator(".alert-success")).to_be_visible()

    supervisor.goto(f"{live_server}/targets/regions/{people.region_id}")
    supervisor.get_by_test_id("start-forecast").click()
    supervisor.get_by_test_id("submit-forecast").click()
    expect(supervisor.get_by_test_id("forecast-status")).to_have_text("Submitted")

    admin.goto(f"{live_server}/targets/?period={period}")
    row = admin.locator("[data-testid=targets-year] tr[data-region=TA]")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "1,200,000"  # target
    assert cells[2] != cells[1]  # allocated: the explained difference
    assert cells[3] == "10"  # the dealer's approved plan
    footer = admin.locator("[data-testid=targets-year] tfoot td").all_inner_texts()
    # The network is this one region: its seven figures reconcile with the region's.
    assert footer[1:8] == cells[1:8]
    expect(admin.locator("svg").first).to_be_visible()
