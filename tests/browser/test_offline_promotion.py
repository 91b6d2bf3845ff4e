"""A store's promotion execution proof taken on a phone with no signal goes through the same
offline queue as audits and arrives once when the connection is back."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import ExecutionStatus, NoticeExecution, Role
from portal.notices import services
from portal.storage import load
from tests.support.factories import PASSWORD, make_dealer, make_region, make_store, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAX_EDGE = 64


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


def promotion(author):
    today = clock.today()
    values = {
        "kind": "promotion",
        "title": "Summer running promotion",
        "body": "Put the **summer** display in the window.",
        "effective_from": today,
        "effective_to": None,
        "acknowledge_days": 7,
        "audience": "network",
        "region_ids": [],
        "dealer_ids": [],
        "audience_kind": "",
        "store_ids": [],
        "promotion_start": today,
        "promotion_end": today + timedelta(days=30),
        "execution_deadline": today + timedelta(days=5),
    }
    notice, _created = services.create_notice(values, author=author)
    services.publish(notice, actor=author)
    return notice


def test_a_promotion_proof_taken_with_no_signal_arrives_once(app, page, context, live_server):
    dealer = make_dealer(make_region())
    store = make_store(dealer)
    email = make_user(Role.DEALER, dealer=dealer).email
    notice = promotion(make_user(Role.ADMIN))
    notice_id, store_id, store_code = notice.id, store.id, store.code
    db.session.commit()

    page.goto(f"{live_server}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/notices/{notice_id}")
    card = page.get_by_test_id(f"store-{store_code}")
    context.set_offline(True)
    image = io.BytesIO()
    Image.new("RGB", (120, 90), "orange").save(image, "PNG")
    card.locator("input[name=photo]").set_input_files(
        {"name": "window.png", "mimeType": "image/png", "buffer": image.getvalue()}
    )
    card.get_by_test_id("confirm-execution").click()
    expect(card.get_by_test_id("execution-waiting")).to_be_visible()
    expect(page.get_by_test_id("offline-summary")).to_contain_text("1 promotion report waiting")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(
        page.get_by_test_id(f"store-{store_code}").get_by_test_id("execution-photo")
    ).to_be_visible()
    db.session.expire_all()
    executions = list(
        db.session.scalars(
            select(NoticeExecution).where(
                NoticeExecution.notice_id == notice_id, NoticeExecution.store_id == store_id
            )
        )
    )
    assert [execution.status for execution in executions] == [ExecutionStatus.DONE]
    with Image.open(io.BytesIO(load(executions[0].photo))) as photo:
        assert max(photo.size) <= MAX_EDGE
    db.session.commit()
