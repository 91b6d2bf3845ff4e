"""On a phone with no signal (Playwright's offline mode): audits made available offline open,
are conducted and completed with no connection, and everything arrives once back online."""

import io
import json

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.audits import services
from portal.auth import sessions
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    AnswerResult,
    Attachment,
    Audit,
    AuditStatus,
    CorrectiveAction,
    OfflineChange,
)
from portal.storage import load
from tests.support.audit_factories import make_audit, make_standard, make_world, photo_upload
from tests.support.factories import PASSWORD, make_store
from tests.support.live import wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAX_EDGE = 64  # photos are resized on the phone to the portal's largest edge first
THIRTY_ITEMS = [
    {
        "code": f"{letter}-{number:02d}",
        "question": f"Check {letter}{number}",
        "guidance": "Look at the shelf from the customer's side",
        "weight": 1 + number % 3,
        "critical": (letter, number) == ("A", 2),
        "photo_required": number == 5,
    }
    for letter in "ABC"
    for number in range(1, 11)
]
FAILED = {"A-02", "B-05", "C-07"}


@pytest.fixture(autouse=True)
def patient_expectations():
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def app_config() -> dict:
    return {"UPLOAD_MAX_EDGE": MAX_EDGE}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True, "is_mobile": True}


def png(colour: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buffer, "PNG")
    return {"name": f"{colour}.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


class RequestLog:
    """The paths the live server was asked for, to prove nothing reached it while offline."""

    def __init__(self, app):
        self.paths: list[str] = []
        # Appended directly: the app may have served requests already (no setup method).
        app.before_request_funcs.setdefault(None, []).append(self._record)

    def _record(self):
        from flask import request

        self.paths.append(request.path)

    def mark(self) -> int:
        return len(self.paths)

    def since(self, mark: int) -> list[str]:
        # The browser checks for a new service worker on its own (Playwright's offline mode
        # does not cover that check): it carries no data, so it does not count.
        return [path for path in self.paths[mark:] if path != "/sw.js"]


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/home")


def make_available_offline(page, live_server, count: int):
    page.goto(f"{live_server}/audits/")
    page.get_by_test_id("make-offline").click()
    ready = "audit is ready" if count == 1 else "audits are ready"
    expect(page.get_by_test_id("offline-state")).to_contain_text(f"{count} {ready}")
    expect(page.get_by_test_id("offline-usage")).to_contain_text("MB")


STORAGE_USED = """async (auditId) => {
  let cached = 0, page = 0;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const size = (await (await cache.match(request)).blob()).size;
      cached += size;
      if (new URL(request.url).pathname === `/audits/${auditId}/conduct`) { page = size; }
    }
  }
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("portal-offline");
    request.onsuccess = () => resolve(request.result);
  });
  const audits = await new Promise((resolve) => {
    const request = db.transaction("audits").objectStore("audits").getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const saved = audits.find((a) => a.id === auditId);
  const bundle = saved ? JSON.stringify(saved).length : 0;
  db.close();
  const estimate = await navigator.storage.estimate();
  return {cached, page, bundle, kept: audits.map((a) => a.id), usage: estimate.usage};
}"""


def status_of(audit_id: int) -> AuditStatus:
    """The audit's status read afresh; the read ends at once (SQLite: the server writes)."""
    db.session.expire_all()
    status = db.session.get(Audit, audit_id).status
    db.session.commit()
    return status


def counted(action: str, audit: Audit) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ActivityEntry)
        .where(ActivityEntry.action == action, ActivityEntry.object_id == audit.id)
    )


def test_an_audit_conducted_with_no_signal_arrives_once_and_scores_as_online(
    app, page, context, live_server
):
    world = make_world()
    version = make_standard(items=THIRTY_ITEMS)
    audit = make_audit(world.store, version.standard, world.supervisor)
    audit_id, supervisor, store_code = audit.id, world.supervisor.email, world.store.code
    db.session.commit()
    log = RequestLog(app)
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in(page, live_server, supervisor)
    make_available_offline(page, live_server, 1)
    used = page.evaluate(STORAGE_USED, audit_id)
    print(f"\nOffline audit of 30 items: {json.dumps(used)}")  # the figure for the report
    assert used["page"] > 0
    assert used["bundle"] > 0

    context.set_offline(True)
    offline_from = log.mark()
    page.reload()  # the list comes from the phone
    page.get_by_test_id("due-audits").get_by_role("link", name=store_code).click()
    conduct = page.get_by_test_id("conduct")
    expect(conduct).to_be_visible()
    expect(conduct).to_contain_text("Look at the shelf")  # guidance is there too
    for item in THIRTY_ITEMS:
        card = page.get_by_test_id(f"answer-{item['code']}")
        if item["code"] in FAILED:
            card.get_by_test_id("choose-fail").click()
            card.get_by_test_id("note").fill(f"Problem at {item['code']}")
            card.get_by_test_id("photo-input").set_input_files([png("red"), png("blue")])
            expect(card.locator("img.thumb")).to_have_count(2)
        else:
            card.get_by_test_id("choose-pass").click()
    expect(page.get_by_test_id("progress")).to_have_text("30/30")
    summary = page.get_by_test_id("offline-summary")
    expect(summary).to_contain_text("30 answers waiting to be sent")
    expect(summary).to_contain_text("6 photos waiting")
    page.get_by_test_id("complete-audit").click()
    expect(page.get_by_test_id("completion-waiting")).to_be_visible()
    expect(summary).to_contain_text("1 audit completion waiting")
    page.close()
    assert log.since(offline_from) == []  # nothing reached the server while offline
    assert status_of(audit_id) == AuditStatus.SCHEDULED

    context.set_offline(False)
    again = context.new_page()
    again.goto(f"{live_server}/home")  # any page sends what waits

    def completed():
        return db.session.get(Audit, audit_id).status == AuditStatus.COMPLETED

    wait_for(completed, "the completion sent from the queue")
    assert any(path.endswith("/complete") for path in log.since(offline_from))  # the log works
    expect(again.get_by_test_id("offline-queue")).to_be_hidden()
    audit = db.session.get(Audit, audit_id)
    results = {answer.item.code: answer.result for answer in audit.answers}
    assert {code for code, result in results.items() if result == AnswerResult.FAIL} == FAILED
    assert all(result is not None for result in results.values())
    photos = db.session.scalars(select(Attachment).where(Attachment.owner_type == "audit_answer"))
    photos = list(photos)
    assert len(photos) == 6
    for photo in photos:
        with Image.open(io.BytesIO(load(photo))) as image:
            assert max(image.size) <= MAX_EDGE
    assert counted("audit.start", audit) == 1
    assert counted("audit.answer", audit) == 30
    assert counted("audit.add_photo", audit) == 6
    assert counted("audit.complete", audit) == 1

    # The same audit done online scores the same and opens the same actions.
    twin = make_audit(make_store(world.dealer), version.standard, world.supervisor)
    services.start(twin, actor=world.supervisor)
    for answer in twin.answers:
        failed = answer.item.code in FAILED
        result = AnswerResult.FAIL if failed else AnswerResult.PASS
        services.save_answer(twin, answer, result=result, note="", actor=world.supervisor)
        if failed:
            for colour in ("red", "blue"):
                services.add_photo(
                    twin, answer, photo_upload(colour=colour), actor=world.supervisor
                )
    services.complete(twin, summary="", actor=world.supervisor)
    db.session.commit()
    assert (audit.score, audit.grade, audit.passed, audit.critical_failed) == (
        twin.score,
        twin.grade,
        twin.passed,
        twin.critical_failed,
    )

    def actions(of: Audit):
        rows = db.session.scalars(
            select(CorrectiveAction).where(CorrectiveAction.audit_id == of.id)
        )
        return sorted((a.item.code, a.critical, a.due_on) for a in rows)

    assert actions(audit) == actions(twin)
    left = again.evaluate(STORAGE_USED, audit_id)
    assert audit_id not in left["kept"]
    assert left["page"] == 0


def test_a_session_that_ended_offline_waits_for_sign_in_then_sends(app, page, context, live_server):
    world = make_world()
    audit = make_audit(world.store, world.standard, world.supervisor)
    audit_id, supervisor, email = audit.id, world.supervisor, world.supervisor.email
    db.session.commit()

    sign_in(page, live_server, email)
    make_available_offline(page, live_server, 1)
    context.set_offline(True)
    page.goto(f"{live_server}/audits/{audit_id}")
    page.get_by_test_id("answer-A-01").get_by_test_id("choose-pass").click()
    page.get_by_test_id("answer-A-02").get_by_test_id("choose-fail").click()
    expect(page.get_by_test_id("offline-summary")).to_contain_text("2 answers waiting")

    sessions.end_sessions_of(supervisor, "idle")  # the session ends while the phone is offline
    db.session.commit()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("offline-sign-in")).to_be_visible()
    expect(page.get_by_test_id("session-ended")).to_contain_text("sign in again to send 2 saved")
    assert status_of(audit_id) == AuditStatus.SCHEDULED  # nothing sent...

    sign_in(page, live_server, email)  # ...until the auditor signs in again

    def answered():
        answers = db.session.get(Audit, audit_id).answers
        return sum(1 for answer in answers if answer.result is not None) == 2

    wait_for(answered, "the answers kept through the sign-in")
    expect(page.get_by_test_id("offline-queue")).to_be_hidden()


HOLD_A_CHANGE = """async (user) => {
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("portal-offline");
    request.onsuccess = () => resolve(request.result);
  });
  await new Promise((resolve) => {
    const transaction = db.transaction("changes", "readwrite");
    transaction.objectStore("changes").put({
      user: user, kind: "proof", url: "/held", label: "A report", state: "refused",
      message: "Held", key: "held-0001", attempts: 1, fields: {}
    });
    transaction.oncomplete = resolve;
  });
  db.close();
}"""

LEFT_ON_THE_PHONE = """async () => {
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("portal-offline");
    request.onsuccess = () => resolve(request.result);
  });
  const all = (name) => new Promise((resolve) => {
    const request = db.transaction(name).objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const left = {
    audits: (await all("audits")).length,
    changes: (await all("changes")).map((c) => c.key),
    pages: await caches.has("portal-pages"),
    owner: await caches.has("portal-owner"),
  };
  db.close();
  return left;
}"""


def test_after_signing_out_the_saved_audits_do_not_open_but_waiting_changes_stay(
    app, page, context, live_server
):
    world = make_world()
    audit = make_audit(world.store, world.standard, world.supervisor)
    audit_id, user_id, email = audit.id, world.supervisor.id, world.supervisor.email
    db.session.commit()

    sign_in(page, live_server, email)
    make_available_offline(page, live_server, 1)
    page.evaluate(HOLD_A_CHANGE, str(user_id))  # a change the auditor has not decided about yet
    before = page.evaluate(LEFT_ON_THE_PHONE)
    assert (before["audits"], before["pages"], before["owner"]) == (1, True, True)

    with page.expect_navigation():
        page.evaluate("document.querySelector('form[data-sign-out]').requestSubmit()")
    expect(page.locator("main")).to_contain_text("You are signed out.")

    left = page.evaluate(LEFT_ON_THE_PHONE)
    assert left == {"audits": 0, "changes": ["held-0001"], "pages": False, "owner": False}
    # A copy left behind (another tab saving meanwhile) is not answered either: no one's signed in.
    page.evaluate(
        """(key) => caches.open("portal-pages").then((cache) => cache.put(key,
             new Response("<p>saved</p>", {headers: {"Content-Type": "text/html"}})))""",
        f"/audits/{audit_id}/conduct",
    )
    context.set_offline(True)
    with pytest.raises(PlaywrightError):  # the next person on this phone gets no saved page
        page.goto(f"{live_server}/audits/{audit_id}")


def test_a_conflicting_change_from_another_device_is_shown_not_overwritten(
    app, browser, page, context, live_server
):
    world = make_world()
    audit = make_audit(world.store, world.standard, world.supervisor, answers={})
    audit_id, email = audit.id, world.supervisor.email
    item_id = next(a.item_id for a in audit.answers if a.item.code == "A-01")
    db.session.commit()

    sign_in(page, live_server, email)
    make_available_offline(page, live_server, 1)
    context.set_offline(True)
    page.goto(f"{live_server}/audits/{audit_id}/conduct")
    card = page.get_by_test_id("answer-A-01")
    card.get_by_test_id("choose-fail").click()
    card.get_by_test_id("note").fill("Sign broken here")
    card.get_by_test_id("note").blur()
    expect(page.get_by_test_id("offline-summary")).to_contain_text("1 answer waiting")

    # Meanwhile the same auditor answers the item on a second device, which is online.
    other = browser.new_context(viewport=PHONE).new_page()
    sign_in(other, live_server, email)
    other.goto(f"{live_server}/audits/{audit_id}/conduct")
    other_card = other.get_by_test_id("answer-A-01")
    other_card.get_by_test_id("note").fill("Fixed before I left")
    other_card.get_by_test_id("choose-pass").click()
    expect(other_card.get_by_test_id("save-state")).to_have_text("Saved")
    other.context.close()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    held = page.get_by_test_id("offline-held")
    expect(held).to_contain_text("was changed on another device")
    expect(held).to_contain_text("The other device: Pass — Fixed before I left")
    expect(held).to_contain_text("This device: Fail — Sign broken here")
    db.session.expire_all()
    answer = next(a for a in db.session.get(Audit, audit_id).answers if a.item_id == item_id)
    assert (answer.result, answer.note) == (AnswerResult.PASS, "Fixed before I left")
    db.session.commit()  # SQLite: end the read, the server writes next

    held.get_by_test_id("keep-mine").click()  # the auditor chooses this device's answer

    def mine_kept():
        found = next(a for a in db.session.get(Audit, audit_id).answers if a.item_id == item_id)
        return (found.result, found.note) == (AnswerResult.FAIL, "Sign broken here")

    wait_for(mine_kept, "the answer the auditor chose")
    expect(page.get_by_test_id("offline-queue")).to_be_hidden()
    assert db.session.scalar(select(func.count()).select_from(OfflineChange)) >= 1


def test_the_conduct_page_is_installable(
    app, playwright, browser_type_launch_args, live_server, tmp_path
):
    """Chromium's own installability check (DevTools protocol): Lighthouse 12 no longer has a
    PWA category. A persistent profile, as on a phone: Chromium never offers to install from
    an incognito context, which is what Playwright's contexts are."""
    world = make_world()
    audit = make_audit(world.store, world.standard, world.supervisor, answers={})
    audit_id, email = audit.id, world.supervisor.email
    db.session.commit()
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, viewport=PHONE
    )
    try:
        page = context.new_page()
        sign_in(page, live_server, email)
        page.goto(f"{live_server}/audits/{audit_id}/conduct")
        page.evaluate("navigator.serviceWorker.ready")  # installed and active
        page.reload()  # now controlled by it
        cdp = context.new_cdp_session(page)

        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        manifest = cdp.send("Page.getAppManifest")
    finally:
        context.close()

    assert errors == []
    assert manifest["errors"] == []


def test_a_dealers_evidence_taken_with_no_signal_is_sent_once_when_back_online(
    app, page, context, live_server
):
    world = make_world()
    answers = {item.code: "pass" for item in world.version.items} | {"A-01": "fail"}
    audit = make_audit(
        world.store, world.standard, world.supervisor, answers=answers, complete=True
    )
    action = audit.actions[0]
    action_id, email = action.id, world.dealer_user.email
    db.session.commit()

    sign_in(page, live_server, email)
    page.goto(f"{live_server}/actions/{action_id}")
    context.set_offline(True)
    page.get_by_label("What was done").fill("Sign replaced")
    page.locator("input[name=photos]").set_input_files([png("green"), png("yellow")])
    page.get_by_test_id("respond").click()
    expect(page.get_by_test_id("evidence-waiting")).to_be_visible()
    expect(page.get_by_test_id("offline-summary")).to_contain_text(
        "1 corrective action response waiting"
    )

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("action-state")).to_contain_text("Responded")
    expect(page.get_by_test_id("action-steps").locator("img.thumb")).to_have_count(2)
    db.session.expire_all()
    action = db.session.get(CorrectiveAction, action_id)
    assert [step.comment for step in action.steps] == ["Sign replaced"]
    photos = list(
        db.session.scalars(select(Attachment).where(Attachment.owner_type == "action_step"))
    )
    assert len(photos) == 2
    for photo in photos:
        with Image.open(io.BytesIO(load(photo))) as image:
            assert max(image.size) <= MAX_EDGE
    db.session.commit()
