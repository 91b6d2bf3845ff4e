"""The offline queue's endpoints: each change applied once per key, conflicts shown with the
answer as it is now, refusals explained; the queued start, photos and completion."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    ActivityEntry,
    AnswerResult,
    Attachment,
    AuditStatus,
    CorrectiveAction,
    OfflineChange,
)
from portal.standards import services as standards
from tests.conftest import client_for
from tests.support.audit_factories import all_pass, make_audit, photo_upload
from tests.support.factories import PASSWORD

JSON = {"Accept": "application/json"}


def keyed(key: str) -> dict:
    return {**JSON, "Idempotency-Key": key}


@pytest.fixture
def started(world):
    audit = make_audit(world.store, world.standard, world.supervisor, answers={})
    db.session.commit()
    return audit


@pytest.fixture
def supervisor(app, world):
    return client_for(app, world.supervisor.email, PASSWORD)


def item_id(audit, code):
    return next(a.item_id for a in audit.answers if a.item.code == code)


def answer_of(audit, code):
    return next(a for a in audit.answers if a.item.code == code)


def entries(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ActivityEntry).where(ActivityEntry.action == action)
    )


def test_an_answer_resent_with_its_key_is_applied_once_and_answered_the_same(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    data = {"result": "fail", "note": "Sign flickers", "version": "1"}

    first = supervisor.post(url, data=data, headers=keyed("change-0001"))
    again = supervisor.post(url, data=data, headers=keyed("change-0001"))

    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.get_json()["version"] == 2
    db.session.expire_all()
    assert answer_of(started, "A-01").version == 2
    assert entries("audit.answer") == 1


def test_the_same_key_with_other_content_is_refused(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    supervisor.post(url, data={"result": "pass", "version": "1"}, headers=keyed("change-0002"))

    response = supervisor.post(
        url, data={"result": "fail", "version": "1"}, headers=keyed("change-0002")
    )

    assert response.status_code == 422
    db.session.expire_all()
    assert answer_of(started, "A-01").result == AnswerResult.PASS


def test_a_malformed_key_is_refused(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    response = supervisor.post(url, data={"result": "pass"}, headers=keyed("bad key!"))
    assert response.status_code == 422
    db.session.expire_all()
    assert answer_of(started, "A-01").result is None


def test_a_change_made_on_an_old_version_is_a_conflict_showing_the_answer_now(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    supervisor.post(url, data={"result": "pass", "note": "Other device", "version": "1"})

    response = supervisor.post(
        url,
        data={"result": "fail", "note": "This device", "version": "1"},
        headers=keyed("change-0003x"),
    )

    assert response.status_code == 409
    body = response.get_json()
    assert body["conflict"] is True
    assert (body["current"]["result"], body["current"]["note"]) == ("pass", "Other device")
    assert body["current"]["version"] == 2
    db.session.expire_all()
    assert answer_of(started, "A-01").note == "Other device"
    assert db.session.scalar(select(func.count()).select_from(OfflineChange)) == 0


def test_keeping_this_devices_answer_sends_it_on_the_current_version(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    supervisor.post(url, data={"result": "pass", "version": "1"})

    response = supervisor.post(
        url, data={"result": "fail", "version": "2"}, headers=keyed("change-0004x")
    )

    assert response.status_code == 200
    db.session.expire_all()
    assert answer_of(started, "A-01").result == AnswerResult.FAIL


def test_an_old_version_that_changes_nothing_is_no_conflict(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    supervisor.post(url, data={"result": "pass", "version": "1"})

    response = supervisor.post(
        url, data={"result": "pass", "version": "1"}, headers=keyed("change-0005x")
    )

    assert response.status_code == 200
    assert response.get_json()["version"] == 2


def test_a_stale_form_without_javascript_shows_a_warning_and_keeps_the_other_answer(
    supervisor, started
):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    supervisor.post(url, data={"result": "pass", "version": "1"})

    response = supervisor.post(url, data={"result": "fail", "version": "1"}, follow_redirects=True)

    assert "was changed on another device" in response.get_data(as_text=True)
    db.session.expire_all()
    assert answer_of(started, "A-01").result == AnswerResult.PASS


def test_a_photo_resent_with_its_key_is_stored_once(supervisor, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'B-01')}/photos"

    first = supervisor.post(url, data={"photos": [photo_upload()]}, headers=keyed("photo-0001"))
    again = supervisor.post(url, data={"photos": [photo_upload()]}, headers=keyed("photo-0001"))

    assert first.status_code == again.status_code == 200
    assert len(again.get_json()["photos"]) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    db.session.expire_all()
    assert answer_of(started, "B-01").result is None  # a photo leaves the answer alone


def test_a_photo_of_an_item_not_in_the_audit_is_refused_with_a_message(supervisor, started, world):
    other_item = 999_999
    response = supervisor.post(
        f"/audits/{started.id}/items/{other_item}/photos",
        data={"photos": [photo_upload()]},
        headers=keyed("photo-0002"),
    )
    assert response.status_code == 404
    assert "no longer part of the audit" in response.get_json()["message"]


def test_a_queued_start_starts_once(supervisor, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()
    url = f"/audits/{audit.id}/start"

    first = supervisor.post(url, headers=keyed("start-0001"))
    again = supervisor.post(url, headers=keyed("start-0001"))

    assert first.status_code == again.status_code == 200
    assert first.get_json()["standard_version"] == world.version.id
    db.session.expire_all()
    assert audit.status == AuditStatus.IN_PROGRESS
    assert entries("audit.start") == 1


def test_an_answer_before_the_start_is_refused_and_leaves_its_key_free(supervisor, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()
    url = f"/audits/{audit.id}/items/{world.version.items[0].id}"

    refused = supervisor.post(url, data={"result": "pass"}, headers=keyed("early-0001"))
    supervisor.post(f"/audits/{audit.id}/start", headers=keyed("start-0002"))
    accepted = supervisor.post(url, data={"result": "pass"}, headers=keyed("early-0001"))

    assert refused.status_code == 422
    assert accepted.status_code == 200


def test_changes_to_a_cancelled_audit_are_refused_with_the_reason(supervisor, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    audit.status = AuditStatus.CANCELLED
    db.session.commit()

    response = supervisor.post(f"/audits/{audit.id}/start", headers=keyed("start-0003"))

    assert response.status_code == 409
    assert response.get_json()["message"] == "This audit was cancelled."


def test_a_queued_completion_completes_once_and_is_checked(supervisor, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-02": "fail"}),
    )
    db.session.commit()
    url = f"/audits/{audit.id}/complete"

    first = supervisor.post(url, data={"summary": "Done"}, headers=keyed("complete-0001"))
    again = supervisor.post(url, data={"summary": "Done"}, headers=keyed("complete-0001"))

    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert first.get_json()["url"] == f"/audits/{audit.id}"
    db.session.expire_all()
    assert audit.status == AuditStatus.COMPLETED
    assert db.session.scalar(select(func.count()).select_from(CorrectiveAction)) == 1
    assert entries("audit.complete") == 1


def test_a_queued_completion_with_problems_is_refused_with_them(supervisor, started):
    response = supervisor.post(
        f"/audits/{started.id}/complete", data={"summary": ""}, headers=keyed("complete-0002")
    )
    assert response.status_code == 422
    assert "A-01 has no answer yet." in response.get_json()["message"]
    db.session.expire_all()
    assert started.status == AuditStatus.IN_PROGRESS


def test_keys_are_kept_per_user(app, world, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    admin = client_for(app, world.admin.email, PASSWORD)
    supervisor = client_for(app, world.supervisor.email, PASSWORD)

    supervisor.post(url, data={"result": "pass", "version": "1"}, headers=keyed("shared-0001"))
    response = admin.post(
        url, data={"result": "fail", "version": "2"}, headers=keyed("shared-0001")
    )

    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers
    db.session.expire_all()
    assert answer_of(started, "A-01").result == AnswerResult.FAIL


def test_an_action_response_resent_with_its_key_is_stored_once(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        complete=True,
    )
    db.session.commit()
    action = audit.actions[0]
    dealer = client_for(app, world.dealer_user.email, PASSWORD)

    def send():
        return dealer.post(
            f"/actions/{action.id}/respond",
            data={"comment": "Sign repaired", "token": "a" * 32, "photos": [photo_upload()]},
            headers=keyed("evidence-0001"),
        )

    first, again = send(), send()

    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() == {"ok": True, "url": f"/actions/{action.id}"}
    db.session.expire_all()
    assert len(action.steps) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_a_response_to_an_action_not_waiting_for_one_is_refused_with_the_reason(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        complete=True,
    )
    db.session.commit()
    action = audit.actions[0]
    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    dealer.post(f"/actions/{action.id}/respond", data={"comment": "Done", "token": "b" * 32})

    response = dealer.post(
        f"/actions/{action.id}/respond",
        data={"comment": "Done again", "token": "c" * 32},
        headers=keyed("evidence-0002"),
    )

    assert response.status_code == 409
    assert response.get_json()["message"] == "This action is not waiting for your response."


def _publish_next_version(world):
    draft = standards.start_draft(world.standard, actor=world.admin)
    standards.publish(draft, notes="", actor=world.admin)
    db.session.commit()
    return draft


def test_a_queued_start_binds_the_version_its_offline_copy_was_made_with(supervisor, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()
    newer = _publish_next_version(world)  # published while the phone had no signal

    response = supervisor.post(
        f"/audits/{audit.id}/start",
        data={"standard_version": str(world.version.id)},
        headers=keyed("start-0010"),
    )

    assert response.status_code == 200
    assert response.get_json()["standard_version"] == world.version.id != newer.id
    db.session.expire_all()
    assert {a.item_id for a in audit.answers} == {item.id for item in world.version.items}


def test_a_queued_start_with_an_unknown_version_binds_the_current_one(supervisor, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()
    newer = _publish_next_version(world)
    draft = standards.start_draft(world.standard, actor=world.admin)  # not published: not bound
    db.session.commit()

    response = supervisor.post(
        f"/audits/{audit.id}/start",
        data={"standard_version": str(draft.id)},
        headers=keyed("start-0011"),
    )

    assert response.status_code == 200
    assert response.get_json()["standard_version"] == newer.id


def test_a_replay_after_the_supervisor_lost_the_region_is_not_found(supervisor, world, started):
    url = f"/audits/{started.id}/items/{item_id(started, 'A-01')}"
    data = {"result": "pass", "version": "1"}
    assert supervisor.post(url, data=data, headers=keyed("lost-0001")).status_code == 200
    complete = f"/audits/{started.id}/complete"
    world.supervisor.regions = []
    db.session.commit()

    replay = supervisor.post(url, data=data, headers=keyed("lost-0001"))
    start = supervisor.post(f"/audits/{started.id}/start", headers=keyed("lost-0002"))
    completion = supervisor.post(complete, data={"summary": ""}, headers=keyed("lost-0003"))

    assert replay.status_code == start.status_code == completion.status_code == 404
    assert "Idempotent-Replayed" not in replay.headers
