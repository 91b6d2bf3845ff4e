"""Dealers' answers: reading, acknowledging a version, execution per store with proof."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal import clock
from portal.extensions import db
from portal.models import (
    Attachment,
    DealerFigures,
    ExecutionStatus,
    NoticeExecution,
    NoticeReceipt,
    Notification,
)
from portal.notices import responses, services
from portal.notices.services import NoticeError
from tests.notices.conftest import (
    jpeg_bytes,
    make_notice,
    notice_values,
    sign_in,
    upload,
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def promotion(world, **overrides):
    return make_notice(
        world.sup_north,
        kind="promotion",
        audience="regions",
        region_ids=[world.north.id],
        **overrides,
    )


def test_opening_from_inbox_marks_read_once(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.user_n1)
    inbox = client.get("/notices/?box=unread").get_data(as_text=True)
    assert "Returns policy" in inbox
    response = client.post(f"/notices/{notice.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/notices/{notice.id}")
    client.post(f"/notices/{notice.id}/open")
    receipt = db.session.scalar(select(NoticeReceipt))
    assert receipt.read_by_id == world.user_n1.id
    assert receipt.acknowledged_at is None
    assert count(NoticeReceipt) == 1
    assert "Returns policy" not in client.get("/notices/?box=unread").get_data(as_text=True)
    assert "Returns policy" in client.get("/notices/?box=to_acknowledge").get_data(as_text=True)


def test_viewing_a_notice_does_not_write(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.user_n1)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert 'id="notice-read"' in page  # notices.js posts the read receipt
    assert count(NoticeReceipt) == 0
    assert client.post(f"/notices/{notice.id}/read").status_code == 204
    assert count(NoticeReceipt) == 1


def test_acknowledgement_records_user_time_and_version(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.user_n1)
    response = client.post(f"/notices/{notice.id}/acknowledge", data={"version": 1})
    assert response.status_code == 302
    receipt = db.session.scalar(select(NoticeReceipt))
    assert receipt.dealer_id == world.n1.id
    assert receipt.version_number == 1
    assert receipt.acknowledged_by_id == world.user_n1.id
    assert receipt.acknowledged_at is not None
    assert receipt.read_at is not None


def test_double_acknowledgement_makes_one_record(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.user_n1)
    for _ in range(3):
        client.post(f"/notices/{notice.id}/acknowledge", data={"version": 1})
    assert count(NoticeReceipt) == 1
    actions = db.session.scalar(
        select(func.count()).where(responses.activity.ActivityEntry.action == "notice.acknowledge")
    )
    assert actions == 1


def test_concurrent_acknowledgements_make_one_record(app, world):
    notice = make_notice(world.admin, audience="network")
    clients = [sign_in(app, world.user_n1) for _ in range(4)]
    url = f"/notices/{notice.id}/acknowledge"
    db.session.commit()  # release the test's own transaction before the requests race

    def post(client):
        with app.app_context():
            return client.post(url, data={"version": 1}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(post, clients))
    assert codes == [302] * 4
    assert count(NoticeReceipt) == 1


def test_acknowledging_an_old_version_is_refused(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.user_n1)
    client.post(f"/notices/{notice.id}/acknowledge", data={"version": 7})
    assert db.session.scalar(select(NoticeReceipt.acknowledged_at)) is None


def test_to_acknowledge_badge_counts_open_notices(app, world):
    make_notice(world.admin, audience="network")
    second = make_notice(world.admin, audience="network", title="Second")
    client = sign_in(app, world.user_n1)
    assert 'data-testid="notices-badge">2' in client.get("/home").get_data(as_text=True)
    client.post(f"/notices/{second.id}/acknowledge", data={"version": 1})
    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="notices-badge">1' in home
    assert 'data-testid="notices-badge">1' in client.get("/inbox/").get_data(as_text=True)
    card = home[home.index('data-testid="todo-acknowledge"') :]
    assert '<span class="num">1</span>' in card[: card.index("</li>")]


def test_the_home_badge_counts_itself_when_the_dealers_figures_are_not_current(app, world):
    """The dealer's home passes its figures row's count to the badge only while the row is
    current: a row waiting for the queue (here with a wrong count) is not believed."""
    make_notice(world.admin, audience="network")
    client = sign_in(app, world.user_n1)
    assert 'data-testid="notices-badge">1' in client.get("/home").get_data(as_text=True)
    db.session.execute(
        update(DealerFigures)
        .where(DealerFigures.dealer_id == world.user_n1.dealer_id)
        .values(stale_on=clock.today(), notices=DealerFigures.notices + 5)
    )
    db.session.commit()

    assert 'data-testid="notices-badge">1' in client.get("/home").get_data(as_text=True)


def test_store_confirms_execution_with_photo(app, world):
    notice = promotion(world)
    client = sign_in(app, world.user_n1)
    response = client.post(
        f"/notices/{notice.id}/stores/{world.n1a.id}/execution",
        data={"version": 1, "status": "done", "photo": upload(jpeg_bytes(), "display.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    execution = db.session.scalar(select(NoticeExecution))
    assert execution.status == ExecutionStatus.DONE
    assert execution.store_id == world.n1a.id
    assert execution.dealer_id == world.n1.id
    assert execution.late is False
    photo = db.session.get(Attachment, execution.photo_id)
    assert photo.owner_type == "notice_execution"
    assert photo.dealer_id == world.n1.id
    assert client.get(f"/attachments/{photo.id}").status_code == 200


def test_photo_that_is_not_an_image_is_refused_and_nothing_saved(app, world):
    notice = promotion(world)
    client = sign_in(app, world.user_n1)
    response = client.post(
        f"/notices/{notice.id}/stores/{world.n1a.id}/execution",
        data={"version": 1, "status": "done", "photo": upload(b"%PDF-1.4 not a photo", "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "photos are accepted" in response.get_data(as_text=True)
    assert count(NoticeExecution) == 0
    assert count(Attachment) == 0


def test_not_possible_needs_a_reason(app, world):
    notice = promotion(world)
    client = sign_in(app, world.user_n1)
    response = client.post(
        f"/notices/{notice.id}/stores/{world.n1a.id}/execution",
        data={"version": 1, "status": "not_possible", "reason": "   "},
    )
    assert response.status_code == 422
    assert "Say why" in response.get_data(as_text=True)
    assert count(NoticeExecution) == 0


def test_not_possible_with_reason_tells_supervisors_and_can_later_be_executed(app, world):
    notice = promotion(world)
    client = sign_in(app, world.user_n1)
    url = f"/notices/{notice.id}/stores/{world.n1a.id}/execution"
    client.post(url, data={"version": 1, "status": "not_possible", "reason": "No stand"})
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "notice.execution_not_possible")
    ).all()
    assert told == [world.sup_north.id]
    client.post(url, data={"version": 1, "status": "done"})
    executions = db.session.scalars(select(NoticeExecution)).all()
    assert [e.status for e in executions] == [ExecutionStatus.DONE]


def test_double_confirmation_makes_one_record(app, world):
    notice = promotion(world)
    client = sign_in(app, world.user_n1)
    url = f"/notices/{notice.id}/stores/{world.n1a.id}/execution"
    for _ in range(3):
        client.post(url, data={"version": 1, "status": "done"})
    client.post(url, data={"version": 1, "status": "not_possible", "reason": "changed my mind"})
    executions = db.session.scalars(select(NoticeExecution)).all()
    assert [e.status for e in executions] == [ExecutionStatus.DONE]


def test_report_after_deadline_is_marked_late(world):
    notice = promotion(world)
    execution, _changed = responses.report_execution(
        notice,
        world.n1a,
        user=world.user_n1,
        version=1,
        status=ExecutionStatus.DONE,
        today=notice.execution_deadline + timedelta(days=2),
    )
    assert execution.late is True


def test_report_after_promotion_end_is_refused(world):
    notice = promotion(world)
    with pytest.raises(NoticeError):
        responses.report_execution(
            notice,
            world.n1a,
            user=world.user_n1,
            version=1,
            status=ExecutionStatus.DONE,
            today=notice.promotion_end + timedelta(days=1),
        )


def test_store_not_taking_part_gets_404(app, world):
    notice = promotion(world, store_ids=[world.n1b.id])
    client = sign_in(app, world.user_n1)
    url = f"/notices/{notice.id}/stores/{world.n1a.id}/execution"
    assert client.post(url, data={"version": 1, "status": "done"}).status_code == 404
    assert count(NoticeExecution) == 0


def test_dealer_cannot_report_for_another_dealers_store(app, world):
    notice = promotion(world)
    client = sign_in(app, world.user_n1)
    url = f"/notices/{notice.id}/stores/{world.n2a.id}/execution"
    assert client.post(url, data={"version": 1, "status": "done"}).status_code == 404
    assert count(NoticeExecution) == 0


def test_material_change_asks_stores_to_confirm_again(app, world):
    notice = promotion(world)
    responses.report_execution(
        notice, world.n1a, user=world.user_n1, version=1, status=ExecutionStatus.DONE
    )
    db.session.commit()
    services.make_material_change(
        notice,
        notice_values(
            "promotion",
            audience="regions",
            region_ids=[world.north.id],
            body="New display layout.",
            execution_deadline=clock.today() + timedelta(days=6),
        ),
        actor=world.sup_north,
        change_note="New layout",
    )
    db.session.commit()
    page = sign_in(app, world.user_n1).get(f"/notices/{notice.id}").get_data(as_text=True)
    assert page.count('data-testid="confirm-execution"') == 2
