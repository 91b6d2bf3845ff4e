"""Check S7 for notices: with CSRF on, answers and authoring need the token; GET never writes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ActivityEntry, NoticeReceipt
from tests.notices.conftest import make_notice
from tests.support.factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def signed_in_with_token(app, user):
    client = app.test_client()
    token = TOKEN.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_answers_without_token_are_refused_and_pages_do_not_write(app, world):
    notice = make_notice(world.admin, audience="network")
    client = signed_in_with_token(app, world.user_n1)
    entries_before = db.session.scalar(select(func.count()).select_from(ActivityEntry))
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    client.get("/notices/")
    client.get(f"/notices/{notice.id}/versions/1")
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == entries_before
    for url in (f"/notices/{notice.id}/acknowledge", f"/notices/{notice.id}/open"):
        assert client.post(url, data={"version": 1}).status_code == 400
    assert client.post(f"/notices/{notice.id}/read").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NoticeReceipt)) == 0
    # the read receipt script sends the token in a header, as notices.js does
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    read = client.post(f"/notices/{notice.id}/read", headers={"X-CSRFToken": token})
    assert read.status_code == 204
    ack = client.post(f"/notices/{notice.id}/acknowledge", data={"version": 1, "csrf_token": token})
    assert ack.status_code == 302
    receipt = db.session.scalar(select(NoticeReceipt))
    assert receipt.acknowledged_at is not None


def test_publishing_without_token_is_refused(app, world):
    draft = make_notice(world.admin, publish=False)
    client = signed_in_with_token(app, world.admin)
    assert client.post(f"/notices/{draft.id}/publish", data={"version": 1}).status_code == 400
    db.session.refresh(draft)
    assert draft.is_draft
