"""An answer sent after the session ended (401) stays queued, says so, and goes once signed in."""

import json

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import AnswerResult, AuditAnswer
from tests.support.audit_factories import make_audit, make_world
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser

# The changes waiting in the phone's offline queue (IndexedDB, static/js/offline.js).
WAITING = """() => new Promise((resolve) => {
  const request = indexedDB.open("portal-offline");
  request.onsuccess = () => {
    const count = request.result.transaction("changes").objectStore("changes").count();
    count.onsuccess = () => { request.result.close(); resolve(count.result); };
  };
})"""


@pytest.fixture(autouse=True)
def patient_expectations():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def test_a_401_keeps_the_queued_answer_and_sends_it_after_signing_in(
    app, page, live_server, sign_in
):
    world = make_world()
    audit = make_audit(world.store, world.standard, world.supervisor)
    audit_id, supervisor = audit.id, world.supervisor.email
    db.session.commit()

    sign_in(supervisor, PASSWORD)
    page.goto(f"{live_server}/audits/{audit_id}")
    page.get_by_test_id("start-audit").click()
    expect(page.get_by_test_id("conduct")).to_be_visible()

    # The session has ended: the server answers every answer with 401.
    def session_ended(route):
        route.fulfill(
            status=401,
            content_type="application/json",
            body=json.dumps({"error": 401, "message": "Please sign in.", "session_ended": True}),
        )

    answers = f"**/audits/{audit_id}/items/**"
    page.route(answers, session_ended)
    card = page.get_by_test_id("answer-A-01")
    card.locator("[data-testid=choose-pass]").click()

    expect(card.get_by_test_id("save-state")).to_contain_text("Kept on this device")
    expect(page.get_by_test_id("offline-sign-in")).to_be_visible()
    notice = page.get_by_test_id("session-ended")
    expect(notice).to_contain_text("Your session has ended — sign in again to send 1 saved answer")
    expect(notice.get_by_test_id("session-sign-in")).to_have_attribute("target", "_blank")
    assert page.evaluate(WAITING) == 1  # still queued on the phone, not dropped as "rejected"

    # Signed in again (the session is live again): the queue is sent.
    page.unroute(answers)
    page.evaluate("document.dispatchEvent(new CustomEvent('portal:session-renewed'))")
    expect(card.get_by_test_id("save-state")).to_have_text("Saved")
    expect(notice).to_be_hidden()
    assert page.evaluate(WAITING) == 0
    db.session.expire_all()
    results = [a.result for a in db.session.query(AuditAnswer).filter_by(audit_id=audit_id)]
    assert AnswerResult.PASS in results
