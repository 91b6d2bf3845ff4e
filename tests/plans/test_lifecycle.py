"""The one lifecycle of plans and reports (portal/lifecycle.py): its tables, words, log and
what each step tells whom."""

import pytest
from sqlalchemy import select

from portal import lifecycle_text
from portal.extensions import db
from portal.models import (
    PLAN_LIFECYCLE,
    REPORT_LIFECYCLE,
    ActivityEntry,
    Notification,
    PlanAction,
    PlanStatus,
    PlanTransition,
    ReportStatus,
    ReportTransition,
)
from portal.models.lifecycle import Step, Workflow
from portal.plans import services as plan_services
from portal.reports import services as report_services
from tests.support.plans import make_plan, make_report, this_month

WORKFLOWS = [PLAN_LIFECYCLE, REPORT_LIFECYCLE]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda workflow: workflow.name)
def test_every_step_has_its_words(workflow):
    steps = workflow.steps.values()
    refusals = {workflow.key(step.action) for step in steps if step.sources}
    prompts = {workflow.key(s.action) for s in steps if s.comment and s.comment.required}
    notices = {step.notice.kind for step in steps if step.notice}
    decided = {workflow.key(action) for action in workflow.decisions}
    assert refusals <= set(lifecycle_text.REFUSED)
    assert prompts <= set(lifecycle_text.WHY)
    assert notices <= set(lifecycle_text.NOTICES)
    assert decided <= set(lifecycle_text.DECIDED)
    assert workflow.name in lifecycle_text.NOT_WAITING
    assert workflow.name in lifecycle_text.CHANGED


def test_a_table_must_give_every_action_one_step_of_its_own_statuses():
    steps = list(PLAN_LIFECYCLE.steps.values())
    with pytest.raises(ValueError, match="every action"):
        Workflow.of("plan", steps[:-1])
    foreign = Step(PlanAction.REOPEN, {PlanStatus.APPROVED}, ReportStatus.REVIEWED)
    with pytest.raises(ValueError, match="another workflow"):
        Workflow.of("plan", [*steps[:-1], foreign])


@pytest.mark.parametrize(
    ("log", "key", "names"),
    [(PlanTransition, "plan_id", "plan"), (ReportTransition, "report_id", "report")],
)
def test_the_log_mixin_keeps_the_tables_as_migrated(log, key, names):
    table = log.__table__
    columns = ["id", key, "action", "from_status", "to_status", "actor_id", "at", "comment"]
    assert [column.name for column in table.columns] == columns
    checks = {constraint.name for constraint in table.constraints if constraint.name[:3] == "ck_"}
    assert checks == {
        f"ck_{table.name}_{names}_action",
        f"ck_{table.name}_{names}_transition_from",
        f"ck_{table.name}_{names}_transition_to",
    }
    assert [column.name for column in table.columns if column.nullable] == [
        "from_status",
        "actor_id",
    ]


def _notices(user):
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return [(row.kind, row.params, row.link) for row in rows]


def _details(record, object_type):
    return db.session.scalars(
        select(ActivityEntry.details)
        .where(ActivityEntry.object_type == object_type, ActivityEntry.object_id == record.id)
        .order_by(ActivityEntry.id)
    ).all()


def test_plan_notices_name_the_dealer_to_supervisors_and_quote_reasons_to_the_dealer(world):
    cells = {(world.stores_x[0], world.lines[0]): (1_000, 2)}
    plan = make_plan(world.dealer_x, this_month(1), cells)
    plan_services.submit_plan(plan, actor=world.user_x)
    plan_services.return_plan(plan, actor=world.supervisor_a, comment=" More apparel ")
    plan_services.submit_plan(plan, actor=world.user_x)
    plan_services.approve_plan(plan, actor=world.supervisor_a, comment="Fine")
    plan_services.reopen_plan(plan, actor=world.supervisor_a, reason="Store 2 closes")
    db.session.commit()

    period, link, dealer = plan.period, f"/plans/{plan.id}", world.dealer_x
    submitted = ("plan.submitted", {"dealer": f"{dealer.code} {dealer.name}", "period": period})
    assert _notices(world.supervisor_a) == [(*submitted, link), (*submitted, link)]
    assert _notices(world.user_x) == [
        ("plan.returned", {"period": period, "comment": "More apparel"}, link),
        ("plan.approved", {"period": period}, link),
        ("plan.reopened", {"period": period, "comment": "Store 2 closes"}, link),
    ]
    details = _details(plan, "sales_plan")
    assert details[-3:] == [
        {"period": period, "dealer_id": dealer.id, "lines": 1, "revenue_minor": 1_000, "units": 2},
        {"comment": "Fine"},
        {"reason": "Store 2 closes"},
    ]
    assert [step.comment for step in plan.transitions] == [
        "",
        "More apparel",
        "",
        "Fine",
        "Store 2 closes",
    ]


def test_report_notices_name_the_store(world):
    store = world.stores_x[0]
    report = make_report(store, this_month(-1), {world.lines[0]: (500, 1)})
    report_services.submit_report(report, actor=world.user_x)
    report_services.return_report(report, actor=world.supervisor_a, comment="Stock?")
    report_services.submit_report(report, actor=world.user_x)
    report_services.review_report(report, actor=world.supervisor_a)
    db.session.commit()

    period, link = report.period, f"/reports/{report.id}"
    named = {"store": f"{store.code} {store.name}", "period": period}
    dealer = {"dealer": f"{world.dealer_x.code} {world.dealer_x.name}"}
    assert _notices(world.supervisor_a) == [("report.submitted", dealer | named, link)] * 2
    assert _notices(world.user_x) == [
        ("report.returned", named | {"comment": "Stock?"}, link),
        ("report.reviewed", named, link),
    ]
    assert _details(report, "store_report")[-2:] == [
        {
            "period": period,
            "store_id": store.id,
            "dealer_id": world.dealer_x.id,
            "revenue_minor": 500,
            "units": 1,
        },
        {"comment": ""},
    ]


@pytest.mark.parametrize("decide", ["approve", "return"])
def test_a_comment_over_the_limit_is_refused_on_the_comment_field(world, decide):
    plan = make_plan(world.dealer_x, this_month(1), status=PlanStatus.SUBMITTED)
    take = getattr(plan_services, f"{decide}_plan")
    with pytest.raises(plan_services.PlanError) as refused:
        take(plan, actor=world.supervisor_a, comment="x" * 2001)
    assert refused.value.field == "comment"
    assert plan.status == PlanStatus.SUBMITTED
