"""The issue's "done when": a prospect taken from lead to signed dealer with its stores created.

The region's supervisor records a lead in a blank market, contacts it, screens it (one
criterion with a document), records the site visit, drafts the proposal (two stores, a
first-year target, the contract) and sends it; head office approves it; the supervisor signs
it and lands on the new dealer's page with its stores and first-year targets, the
prospect's history one click away.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from portal.demo.prospects import screening_standard
from portal.extensions import db
from tests.browser.conftest import signed_in_page
from tests.browser.test_layout import _overflow
from tests.support.uploads import pdf
from tests.support.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    world = build_world()
    screening_standard(world.people["admin"])
    values = SimpleNamespace(
        admin=world.people["admin"].email,
        supervisor=world.people["supervisor_a"].email,
        region_id=world.region_a.id,
        line_label=world.line.label,
    )
    db.session.commit()
    return values


def _step(page, action: str, comment: str = "") -> None:
    if comment:
        page.fill("#step-comment", comment)
    page.get_by_test_id(f"step-{action}").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_a_prospect_goes_from_lead_to_signed_dealer_with_its_stores(
    app, browser, live_server, people, tmp_path
):
    supervisor = signed_in_page(browser, live_server, people.supervisor, width=1280, height=900)
    supervisor.goto(f"{live_server}/prospects/")
    supervisor.get_by_test_id("new-prospect").click()
    supervisor.select_option("#region_id", str(people.region_id))
    supervisor.fill("#name", "Harbour Sports Co")
    supervisor.select_option("#kind", "franchisee")
    supervisor.fill("#contact_person", "Hu Gang")
    supervisor.fill("#city", "Dalian")
    supervisor.get_by_test_id("save-prospect").click()
    expect(supervisor.get_by_test_id("prospect-status")).to_have_text("Lead")

    supervisor.goto(f"{live_server}/prospects/markets")
    expect(supervisor.locator("[data-city=Dalian]")).to_contain_text("Harbour Sports Co")
    supervisor.locator("[data-city=Dalian] a").click()

    _step(supervisor, "contact", "Met at the trade fair.")
    _step(supervisor, "screen")
    supervisor.get_by_test_id("screening-link").click()
    for card in supervisor.locator("fieldset[data-item]").all():
        card.locator("input[type=radio][value=pass]").check()
    letter = tmp_path / "bank-letter.pdf"
    letter.write_bytes(pdf())
    supervisor.locator("fieldset[data-item=CAP] input[type=file]").set_input_files(str(letter))
    supervisor.get_by_test_id("save-screening").click()
    expect(supervisor.get_by_test_id("screening-score")).to_contain_text("100.0")

    _step(supervisor, "visit", "Corner site on the main street; owner runs the shop.")
    supervisor.get_by_test_id("edit-proposal").click()
    supervisor.fill("#dealer_code", "HSC")
    supervisor.fill("#contract_start", "2100-01-01")
    supervisor.fill("#contract_end", "2105-01-01")
    supervisor.fill("#contract_terms", "Five years, renewable.")
    supervisor.fill("#stores-0-name", "Harbour Flagship")
    supervisor.select_option("#stores-0-format", "flagship")
    supervisor.select_option("#stores-0-status", "open")
    supervisor.fill("#stores-1-name", "Mall Counter")
    supervisor.select_option("#stores-1-format", "counter")
    supervisor.fill("#targets-0-revenue", "1,250,000")
    supervisor.fill("#targets-0-units", "4000")
    supervisor.get_by_test_id("save-proposal").click()
    expect(supervisor.get_by_test_id("planned-stores")).to_contain_text("Mall Counter")
    _step(supervisor, "propose")
    expect(supervisor.get_by_test_id("prospect-status")).to_have_text("Proposal")

    admin = signed_in_page(browser, live_server, people.admin, width=1280, height=900)
    admin.goto(f"{live_server}/prospects/review")
    admin.locator("[data-testid=proposal-queue] a").first.click()
    admin.get_by_test_id("approve-proposal").click()
    expect(admin.locator(".alert-success")).to_be_visible()

    supervisor.reload()
    expect(supervisor.get_by_test_id("prospect-status")).to_have_text("Approved")
    _step(supervisor, "sign", "Contract signed at head office.")
    expect(supervisor.locator("h1")).to_contain_text("Harbour Sports Co")
    expect(supervisor.locator("main")).to_contain_text("HSC-01")
    expect(supervisor.locator("main")).to_contain_text("HSC-02")
    targets = supervisor.get_by_test_id("dealer-first-year-targets")
    expect(targets).to_contain_text(people.line_label)
    expect(targets).to_contain_text("1,250,000.00")

    supervisor.get_by_test_id("signed-from").click()
    expect(supervisor.get_by_test_id("prospect-status")).to_have_text("Signed")
    expect(supervisor.get_by_test_id("prospect-steps")).to_contain_text(
        "Corner site on the main street"
    )
    expect(supervisor.get_by_test_id("signed-dealer")).to_contain_text("HSC")

    # A supervisor in a store holds a phone: the prospect's pages reflow at 320 px.
    prospect_page = supervisor.url
    supervisor.set_viewport_size({"width": 320, "height": 700})
    for path in (prospect_page, f"{prospect_page}/screening", f"{prospect_page}/proposal"):
        supervisor.goto(path)
        assert _overflow(supervisor) is None, path
