"""Who may see and do what with audits, answers, photos and actions (S2, S3, S5, S6).

One scene per test: a completed audit with a failed item, its photo and an action with
evidence; an audit in progress (unannounced); an unannounced and an announced scheduled
audit. Each row of the matrix is tried by every role; refused requests must change
nothing, and out-of-scope records answer 404 like missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal import clock as portal_clock
from portal.audits import corrective, services
from portal.extensions import db
from portal.models import (
    ActionStatus,
    ActionStep,
    ActivityEntry,
    Attachment,
    Audit,
    AuditAnswer,
    AuditStatus,
    CorrectiveAction,
)
from tests.conftest import client_for
from tests.support.audit_factories import AuditWorld, all_pass, make_audit, photo_upload
from tests.support.factories import PASSWORD

# A day well after the test clock's today (tests/support/clock.py).
LATER = (portal_clock.today() + timedelta(days=60)).isoformat()

ROLES = (
    "admin",
    "supervisor",
    "far_supervisor",
    "dealer_user",
    "other_dealer_user",
    "far_dealer_user",
)


@dataclass
class Scene:
    completed: Audit
    action: CorrectiveAction  # responded, with evidence
    open_action: CorrectiveAction
    answer_photo: Attachment
    evidence: Attachment
    in_progress: Audit  # unannounced
    progress_photo: Attachment
    unannounced: Audit
    announced: Audit


def build_scene(world: AuditWorld) -> Scene:
    completed = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail", "B-01": "fail"}),
        photos=("B-01",),
        complete=True,
    )
    action, open_action = sorted(completed.actions, key=lambda a: a.item.code != "B-01")
    step = corrective.respond(
        action, comment="fixed", photos=[photo_upload()], actor=world.dealer_user
    )
    in_progress = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        announced=False,
        answers={"A-01": "pass"},
        photos=("A-01",),
    )
    scene = Scene(
        completed=completed,
        action=action,
        open_action=open_action,
        answer_photo=services.photos_of(completed.answers)[action.answer_id][0],
        evidence=corrective.evidence_of([step])[step.id][0],
        in_progress=in_progress,
        progress_photo=next(
            p for ps in services.photos_of(in_progress.answers).values() for p in ps
        ),
        unannounced=make_audit(world.store, world.standard, world.supervisor, announced=False),
        announced=make_audit(world.store, world.standard, world.supervisor, announced=True),
    )
    db.session.commit()
    return scene


def fingerprint() -> list[Any]:
    """Everything the requests could change."""
    db.session.expire_all()
    audits = db.session.execute(
        select(
            Audit.id,
            Audit.status,
            Audit.score,
            Audit.scheduled_for,
            Audit.announced,
            Audit.acknowledged_at,
            Audit.dealer_id,
            Audit.version,
        )
    ).all()
    answers = db.session.execute(select(AuditAnswer.id, AuditAnswer.result, AuditAnswer.note)).all()
    actions = db.session.execute(
        select(CorrectiveAction.id, CorrectiveAction.status, CorrectiveAction.due_on)
    ).all()
    steps = db.session.execute(select(ActionStep.id)).all()
    files = db.session.execute(select(Attachment.id)).all()
    return [sorted(audits), sorted(answers), sorted(actions), sorted(steps), sorted(files)]


OK = "ok"  # 200 for pages, 302 for forms

# name: (method, url, data, {role: expected}); roles not listed expect 404
MATRIX: dict[str, tuple[str, str, Any, dict[str, Any]]] = {
    "completed audit page": (
        "get",
        "/audits/{completed}",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "unannounced audit page": (
        "get",
        "/audits/{unannounced}",
        None,
        {"admin": OK, "supervisor": OK},
    ),
    "announced audit page": (
        "get",
        "/audits/{announced}",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "in-progress audit page": (
        "get",
        "/audits/{in_progress}",
        None,
        {"admin": OK, "supervisor": OK},
    ),
    "audit pdf": (
        "get",
        "/audits/{completed}/report.pdf",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "store history": (
        "get",
        "/audits/stores/{store}",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "answer photo": (
        "get",
        "/attachments/{answer_photo}",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "photo of an audit in progress": (
        "get",
        "/attachments/{progress_photo}",
        None,
        {"admin": OK, "supervisor": OK},
    ),
    "evidence photo": (
        "get",
        "/attachments/{evidence}",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "action page": (
        "get",
        "/actions/{action}",
        None,
        {"admin": OK, "supervisor": OK, "dealer_user": OK},
    ),
    "conduct page": (
        "get",
        "/audits/{in_progress}/conduct",
        None,
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "answer an item": (
        "post",
        "/audits/{in_progress}/items/{item}",
        {"result": "fail"},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "remove a photo": (
        "post",
        "/audits/{in_progress}/photos/{progress_photo}/delete",
        {},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "start an audit": (
        "post",
        "/audits/{unannounced}/start",
        {},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "reschedule": (
        "post",
        "/audits/{announced}/reschedule",
        {"scheduled_for": LATER, "announced": "y", "version": 1},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "cancel": (
        "post",
        "/audits/{announced}/cancel",
        {"reason": "x"},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "verify an action": (
        "post",
        "/actions/{action}/verify",
        {},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "reopen an action": (
        "post",
        "/actions/{action}/reopen",
        {"comment": "no"},
        {
            "admin": OK,
            "supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "respond to an action": (
        "post",
        "/actions/{open_action}/respond",
        {"comment": "done", "token": "c" * 32},
        {"dealer_user": OK, "admin": 403, "supervisor": 403, "far_supervisor": 403},
    ),
    "acknowledge an audit": (
        "post",
        "/audits/{completed}/acknowledge",
        {"comment": "seen"},
        {"dealer_user": OK, "admin": 403, "supervisor": 403, "far_supervisor": 403},
    ),
    "schedule": (
        "post",
        "/audits/schedule",
        {
            "store_id": "{store}",
            "standard_id": "{standard}",
            "scheduled_for": LATER,
            "token": "d" * 32,
        },
        {
            "supervisor": OK,
            "admin": OK,
            "far_supervisor": 200,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
    "findings": (
        "get",
        "/audits/findings",
        None,
        {
            "admin": OK,
            "supervisor": OK,
            "far_supervisor": OK,
            "dealer_user": 403,
            "other_dealer_user": 403,
            "far_dealer_user": 403,
        },
    ),
}


def ids(world: AuditWorld, scene: Scene) -> dict[str, int]:
    return {
        "completed": scene.completed.id,
        "unannounced": scene.unannounced.id,
        "announced": scene.announced.id,
        "in_progress": scene.in_progress.id,
        "store": world.store.id,
        "standard": world.standard.id,
        "answer_photo": scene.answer_photo.id,
        "progress_photo": scene.progress_photo.id,
        "evidence": scene.evidence.id,
        "action": scene.action.id,
        "open_action": scene.open_action.id,
        "item": scene.in_progress.answers[1].item_id,
    }


def _fill(value: Any, values: dict[str, int]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


@pytest.mark.parametrize("row", list(MATRIX))
def test_access_matrix(app, world, row):
    scene = build_scene(world)
    method, url, data, allowed = MATRIX[row]
    values = ids(world, scene)
    url, data = _fill(url, values), _fill(data, values)
    # Refused roles first, so the allowed change (if any) happens last.
    order = sorted(ROLES, key=lambda role: allowed.get(role, 404) == OK)
    allowed_before = False
    for role in order:
        expected = allowed.get(role, 404)
        before = fingerprint()
        client = client_for(app, getattr(world, role).email, PASSWORD)
        response = getattr(client, method)(url, data=data)
        if expected == OK and allowed_before:
            # Allowed too, but the first allowed request may have changed the record's state.
            assert response.status_code != 403, (row, role, response.status_code)
        elif expected == OK:
            assert response.status_code in (200, 302), (row, role, response.status_code)
            allowed_before = method == "post"
        else:
            assert response.status_code == expected, (row, role, response.status_code)
            assert fingerprint() == before, (row, role)


def test_dealers_see_only_their_own_completed_and_announced_audits_in_lists(app, world):
    scene = build_scene(world)
    other = make_audit(
        world.other_store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version),
        complete=True,
    )
    db.session.commit()
    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    page = dealer.get("/audits/?status=").get_data(as_text=True)
    for audit in (scene.completed, scene.announced):
        assert f'href="/audits/{audit.id}"' in page
    for audit in (scene.unannounced, scene.in_progress, other):
        assert f'href="/audits/{audit.id}"' not in page
    other_dealer = client_for(app, world.other_dealer_user.email, PASSWORD)
    page = other_dealer.get("/audits/").get_data(as_text=True)
    assert f'href="/audits/{other.id}"' in page
    assert f'href="/audits/{scene.completed.id}"' not in page


def test_an_announced_audit_shows_the_dealer_its_date_but_no_answers(app, world):
    scene = build_scene(world)
    services.start(scene.announced, actor=world.supervisor)
    services.save_answer(
        scene.announced,
        scene.announced.answers[0],
        result=None,
        note="CANARY-IN-PROGRESS",
        actor=world.supervisor,
    )
    db.session.commit()
    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    page = dealer.get(f"/audits/{scene.announced.id}")
    assert page.status_code == 200
    assert "CANARY-IN-PROGRESS" not in page.get_data(as_text=True)
    assert dealer.get(f"/audits/{scene.announced.id}/report.pdf").status_code == 404


def test_no_tenant_marker_reaches_another_tenant(app, world):
    """S3: the dealer's markers never appear on any page another tenant can open."""
    marker = "CANARY-7f3a"
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        notes={"A-01": f"{marker} note"},
        complete=False,
    )
    services.complete(audit, summary=f"{marker} summary", actor=world.supervisor)
    services.acknowledge(audit, comment=f"{marker} ack", actor=world.dealer_user)
    corrective.respond(
        audit.actions[0], comment=f"{marker} response", photos=[], actor=world.dealer_user
    )
    own = make_audit(
        world.other_store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-02": "fail"}),
        complete=True,
    )
    far = make_audit(
        world.far_store,
        world.standard,
        world.far_supervisor,
        answers=all_pass(world.version, **{"A-02": "fail"}),
        complete=True,
    )
    db.session.commit()
    assert marker in client_for(app, world.dealer_user.email, PASSWORD).get(
        f"/audits/{audit.id}"
    ).get_data(as_text=True)
    sweeps = {
        "other_dealer_user": [
            "/home",
            "/audits/",
            "/audits/?status=",
            "/actions/?state=all",
            "/inbox/",
            f"/audits/{own.id}",
            f"/audits/stores/{world.other_store.id}",
            f"/actions/{own.actions[0].id}",
        ],
        "far_dealer_user": [
            "/home",
            "/audits/",
            "/actions/?state=all",
            "/inbox/",
            f"/audits/{far.id}",
        ],
        "far_supervisor": [
            "/home",
            "/audits/",
            "/audits/?status=completed",
            "/actions/?state=all",
            "/audits/findings",
            "/inbox/",
            f"/audits/{far.id}",
            f"/audits/stores/{world.far_store.id}",
        ],
    }
    for role, urls in sweeps.items():
        client = client_for(app, getattr(world, role).email, PASSWORD)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            assert marker not in response.get_data(as_text=True), (role, url)
    client = client_for(app, world.other_dealer_user.email, PASSWORD)
    pdf = client.get(f"/audits/{own.id}/report.pdf")
    assert pdf.status_code == 200
    assert marker.encode() not in pdf.data


def test_a_store_that_changes_dealer_keeps_its_history_with_the_old_dealer(app, world):
    old = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        notes={"A-01": "CANARY-old-owner"},
        complete=True,
    )
    world.store.dealer_id = world.other_dealer.id
    db.session.flush()
    new = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        complete=True,
    )
    db.session.commit()
    assert services.previous_audit(new) is None
    assert [a.repeat for a in new.actions] == [False]
    client = client_for(app, world.other_dealer_user.email, PASSWORD)
    assert client.get(f"/audits/{old.id}").status_code == 404
    for url in (f"/audits/stores/{world.store.id}", f"/audits/{new.id}", "/audits/"):
        assert "CANARY-old-owner" not in client.get(url).get_data(as_text=True)


# Mass assignment (S5)


def test_extra_fields_on_an_answer_change_nothing_they_name(app, world):
    scene = build_scene(world)
    target = scene.in_progress.answers[1]
    foreign_item = scene.completed.answers[0].item_id
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.post(
        f"/audits/{scene.in_progress.id}/items/{target.item_id}",
        data={
            "result": "fail",
            "note": "n",
            "audit_id": scene.completed.id,
            "item_id": foreign_item,
            "dealer_id": world.far_dealer.id,
            "status": "completed",
            "score": "100",
            "answered_by_id": world.admin.id,
            "critical": "y",
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert (target.audit_id, target.item_id, target.answered_by_id) == (
        scene.in_progress.id,
        target.item_id,
        world.supervisor.id,
    )
    assert scene.in_progress.status == AuditStatus.IN_PROGRESS
    assert scene.in_progress.dealer_id == world.dealer.id
    assert (target.item.critical, target.item.weight) == (True, 10)  # A-02 as built


def test_an_item_of_another_audit_cannot_be_answered_through_this_one(app, world):
    scene = build_scene(world)
    foreign_item = next(a.item_id for a in scene.completed.answers)
    fresh = make_audit(world.other_store, world.standard, world.supervisor, answers={})
    db.session.commit()
    answer = fresh.answers[0]
    client = client_for(app, world.supervisor.email, PASSWORD)
    unknown = client.post(f"/audits/{fresh.id}/items/999999", data={"result": "fail"})
    assert unknown.status_code == 404
    # The same item id exists in the other audit, but only this audit's answer is touched.
    client.post(f"/audits/{fresh.id}/items/{foreign_item}", data={"result": "fail"})
    db.session.expire_all()
    assert {a.result for a in scene.completed.answers} != {None}
    assert answer.audit_id == fresh.id


def test_extra_fields_on_scheduling_change_nothing_they_name(app, world):
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.post(
        "/audits/schedule",
        data={
            "store_id": world.store.id,
            "standard_id": world.standard.id,
            "scheduled_for": LATER,
            "token": "e" * 32,
            "dealer_id": world.far_dealer.id,
            "status": "completed",
            "score": "100",
            "auditor_id": world.admin.id,
            "standard_version_id": 999,
            "kind": "follow_up",
        },
    )
    assert response.status_code == 302
    audit = db.session.scalar(select(Audit))
    assert (audit.dealer_id, audit.status, audit.score, audit.auditor_id, audit.kind.value) == (
        world.dealer.id,
        AuditStatus.SCHEDULED,
        None,
        world.supervisor.id,
        "regular",
    )
    assert audit.standard_version_id is None


def test_scheduling_a_store_outside_the_supervisors_regions_is_refused(app, world):
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.post(
        "/audits/schedule",
        data={
            "store_id": world.far_store.id,
            "standard_id": world.standard.id,
            "scheduled_for": LATER,
            "token": "f" * 32,
        },
    )
    assert response.status_code == 200  # not a choice: the form says so
    assert db.session.scalar(select(Audit)) is None


def test_completion_computes_the_score_whatever_is_posted(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-02": "fail"}),
    )
    db.session.commit()
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.post(
        f"/audits/{audit.id}/complete",
        data={
            "summary": "s",
            "score": "100",
            "grade": "A",
            "passed": "y",
            "critical_failed": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (audit.score, audit.grade, audit.passed, audit.critical_failed) == (50, "D", False, True)


def test_extra_fields_on_a_response_change_nothing_they_name(app, world):
    scene = build_scene(world)
    action = scene.open_action
    due = action.due_on
    client = client_for(app, world.dealer_user.email, PASSWORD)
    response = client.post(
        f"/actions/{action.id}/respond",
        data={
            "comment": "done",
            "token": "g" * 32,
            "status": "verified",
            "due_on": LATER,
            "dealer_id": world.other_dealer.id,
            "verified_by_id": world.dealer_user.id,
            "repeat": "",
            "critical": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (action.status, action.due_on, action.dealer_id, action.verified_by_id) == (
        ActionStatus.RESPONDED,
        due,
        world.dealer.id,
        None,
    )


def test_refused_requests_are_not_logged_as_changes(app, world):
    scene = build_scene(world)
    count = db.session.scalar(select(db.func.count()).select_from(ActivityEntry))
    client = client_for(app, world.other_dealer_user.email, PASSWORD)
    client.post(f"/actions/{scene.open_action.id}/respond", data={"comment": "x"})
    client.post(f"/audits/{scene.completed.id}/acknowledge", data={"comment": "x"})
    after = db.session.scalar(select(db.func.count()).select_from(ActivityEntry))
    assert after == count + 1  # only the sign-in
