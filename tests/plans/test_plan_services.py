"""Sales plan rules: creating, the lifecycle, locking, notifications and the activity log."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ActivityEntry, Notification, PlanAction, PlanStatus
from portal.plans import services
from tests.support.plans import make_plan, this_month

WINDOW = (this_month(-36), this_month(12))


def _create(world, values=None, period=None, actor=None):
    stores, lines = world.stores_x, world.lines
    values = values if values is not None else {(stores[0].id, lines[0].id): (1_000_000, 40)}
    return services.create_plan(
        dealer=world.dealer_x,
        period=period or this_month(1),
        values=values,
        note="",
        actor=actor or world.user_x,
        window=WINDOW,
    )


def _notified(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_a_new_plan_is_a_draft_with_its_lines_and_a_created_step(world):
    plan = _create(world)
    assert plan.status == PlanStatus.DRAFT
    assert [(line.revenue_minor, line.units) for line in plan.lines] == [(1_000_000, 40)]
    assert [step.action for step in plan.transitions] == [PlanAction.CREATE]
    assert plan.transitions[0].actor_id == world.user_x.id


def test_a_second_plan_for_the_same_dealer_and_period_is_refused(world):
    first = _create(world)
    with pytest.raises(services.PlanExists) as exists:
        _create(world)
    assert exists.value.plan.id == first.id


@pytest.mark.parametrize("offset", [-37, 13])
def test_periods_outside_the_window_are_refused(world, offset):
    with pytest.raises(services.PlanError) as error:
        _create(world, period=this_month(offset))
    assert error.value.field == "period"


def test_a_store_of_another_dealer_cannot_be_planned(world):
    with pytest.raises(services.PlanError):
        _create(world, values={(world.stores_y[0].id, world.lines[0].id): (100, 1)})


def test_submitting_records_the_first_submission_and_tells_only_the_regions_supervisors(world):
    plan = _create(world)
    services.submit_plan(plan, actor=world.user_x)
    db.session.commit()
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.first_submitted_at is not None
    assert [n.kind for n in _notified(world.supervisor_a)] == ["plan.submitted"]
    assert _notified(world.supervisor_b) == []


def test_an_empty_plan_cannot_be_submitted(world):
    plan = _create(world, values={})
    with pytest.raises(services.PlanError):
        services.submit_plan(plan, actor=world.user_x)
    assert plan.status == PlanStatus.DRAFT


def test_returning_needs_a_comment_and_tells_the_dealer(world):
    plan = _create(world)
    services.submit_plan(plan, actor=world.user_x)
    with pytest.raises(services.PlanError):
        services.return_plan(plan, actor=world.supervisor_a, comment="  ")
    services.return_plan(plan, actor=world.supervisor_a, comment="Footwear is too low")
    db.session.commit()
    assert plan.status == PlanStatus.RETURNED
    assert plan.transitions[-1].comment == "Footwear is too low"
    assert plan.transitions[-1].from_status == PlanStatus.SUBMITTED
    assert [n.kind for n in _notified(world.user_x)] == ["plan.returned"]


def test_a_returned_plan_is_corrected_resubmitted_and_approved_keeping_its_first_submission(world):
    plan = _create(world)
    services.submit_plan(plan, actor=world.user_x)
    first = plan.first_submitted_at
    services.return_plan(plan, actor=world.supervisor_a, comment="More apparel")
    services.update_plan(
        plan,
        values={(world.stores_x[0].id, world.lines[1].id): (500_000, 10)},
        note="",
        actor=world.user_x,
    )
    services.submit_plan(plan, actor=world.user_x)
    services.approve_plan(plan, actor=world.supervisor_a, comment="Fine")
    assert plan.status == PlanStatus.APPROVED
    assert plan.first_submitted_at == first
    assert [step.action for step in plan.transitions] == [
        PlanAction.CREATE,
        PlanAction.SUBMIT,
        PlanAction.RETURN,
        PlanAction.SUBMIT,
        PlanAction.APPROVE,
    ]


def test_an_approved_plan_is_locked_until_reopened_with_a_reason(world):
    plan = make_plan(world.dealer_x, this_month(1), status=PlanStatus.APPROVED)
    with pytest.raises(services.PlanError):
        services.update_plan(plan, values={}, note="changed", actor=world.user_x)
    with pytest.raises(services.PlanError):
        services.reopen_plan(plan, actor=world.supervisor_a, reason="")
    services.reopen_plan(plan, actor=world.supervisor_a, reason="Store 2 closes for works")
    assert plan.status == PlanStatus.RETURNED
    assert plan.transitions[-1].action == PlanAction.REOPEN
    assert plan.transitions[-1].comment == "Store 2 closes for works"
    services.update_plan(plan, values={}, note="changed", actor=world.user_x)
    assert plan.note == "changed"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (PlanStatus.DRAFT, "approve"),
        (PlanStatus.APPROVED, "approve"),
        (PlanStatus.RETURNED, "return"),
        (PlanStatus.SUBMITTED, "reopen"),
        (PlanStatus.APPROVED, "submit"),
        (PlanStatus.SUBMITTED, "submit"),
    ],
)
def test_transitions_from_the_wrong_status_are_refused(world, status, action):
    cells = {(world.stores_x[0], world.lines[0]): (100, 1)}
    plan = make_plan(world.dealer_x, this_month(1), cells, status=status)
    calls = {
        "approve": lambda: services.approve_plan(plan, actor=world.supervisor_a),
        "return": lambda: services.return_plan(plan, actor=world.supervisor_a, comment="x"),
        "reopen": lambda: services.reopen_plan(plan, actor=world.supervisor_a, reason="x"),
        "submit": lambda: services.submit_plan(plan, actor=world.user_x),
    }
    with pytest.raises(services.PlanError):
        calls[action]()
    assert plan.status == status


def test_changing_only_the_lines_bumps_the_plans_version(world):
    plan = _create(world)
    db.session.commit()
    version = plan.version
    changed = services.update_plan(
        plan,
        values={(world.stores_x[1].id, world.lines[0].id): (7, 1)},
        note="",
        actor=world.user_x,
    )
    db.session.commit()
    assert changed == 2  # one line removed, one added
    assert plan.version == version + 1


def test_every_change_is_in_the_activity_log(world):
    plan = _create(world)
    services.submit_plan(plan, actor=world.user_x)
    services.approve_plan(plan, actor=world.supervisor_a)
    db.session.commit()
    actions = db.session.scalars(
        select(ActivityEntry.action)
        .where(ActivityEntry.object_type == "sales_plan", ActivityEntry.object_id == plan.id)
        .order_by(ActivityEntry.id)
    ).all()
    assert actions == ["sales_plan.create", "sales_plan.submit", "sales_plan.approve"]
