"""The issue's "done when" for contracts and qualifications: a dealer whose business licence
expires soon uploads the renewed one from its home page; the supervisor finds it waiting,
opens the scan, and accepts it; the dealer's home no longer warns of it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import clock
from portal.contracts import services
from portal.extensions import db
from portal.models import DealerKind, DocumentKind, DocumentRequirement, DocumentStatus
from portal.models import QualificationDocument as Document
from tests.browser.conftest import signed_in_page
from tests.contracts.conftest import document
from tests.support.uploads import pdf
from tests.support.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app):
    """Plain values only: the test must hold no transaction while the server writes."""
    world = build_world()
    kind = DocumentKind(
        code="BIZ",
        name="Business licence",
        requirements=[DocumentRequirement(dealer_kind=DealerKind.DEALER)],
    )
    db.session.add(kind)
    db.session.flush()
    expiring = document(
        world.dealer_x,
        kind,
        world.people["dealer_x"],
        expires_on=clock.today() + timedelta(days=12),
        number="BL-OLD",
    )
    services.review_document(
        expiring, accept=True, reason="", version=expiring.version, actor=world.people["admin"]
    )
    values = SimpleNamespace(
        dealer=world.people["dealer_x"].email,
        supervisor=world.people["supervisor_a"].email,
        kind_id=kind.id,
    )
    db.session.commit()
    return values


def test_a_dealer_uploads_a_renewed_licence_and_the_supervisor_accepts_it(
    app, browser, live_server, world
):
    today = clock.today()
    dealer = signed_in_page(browser, live_server, world.dealer, width=390, height=844)
    card = dealer.get_by_test_id("dealer-contract-card")
    expect(card).to_contain_text("Business licence expires on")
    card.get_by_role("link", name="Contracts and documents").click()
    dealer.get_by_test_id("upload-document").click()
    dealer.select_option("#kind_id", str(world.kind_id))
    dealer.fill("#number", "BL-NEW")
    dealer.fill("#issued_on", (today - timedelta(days=2)).isoformat())
    dealer.fill("#expires_on", (today + timedelta(days=3 * 365)).isoformat())
    dealer.locator("input[name=file]").set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    )
    dealer.get_by_test_id("submit-document").click()
    expect(dealer.locator(".alert-success")).to_contain_text("submitted for review")

    supervisor = signed_in_page(browser, live_server, world.supervisor, width=1280, height=900)
    supervisor.goto(f"{live_server}/contracts/")
    waiting = supervisor.get_by_test_id("documents-waiting")
    waiting.get_by_role("link", name="Business licence").click()
    expect(supervisor.get_by_test_id("document-file")).to_have_text("licence.pdf")
    supervisor.get_by_test_id("accept").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("Document accepted.")

    renewed = db.session.scalar(select(Document).where(Document.number == "BL-NEW"))
    assert renewed.status == DocumentStatus.ACCEPTED
    db.session.rollback()  # hold no transaction while the server reads
    dealer.goto(f"{live_server}/home")
    expect(dealer.get_by_test_id("dealer-contract-card")).to_have_count(0)
