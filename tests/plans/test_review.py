"""Supervisors review plans of their own regions: queue, approve, return, reopen."""

from portal.extensions import db
from portal.models import PlanAction, PlanStatus
from tests.conftest import client_for
from tests.support.factories import PASSWORD
from tests.support.plans import make_plan, make_report, this_month


def _submitted(world, dealer=None, stores=None, period=None):
    dealer = dealer or world.dealer_x
    store = (stores or world.stores_x)[0]
    plan = make_plan(
        dealer,
        period or this_month(1),
        {(store, world.lines[0]): (1_000_00, 1)},
        status=PlanStatus.SUBMITTED,
    )
    db.session.commit()
    return plan


def test_the_queue_shows_submitted_plans_of_the_supervisors_regions_only(client, auth, world):
    mine = _submitted(world)
    other = _submitted(world, world.dealer_y, world.stores_y)
    make_plan(world.dealer_x, this_month(2), status=PlanStatus.DRAFT)
    auth.sign_in(world.supervisor_a)
    body = client.get("/plans/review").get_data(as_text=True)
    assert f"/plans/{mine.id}" in body
    assert f"/plans/{other.id}" not in body
    assert world.dealer_y.name not in body


def test_the_queue_shows_the_previous_plan_and_last_actuals(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, this_month(0), {(store, line): (4_444_400, 1)})
    make_report(store, this_month(-1), {line: (3_333_300, 1)}, status="reviewed")
    _submitted(world)
    auth.sign_in(world.supervisor_a)
    body = client.get("/plans/review").get_data(as_text=True)
    assert "44,444" in body
    assert "33,333" in body


def test_supervisor_approves_and_the_dealer_sees_it_in_the_inbox(app, client, auth, world):
    plan = _submitted(world)
    auth.sign_in(world.supervisor_a)
    response = client.post(
        f"/plans/{plan.id}/review", data={"decision": "approve", "version": plan.version}
    )
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.status == PlanStatus.APPROVED
    dealer = client_for(app, world.user_x.email, PASSWORD)
    home = dealer.get("/home").get_data(as_text=True)
    assert 'data-testid="unread-count"' in home
    inbox = dealer.get("/inbox/").get_data(as_text=True)
    assert f"Your sales plan for {plan.period} was approved." in inbox


def test_returning_without_a_comment_changes_nothing(client, auth, world):
    plan = _submitted(world)
    auth.sign_in(world.supervisor_a)
    client.post(f"/plans/{plan.id}/review", data={"decision": "return", "version": plan.version})
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_returning_with_a_comment_shows_on_the_timeline(client, auth, world):
    plan = _submitted(world)
    auth.sign_in(world.supervisor_a)
    client.post(
        f"/plans/{plan.id}/review",
        data={"decision": "return", "comment": "Raise apparel by 10%", "version": plan.version},
    )
    db.session.refresh(plan)
    assert plan.status == PlanStatus.RETURNED
    body = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Raise apparel by 10%" in body


def test_a_supervisor_of_another_region_cannot_see_or_review_the_plan(client, auth, world):
    plan = _submitted(world)
    auth.sign_in(world.supervisor_b)
    assert client.get(f"/plans/{plan.id}").status_code == 404
    response = client.post(
        f"/plans/{plan.id}/review", data={"decision": "approve", "version": plan.version}
    )
    assert response.status_code == 404
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_a_dealer_cannot_approve_its_own_plan(client, auth, world):
    plan = _submitted(world)
    auth.sign_in(world.user_x)
    response = client.post(
        f"/plans/{plan.id}/review", data={"decision": "approve", "version": plan.version}
    )
    assert response.status_code == 403
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_a_review_from_a_stale_page_changes_nothing(client, auth, world):
    plan = _submitted(world)
    auth.sign_in(world.supervisor_a)
    client.post(
        f"/plans/{plan.id}/review", data={"decision": "approve", "version": plan.version - 1}
    )
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_reopening_needs_a_reason_and_unlocks_the_plan(client, auth, world):
    plan = make_plan(world.dealer_x, this_month(1), status=PlanStatus.APPROVED)
    db.session.commit()
    auth.sign_in(world.supervisor_a)
    client.post(f"/plans/{plan.id}/reopen", data={"reason": "", "version": plan.version})
    db.session.refresh(plan)
    assert plan.status == PlanStatus.APPROVED
    client.post(
        f"/plans/{plan.id}/reopen", data={"reason": "New store opens", "version": plan.version}
    )
    db.session.refresh(plan)
    assert plan.status == PlanStatus.RETURNED
    assert plan.transitions[-1].action == PlanAction.REOPEN


def test_admins_may_approve_any_plan(client, auth, world):
    plan = _submitted(world, world.dealer_y, world.stores_y)
    auth.sign_in(world.admin)
    client.post(f"/plans/{plan.id}/review", data={"decision": "approve", "version": plan.version})
    db.session.refresh(plan)
    assert plan.status == PlanStatus.APPROVED


def _queries_for(client, url):
    from sqlalchemy import event

    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_the_queue_costs_the_same_queries_for_one_plan_or_many(client, auth, world):
    from tests.support.factories import make_dealer, make_store

    def dealer_with_history():
        dealer = make_dealer(world.region_a)
        store = make_store(dealer)
        make_plan(dealer, this_month(0), {(store, world.lines[0]): (5, 1)})
        make_report(store, this_month(-1), {world.lines[0]: (5, 1)}, status="submitted")
        _submitted(world, dealer, [store])

    dealer_with_history()
    auth.sign_in(world.supervisor_a)
    one = _queries_for(client, "/plans/review")
    for _ in range(4):
        dealer_with_history()
    many = _queries_for(client, "/plans/review")
    assert many == one
