"""Conducting over HTTP: answers saved as given (JSON and plain forms), resume, complete."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AnswerResult, Attachment, AuditStatus
from tests.conftest import client_for
from tests.support.audit_factories import all_pass, make_audit, photo_upload
from tests.support.factories import PASSWORD

JSON = {"Accept": "application/json"}


@pytest.fixture
def started(world):
    audit = make_audit(world.store, world.standard, world.supervisor, answers={})
    db.session.commit()
    return audit


@pytest.fixture
def supervisor(app, world):
    return client_for(app, world.supervisor.email, PASSWORD)


def answer_of(audit, code):
    return next(a for a in audit.answers if a.item.code == code)


def test_an_answer_posted_as_json_is_saved_and_echoed(supervisor, started):
    answer = answer_of(started, "A-01")
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "fail", "note": "Sign flickers", "photos": [photo_upload()]},
        headers=JSON,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert (body["result"], body["note"]) == ("fail", "Sign flickers")
    assert (body["answered"], body["total"]) == (1, 4)
    assert len(body["photos"]) == 1
    assert body["photos"][0]["url"] == f"/attachments/{body['photos'][0]['id']}"
    assert (answer.result, answer.note) == (AnswerResult.FAIL, "Sign flickers")


def test_without_javascript_each_item_form_posts_and_returns_to_the_item(supervisor, started):
    answer = answer_of(started, "B-02")
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}", data={"result": "na", "note": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/conduct#item-{answer.item_id}")
    assert answer.result == AnswerResult.NA


def test_reopening_the_audit_shows_every_saved_answer(supervisor, started):
    first, second = answer_of(started, "A-01"), answer_of(started, "B-01")
    supervisor.post(
        f"/audits/{started.id}/items/{first.item_id}",
        data={"result": "pass", "note": "Bright"},
        headers=JSON,
    )
    supervisor.post(
        f"/audits/{started.id}/items/{second.item_id}",
        data={"result": "fail", "note": "Tags missing"},
        headers=JSON,
    )
    page = supervisor.get(f"/audits/{started.id}/conduct").get_data(as_text=True)
    assert f'id="r-{first.item_id}-pass" autocomplete="off" checked' in page
    assert f'id="r-{second.item_id}-fail" autocomplete="off" checked' in page
    assert ">Tags missing</textarea>" in page
    assert "data-answered>2</span>" in page


def test_a_bad_answer_is_refused_with_a_message_and_saves_nothing(supervisor, started):
    answer = answer_of(started, "A-01")  # N/A not allowed
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "na", "note": "x", "photos": [photo_upload()]},
        headers=JSON,
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "N/A is not allowed for this item."
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "maybe"},
        headers=JSON,
    )
    assert response.status_code == 422
    bad_file = photo_upload()
    bad_file.stream.seek(0)
    bad_file.stream.write(b"GIF89a not really")
    bad_file.stream.seek(0)
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "fail", "note": "with a bad photo", "photos": [bad_file]},
        headers=JSON,
    )
    assert response.status_code == 422
    assert "photos are accepted" in response.get_json()["message"]
    db.session.expire_all()
    assert (answer.result, answer.note) == (None, "")
    assert db.session.scalar(select(Attachment)) is None


def test_answer_photos_decode_with_no_transaction_open(supervisor, started, decoding_watched):
    """Checking the photos ends the request's transaction first (S20); the answer and its
    photos are then saved together, and a refused photo keeps neither."""
    answer = answer_of(started, "A-01")
    db.session.commit()  # the test's own session holds no lock
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "fail", "note": "Two photos", "photos": [photo_upload(), photo_upload()]},
        headers=JSON,
    )
    assert response.status_code == 200
    assert decoding_watched == [False, False]
    assert len(response.get_json()["photos"]) == 2
    db.session.expire_all()
    assert (answer.result, answer.note) == (AnswerResult.FAIL, "Two photos")
    assert len(db.session.scalars(select(Attachment)).all()) == 2


def test_more_photos_than_an_item_takes_are_refused_before_any_is_decoded(
    app, supervisor, started, decoding_watched
):
    app.config["AUDIT_MAX_PHOTOS_PER_ANSWER"] = 2
    answer = answer_of(started, "A-01")
    db.session.commit()
    photos = [photo_upload(), photo_upload(), photo_upload()]
    response = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "fail", "photos": photos},
        headers=JSON,
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "At most 2 photos per item."
    assert decoding_watched == []
    db.session.expire_all()
    assert answer.result is None
    assert db.session.scalar(select(Attachment)) is None


def test_a_photo_can_be_removed_while_the_audit_is_open(supervisor, started):
    answer = answer_of(started, "B-01")
    body = supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}",
        data={"result": "fail", "photos": [photo_upload()]},
        headers=JSON,
    ).get_json()
    photo = body["photos"][0]
    response = supervisor.post(photo["delete"], headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["photos"] == []
    assert db.session.get(Attachment, photo["id"]) is None


def test_completing_with_gaps_shows_what_is_missing_and_keeps_the_answers(supervisor, started):
    answer = answer_of(started, "B-01")
    supervisor.post(
        f"/audits/{started.id}/items/{answer.item_id}", data={"result": "fail"}, headers=JSON
    )
    response = supervisor.post(f"/audits/{started.id}/complete", data={"summary": "s"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A-01 has no answer yet." in page
    assert "B-01 failed and needs a photo." in page
    assert started.status == AuditStatus.IN_PROGRESS
    assert answer.result == AnswerResult.FAIL


def test_after_completion_answers_are_refused(supervisor, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version),
        complete=True,
    )
    db.session.commit()
    answer = audit.answers[0]
    response = supervisor.post(
        f"/audits/{audit.id}/items/{answer.item_id}", data={"result": "fail"}, headers=JSON
    )
    assert response.status_code == 409
    response = supervisor.post(
        f"/audits/{audit.id}/items/{answer.item_id}", data={"result": "fail"}
    )
    assert response.status_code == 302  # back to the audit's page, with a message
    assert supervisor.get(f"/audits/{audit.id}/conduct").status_code == 302
    db.session.expire_all()
    assert answer.result == AnswerResult.PASS


def test_a_scheduled_audit_must_be_started_first(supervisor, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()
    assert supervisor.get(f"/audits/{audit.id}/conduct").status_code == 302
    response = supervisor.post(f"/audits/{audit.id}/start")
    assert response.headers["Location"].endswith(f"/audits/{audit.id}/conduct")
    assert audit.status == AuditStatus.IN_PROGRESS
    assert len(audit.answers) == 4


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_the_json_endpoint_needs_the_csrf_token(self, app, world, started):
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/sign-in",
            data={"email": world.supervisor.email, "password": PASSWORD, "csrf_token": token},
        )
        conduct = client.get(f"/audits/{started.id}/conduct").get_data(as_text=True)
        token = conduct.split('name="csrf_token" value="')[1].split('"')[0]
        answer = answer_of(started, "A-01")
        url = f"/audits/{started.id}/items/{answer.item_id}"
        refused = client.post(url, data={"result": "pass"}, headers=JSON)
        assert refused.status_code == 400
        assert refused.get_json()["error"] == 400
        db.session.expire_all()
        assert answer.result is None
        accepted = client.post(url, data={"result": "pass"}, headers={**JSON, "X-CSRFToken": token})
        assert accepted.status_code == 200
        assert answer.result == AnswerResult.PASS
