"""Audit and corrective-action lifecycles, at the service level."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import clock
from portal.audits import corrective, scheduling, services
from portal.audits.corrective import ActionError
from portal.audits.services import AuditError, AuditIncomplete
from portal.extensions import db
from portal.models import (
    ActionStatus,
    ActivityEntry,
    AnswerResult,
    AuditKind,
    AuditStatus,
    CorrectiveAction,
    FrozenAuditError,
    Notification,
    StepKind,
)
from portal.standards import services as standards
from tests.support.audit_factories import all_pass, answer_items, make_audit, photo_upload


def _complete(world, answers, **kwargs):
    return make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=answers,
        photos=kwargs.pop("photos", ("B-01",) if answers.get("B-01") == "fail" else ()),
        complete=True,
        **kwargs,
    )


def test_scheduling_refuses_past_dates_retired_standards_and_closed_stores(world):
    yesterday = clock.today() - timedelta(days=1)
    with pytest.raises(AuditError) as error:
        make_audit(world.store, world.standard, world.supervisor, scheduled_for=yesterday)
    assert error.value.field == "scheduled_for"
    world.store.active = False
    with pytest.raises(AuditError) as error:
        make_audit(world.store, world.standard, world.supervisor)
    assert error.value.field == "store_id"
    world.store.active = True
    standards.set_active(world.standard, False, actor=world.admin)
    with pytest.raises(AuditError) as error:
        make_audit(world.store, world.standard, world.supervisor)
    assert error.value.field == "standard_id"


def test_the_same_schedule_token_twice_makes_one_audit(world):
    first = scheduling.schedule_audit(
        store=world.store,
        standard=world.standard,
        scheduled_for=clock.today(),
        announced=True,
        actor=world.supervisor,
        token="t" * 32,
    )
    second = scheduling.schedule_audit(
        store=world.store,
        standard=world.standard,
        scheduled_for=clock.today(),
        announced=True,
        actor=world.supervisor,
        token="t" * 32,
    )
    assert first is second


def test_starting_binds_the_current_version_and_lays_out_every_item(world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    assert audit.standard_version_id is None
    services.start(audit, actor=world.supervisor)
    assert audit.status == AuditStatus.IN_PROGRESS
    assert audit.standard_version_id == world.version.id
    assert sorted(a.item.code for a in audit.answers) == ["A-01", "A-02", "B-01", "B-02"]
    assert all(a.result is None for a in audit.answers)
    with pytest.raises(AuditError):
        services.start(audit, actor=world.supervisor)


def test_answers_are_refused_before_start_and_na_only_where_allowed(world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    services.start(audit, actor=world.supervisor)
    by_code = {a.item.code: a for a in audit.answers}
    with pytest.raises(AuditError) as error:
        services.save_answer(
            audit, by_code["A-01"], result=AnswerResult.NA, note="", actor=world.supervisor
        )
    assert error.value.field == "result"
    services.save_answer(
        audit, by_code["B-02"], result=AnswerResult.NA, note="", actor=world.supervisor
    )
    assert by_code["B-02"].result == AnswerResult.NA
    scheduled = make_audit(world.other_store, world.standard, world.supervisor)
    assert services.answer_for(scheduled, by_code["A-01"].item_id) is None


def test_completion_lists_unanswered_items_and_missing_photos(world):
    audit = make_audit(
        world.store, world.standard, world.supervisor, answers={"A-01": "pass", "B-01": "fail"}
    )
    with pytest.raises(AuditIncomplete) as incomplete:
        services.complete(audit, summary="", actor=world.supervisor)
    messages = [str(p.message) for p in incomplete.value.problems]
    assert "A-02 has no answer yet." in messages
    assert "B-02 has no answer yet." in messages
    assert "B-01 failed and needs a photo." in messages
    assert audit.status == AuditStatus.IN_PROGRESS


def test_completion_freezes_answers_and_score_and_opens_actions(world, app):
    audit = _complete(world, all_pass(world.version, **{"A-02": "fail", "B-01": "fail"}))
    assert audit.status == AuditStatus.COMPLETED
    assert audit.score == Decimal("35.0")  # A-01 (5) and B-02 (2) of 20
    assert audit.critical_failed is True
    assert audit.passed is False
    actions = {a.item.code: a for a in audit.actions}
    assert set(actions) == {"A-02", "B-01"}
    today = clock.today()
    assert actions["A-02"].due_on == today + timedelta(
        days=app.config["AUDIT_ACTION_DUE_DAYS_CRITICAL"]
    )
    assert actions["B-01"].due_on == today + timedelta(days=app.config["AUDIT_ACTION_DUE_DAYS"])
    assert all(
        a.status == ActionStatus.OPEN and a.dealer_id == world.dealer.id for a in actions.values()
    )
    answer = audit.answers[0]
    with pytest.raises(AuditError):
        services.save_answer(
            audit, answer, result=AnswerResult.FAIL, note="", actor=world.supervisor
        )
    with pytest.raises(AuditError):
        services.add_photo(audit, answer, photo_upload(), actor=world.supervisor)


def test_the_database_guard_refuses_edits_to_a_completed_audit(world):
    audit = _complete(world, all_pass(world.version))
    db.session.commit()
    audit.answers[0].result = AnswerResult.FAIL
    with pytest.raises(FrozenAuditError):
        db.session.flush()
    db.session.rollback()
    audit.score = Decimal(10)
    with pytest.raises(FrozenAuditError):
        db.session.flush()
    db.session.rollback()
    audit.acknowledgement = "seen"  # the dealer's acknowledgement may still be added
    db.session.flush()


def test_audits_keep_their_version_and_score_when_the_standard_changes(world):
    audit = _complete(world, all_pass(world.version, **{"A-01": "fail"}))
    score = audit.score
    draft = standards.start_draft(world.standard, actor=world.admin)
    item = next(i for i in draft.items if i.code == "A-01")
    standards.update_item(item, {"weight": 1}, actor=world.admin)
    standards.publish(draft, notes="", actor=world.admin)
    db.session.commit()
    db.session.expire_all()
    assert audit.standard_version_id == world.version.id
    assert audit.score == score
    later = make_audit(world.store, world.standard, world.supervisor)
    services.start(later, actor=world.supervisor)
    assert later.standard_version_id == draft.id


def test_a_failure_that_failed_last_time_is_flagged_as_repeat(world):
    _complete(world, all_pass(world.version, **{"A-01": "fail"}))
    second = _complete(world, all_pass(world.version, **{"A-01": "fail", "B-02": "fail"}))
    repeats = {a.item.code: a.repeat for a in second.actions}
    assert repeats == {"A-01": True, "B-02": False}
    other_store = make_audit(
        world.other_store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        complete=True,
    )
    assert [a.repeat for a in other_store.actions] == [False]


def test_previous_answers_come_from_the_stores_last_completed_audit(world):
    _complete(world, all_pass(world.version, **{"A-01": "fail"}), notes={"A-01": "dusty sign"})
    current = make_audit(world.store, world.standard, world.supervisor, answers={})
    previous = services.previous_answers(current)
    assert previous["A-01"].result == AnswerResult.FAIL
    assert previous["A-01"].note == "dusty sign"
    assert previous["A-02"].result == AnswerResult.PASS


def test_a_follow_up_checks_only_the_failed_items_on_the_same_version(world):
    original = _complete(world, all_pass(world.version, **{"A-01": "fail", "B-01": "fail"}))
    draft = standards.start_draft(world.standard, actor=world.admin)
    standards.publish(draft, notes="", actor=world.admin)
    follow_up = scheduling.schedule_follow_up(
        original, scheduled_for=clock.today(), announced=False, actor=world.supervisor
    )
    assert follow_up.kind == AuditKind.FOLLOW_UP
    services.start(follow_up, actor=world.supervisor)
    assert follow_up.standard_version_id == world.version.id
    assert sorted(a.item.code for a in follow_up.answers) == ["A-01", "B-01"]
    answer_items(follow_up, {"A-01": "pass", "B-01": "pass"}, world.supervisor)
    result = services.complete(follow_up, summary="", actor=world.supervisor)
    assert result.percentage == 100


def test_a_clean_audit_cannot_be_followed_up(world):
    clean = _complete(world, all_pass(world.version))
    with pytest.raises(AuditError):
        scheduling.schedule_follow_up(
            clean, scheduled_for=clock.today(), announced=True, actor=world.supervisor
        )


def test_acknowledgement_happens_once_and_tells_the_supervisors(world):
    audit = _complete(world, all_pass(world.version))
    services.acknowledge(audit, comment="Thanks", actor=world.dealer_user)
    assert audit.acknowledged_by_id == world.dealer_user.id
    with pytest.raises(AuditError):
        services.acknowledge(audit, comment="again", actor=world.dealer_user)
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == world.supervisor.id)
    ).all()
    assert "audit.acknowledged" in kinds


def test_completion_notifies_the_dealer_and_logs_every_step(world):
    audit = _complete(world, all_pass(world.version, **{"A-01": "fail"}))
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == world.dealer_user.id)
    ).all()
    assert {n.kind for n in notes} >= {"audit.scheduled", "audit.completed"}
    actions = set(
        db.session.scalars(select(ActivityEntry.action).where(ActivityEntry.object_id == audit.id))
    )
    assert {"audit.schedule", "audit.start", "audit.answer", "audit.complete"} <= actions


def test_cancelling_and_rescheduling_only_before_the_visit(world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    scheduling.reschedule(
        audit,
        scheduled_for=clock.today() + timedelta(days=3),
        announced=False,
        actor=world.supervisor,
    )
    assert audit.announced is False
    services.start(audit, actor=world.supervisor)
    with pytest.raises(AuditError):
        scheduling.cancel(audit, reason="", actor=world.supervisor)
    other = make_audit(world.other_store, world.standard, world.supervisor)
    scheduling.cancel(other, reason="Store closed for renovation", actor=world.supervisor)
    assert other.status == AuditStatus.CANCELLED


# Corrective actions


def _action(world, code="B-01"):
    audit = _complete(world, all_pass(world.version, **{code: "fail"}))
    return audit.actions[0]


def test_the_dealer_responds_and_the_supervisor_verifies(world):
    action = _action(world)
    step = corrective.respond(
        action, comment="Tags printed", photos=[photo_upload()], actor=world.dealer_user
    )
    assert action.status == ActionStatus.RESPONDED
    assert step.kind == StepKind.RESPONDED
    assert len(corrective.evidence_of([step])[step.id]) == 1
    corrective.verify(action, comment="Checked", actor=world.supervisor)
    assert action.status == ActionStatus.VERIFIED
    assert action.verified_by_id == world.supervisor.id
    assert not action.is_overdue(clock.today() + timedelta(days=365))


def test_a_reopened_action_goes_back_to_the_dealer_with_a_reason(world):
    action = _action(world)
    corrective.respond(action, comment="Done", photos=[photo_upload()], actor=world.dealer_user)
    with pytest.raises(ActionError):
        corrective.reopen(action, comment="  ", due_on=None, actor=world.supervisor)
    new_due = clock.today() + timedelta(days=30)
    corrective.reopen(action, comment="Two tags missing", due_on=new_due, actor=world.supervisor)
    assert action.status == ActionStatus.REOPENED
    assert action.due_on == new_due
    assert action.original_due_on < new_due
    corrective.respond(
        action, comment="All tagged", photos=[photo_upload()], actor=world.dealer_user
    )
    assert [s.kind for s in action.steps] == [
        StepKind.RESPONDED,
        StepKind.REOPENED,
        StepKind.RESPONDED,
    ]


def test_action_rules_refuse_out_of_order_steps(world):
    action = _action(world)
    with pytest.raises(ActionError):
        corrective.verify(action, comment="", actor=world.supervisor)
    with pytest.raises(ActionError):
        corrective.respond(action, comment="", photos=[photo_upload()], actor=world.dealer_user)
    with pytest.raises(ActionError) as error:
        corrective.respond(action, comment="Done", photos=[], actor=world.dealer_user)
    assert error.value.field == "photos"  # B-01 needs photo evidence
    corrective.respond(action, comment="Done", photos=[photo_upload()], actor=world.dealer_user)
    with pytest.raises(ActionError):
        corrective.respond(
            action, comment="Again", photos=[photo_upload()], actor=world.dealer_user
        )


def test_an_action_is_overdue_after_its_due_date_until_verified(world):
    action = _action(world, "A-01")
    assert not action.is_overdue(action.due_on)
    assert action.is_overdue(action.due_on + timedelta(days=1))


def test_the_same_response_token_twice_makes_one_step(world):
    action = _action(world, "A-01")
    first = corrective.respond(
        action, comment="x", photos=[], actor=world.dealer_user, token="r" * 32
    )
    second = corrective.respond(
        action, comment="x", photos=[], actor=world.dealer_user, token="r" * 32
    )
    assert first is second
    assert len(action.steps) == 1


def test_a_rejected_evidence_photo_saves_nothing(world, app):
    action = _action(world, "A-01")
    db.session.commit()
    bad = photo_upload()
    bad.stream = __import__("io").BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(ActionError) as error:
        corrective.respond(
            action, comment="x", photos=[photo_upload(), bad], actor=world.dealer_user
        )
    assert error.value.field == "photos"
    db.session.rollback()
    assert (
        db.session.scalar(select(CorrectiveAction.status).where(CorrectiveAction.id == action.id))
        == ActionStatus.OPEN
    )
