"""The rule that keeps `dealer_figures` (portal/metrics/upkeep.py): a change recomputes its
dealers' rows and no other, many dealers at once go through the queue, time-driven changes
are the periodic task's, bulk statements are not missed, and readers never write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import insert, select, text, update

from portal import clock, jobs, periods
from portal.audits import corrective, scheduling
from portal.extensions import db
from portal.jobs import figures as figure_jobs
from portal.metrics import upkeep
from portal.models import (
    Dealer,
    DealerFigures,
    Notice,
    NoticeReceipt,
    PlanStatus,
    SalesPlanLine,
    StoreReport,
)
from portal.notices import responses
from portal.notices import services as notice_services
from portal.reports import services as report_services
from tests.support import figures
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.clients import signed_in_client
from tests.support.clock import at
from tests.support.plans import make_plan, make_world, this_month
from tests.support.queries import counting


def row(dealer_id: int) -> DealerFigures:
    db.session.expire_all()
    return db.session.get(DealerFigures, dealer_id)


def refresh(app) -> None:
    """What a worker does every minute (the test's transaction ends first: on SQLite it
    holds the write lock)."""
    db.session.rollback()
    figure_jobs.run(app)


def drain(app) -> int:
    db.session.rollback()
    return jobs.drain(app)


def agrees() -> bool:
    db.session.expire_all()
    found = figures.differences(figures.snapshot(), figures.recomputed())
    db.session.rollback()
    return found == {}


def notice_values(audience: str = "network", **changes) -> dict:
    today = clock.today()
    return {
        "kind": "policy",
        "title": "Opening hours",
        "body": "Read me",
        "effective_from": today,
        "effective_to": None,
        "acknowledge_days": 3,
        "audience": audience,
        "region_ids": [],
        "dealer_ids": [],
        "audience_kind": "",
        "store_ids": [],
        "promotion_start": None,
        "promotion_end": None,
        "execution_deadline": None,
        **changes,
    }


def test_every_dealer_has_a_row_equal_to_a_recomputation(app):
    world = make_world()
    assert {row(d.id) is not None for d in (world.dealer_x, world.dealer_y)} == {True}
    assert agrees()


def test_a_change_to_one_dealer_rewrites_that_dealers_row_only(app):
    world = make_world()
    # A mark on the other dealer's row: any recomputation of it would wipe it out.
    db.session.execute(
        text("UPDATE dealer_figures SET stores = 99 WHERE dealer_id = :id"),
        {"id": world.dealer_y.id},
    )
    db.session.commit()
    line = world.lines[0]
    period = this_month(-1)
    report = report_services.create_report(
        store=world.stores_x[0],
        period=period,
        values=report_services.ReportValues(actuals={line.id: (70_00, 2)}),
        actor=world.user_x,
        window=(periods.shift(period, -1), period),
    )
    report_services.submit_report(report, actor=world.user_x)
    db.session.commit()

    assert row(world.dealer_x.id).reports_on_time + row(world.dealer_x.id).reports_late == 1
    assert row(world.dealer_x.id).reports_waiting == 1
    assert row(world.dealer_y.id).stores == 99


def test_a_notice_to_a_region_recomputes_the_dealers_it_reaches(app):
    world = make_world()
    values = notice_values("regions", region_ids=[world.region_a.id])
    notice, _created = notice_services.create_notice(values, author=world.admin)
    db.session.commit()
    assert row(world.dealer_x.id).notices == 0  # a draft reaches nobody
    notice_services.publish(notice, actor=world.admin)
    db.session.commit()

    assert (row(world.dealer_x.id).notices, row(world.dealer_y.id).notices) == (1, 0)
    responses.acknowledge(notice, user=world.user_x, version=notice.current_version)
    db.session.commit()
    assert row(world.dealer_x.id).notices_acknowledged == 1
    notice.dealers = [world.dealer_y]  # the audience changes: both dealers' rows follow
    notice.audience = "dealers"
    notice.regions = []
    db.session.commit()
    assert (row(world.dealer_x.id).notices, row(world.dealer_y.id).notices) == (0, 1)
    assert agrees()


@pytest.mark.parametrize("app_config", [{"FIGURES_INLINE_DEALERS": 1}])
def test_a_change_to_many_dealers_is_left_to_the_queue(app):
    world = make_world()
    notice, _created = notice_services.create_notice(notice_values(), author=world.admin)
    notice_services.publish(notice, actor=world.admin)
    db.session.commit()

    stale = {d.id for d in (world.dealer_x, world.dealer_y)} - figures.current_dealers()
    assert stale == {world.dealer_x.id, world.dealer_y.id}
    page = signed_in_client(app, world.admin).get("/home").get_data(as_text=True)
    assert 'data-testid="figures-stale"' in page
    assert "The figures of 2 dealers are being brought up to date" in page

    assert drain(app) >= 1  # the refresh the commit queued
    assert (row(world.dealer_x.id).notices, row(world.dealer_y.id).notices) == (1, 1)
    assert figures.current_dealers() >= {world.dealer_x.id, world.dealer_y.id}
    page = signed_in_client(app, world.admin).get("/home").get_data(as_text=True)
    assert 'data-testid="figures-stale"' not in page
    assert agrees()


def test_an_acknowledgement_written_as_a_statement_touches_its_dealer(app):
    """responses.acknowledge writes with a bulk UPDATE: the statement names the dealer."""
    world = make_world()
    notice, _created = notice_services.create_notice(notice_values(), author=world.admin)
    notice_services.publish(notice, actor=world.admin)
    db.session.commit()
    db.session.execute(
        text("UPDATE dealer_figures SET stores = 99 WHERE dealer_id = :id"),
        {"id": world.dealer_y.id},
    )
    db.session.commit()

    responses.acknowledge(notice, user=world.user_x, version=notice.current_version)
    db.session.commit()

    assert row(world.dealer_x.id).notices_acknowledged == 1
    assert row(world.dealer_y.id).stores == 99  # untouched


def test_a_bulk_update_of_dealers_touches_the_dealers_it_matches(app):
    world = make_world()
    db.session.execute(
        text("UPDATE dealer_figures SET stores = 99 WHERE dealer_id = :id"),
        {"id": world.dealer_y.id},
    )
    db.session.commit()
    db.session.execute(
        update(Dealer).where(Dealer.id == world.dealer_x.id).values(status="suspended")
    )
    db.session.commit()

    assert row(world.dealer_x.id).stores == 2
    assert row(world.dealer_y.id).stores == 99


def test_bulk_inserted_lines_touch_their_plans_dealer(app):
    """The demo writes plan lines with one INSERT of many rows: their plan names the dealer."""
    world = make_world()
    plan = make_plan(world.dealer_x, this_month(-1), status=PlanStatus.APPROVED)
    db.session.commit()
    db.session.execute(text("UPDATE dealer_figures SET stores = 99"))  # a mark on every row
    db.session.commit()
    rows = [
        {"plan_id": plan.id, "store_id": store.id, "product_line_id": world.lines[0].id,
         "revenue_minor": 50_00, "units": 1}
        for store in world.stores_x
    ]  # fmt: skip
    db.session.execute(insert(SalesPlanLine), rows)
    db.session.commit()

    assert row(world.dealer_x.id).stores == 2  # recomputed
    assert world.dealer_x.id in figures.current_dealers()
    assert row(world.dealer_y.id).stores == 99  # untouched, and not left to the queue
    assert world.dealer_y.id in figures.current_dealers()


def test_a_bulk_statement_whose_rows_are_unknown_leaves_every_row_to_the_queue(app):
    world = make_world()
    db.session.execute(update(Notice).values(acknowledge_days=5))  # whose audiences?
    db.session.commit()

    assert figures.current_dealers() == set()
    drain(app)
    assert figures.current_dealers() >= {world.dealer_x.id, world.dealer_y.id}
    assert agrees()


def test_a_rolled_back_change_leaves_nothing_to_do(app):
    world = make_world()
    before = row(world.dealer_x.id).as_of
    db.session.execute(
        text("UPDATE dealer_figures SET stores = 99 WHERE dealer_id = :id"),
        {"id": world.dealer_x.id},
    )
    db.session.commit()
    world.dealer_x.status = "suspended"
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # nothing noted survives the rollback

    assert row(world.dealer_x.id).stores == 99
    assert row(world.dealer_x.id).as_of == before


def audit_world():
    world = make_world()
    version = make_standard(actor=world.admin)
    db.session.commit()
    return world, version


def fails(version, code):
    return all_pass(version, **{code: "fail"})


def test_an_action_becomes_overdue_through_the_periodic_refresh(app):
    world, version = audit_world()
    audit = make_audit(
        world.stores_x[0], version.standard, world.supervisor_a,
        answers=fails(version, "A-02"), complete=True,
    )  # fmt: skip
    db.session.commit()
    due = audit.actions[0].due_on
    assert row(world.dealer_x.id).stale_on <= due + timedelta(days=1)

    with time_machine.travel(at(due), tick=False):
        refresh(app)  # whatever else fell due meanwhile (a new month, say)
        assert row(world.dealer_x.id).actions_overdue == 0  # due today: not overdue yet
        assert row(world.dealer_x.id).stale_on == due + timedelta(days=1)
    with time_machine.travel(at(due + timedelta(days=1)), tick=False):
        assert world.dealer_x.id not in figures.current_dealers()
        page = signed_in_client(app, world.admin).get("/home").get_data(as_text=True)
        assert row(world.dealer_x.id).actions_overdue == 0  # readers do not recompute
        assert 'data-testid="figures-stale"' in page
        refresh(app)
        assert row(world.dealer_x.id).actions_overdue == 1
        assert row(world.dealer_x.id).as_of == due + timedelta(days=1)
        assert agrees()


def test_an_audit_entering_the_due_window_and_falling_overdue(app):
    world, version = audit_world()
    window = app.config["AUDIT_DUE_WINDOW_DAYS"]
    day = clock.today() + timedelta(days=window + 5)
    scheduling.schedule_audit(
        store=world.stores_x[0], standard=version.standard, scheduled_for=day,
        announced=True, actor=world.supervisor_a,
    )  # fmt: skip
    db.session.commit()
    assert row(world.dealer_x.id).audits_due == 0
    entering = day - timedelta(days=window)
    assert row(world.dealer_x.id).stale_on <= entering

    for when, due, overdue in ((entering, 1, 0), (day + timedelta(days=1), 0, 1)):
        with time_machine.travel(at(when), tick=False):
            refresh(app)
            found = row(world.dealer_x.id)
            assert (found.audits_due, found.audits_due_announced, found.audits_overdue) == (
                due,
                due,
                overdue,
            )
            assert agrees()


def test_a_new_month_moves_every_row(app):
    world = make_world()
    next_month = periods.first_day(this_month(1))
    assert row(world.dealer_x.id).stale_on <= next_month
    with time_machine.travel(at(next_month), tick=False):
        refresh(app)
        assert row(world.dealer_x.id).as_of == next_month
        assert agrees()


def test_viewing_the_home_pages_writes_no_figures(app):
    world, version = audit_world()
    make_audit(
        world.stores_x[0], version.standard, world.supervisor_a,
        answers=fails(version, "A-01"), complete=True,
    )  # fmt: skip
    db.session.commit()
    for user in (world.admin, world.supervisor_a, world.user_x):
        client = signed_in_client(app, user)
        with counting() as statements:
            assert client.get("/home").status_code == 200
        writes = [
            s
            for s in statements
            if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and any(name in s for name in upkeep.TABLES)
        ]
        assert writes == []


def test_rebuild_figures_recomputes_rows_changed_behind_the_portal(app):
    world = make_world()
    db.session.execute(text("UPDATE dealer_figures SET stores = 99"))
    db.session.execute(
        text("DELETE FROM dealer_figures WHERE dealer_id = :id"), {"id": world.dealer_y.id}
    )
    db.session.commit()
    assert not agrees()

    result = app.test_cli_runner().invoke(args=["rebuild-figures"])

    assert result.exit_code == 0, result.output
    assert "dealer_figures rebuilt: 2 rows." in result.output
    assert agrees()


def test_the_reports_dealers_are_kept_in_step_with_the_rollup(app):
    """The row reads plan_actual_totals, which the flush before it brought up to date."""
    world = make_world()
    from tests.support.plans import make_plan

    line = world.lines[0]
    make_plan(
        world.dealer_x, this_month(-1), {(world.stores_x[0], line): (100_00, 1)},
        status="approved",
    )  # fmt: skip
    db.session.commit()
    report = report_services.create_report(
        store=world.stores_x[0],
        period=this_month(-1),
        values=report_services.ReportValues(actuals={line.id: (40_00, 1)}),
        actor=world.user_x,
        window=(this_month(-2), this_month(-1)),
    )
    report_services.submit_report(report, actor=world.user_x)
    db.session.commit()

    assert row(world.dealer_x.id).month_attainment_bp == 4000
    assert db.session.scalar(select(StoreReport.id)) == report.id
    assert agrees()


def test_a_corrective_action_answered_leaves_the_dealers_to_do(app):
    world, version = audit_world()
    audit = make_audit(
        world.stores_x[0], version.standard, world.supervisor_a,
        answers=fails(version, "A-01"), complete=True,
    )  # fmt: skip
    db.session.commit()
    assert row(world.dealer_x.id).actions_to_answer == 1
    corrective.respond(audit.actions[0], comment="Fixed", photos=[], actor=world.user_x)
    db.session.commit()
    assert (row(world.dealer_x.id).actions_to_answer, row(world.dealer_x.id).actions_responded) == (
        0,
        1,
    )


@pytest.mark.parametrize("app_config", [{"FIGURES_INLINE_DEALERS": 1}])
def test_editing_a_draft_for_the_whole_network_touches_no_dealer(app):
    world = make_world()
    drain(app)  # the new dealers' rows
    notice, _created = notice_services.create_notice(notice_values(), author=world.admin)
    db.session.commit()
    notice_services.update_draft(
        notice, notice_values(title="Opening hours, again"), actor=world.admin
    )
    notice.audience = "regions"
    notice.regions = [world.region_a]
    db.session.commit()

    assert figures.current_dealers() >= {world.dealer_x.id, world.dealer_y.id}
    assert drain(app) == 0  # nothing was left to the queue


def test_a_change_to_an_object_read_before_the_last_commit_finds_its_dealer(app):
    """After a commit every attribute is expired: setting one must still tell the dealer
    (a receipt has no version counter whose check would load the others)."""
    world = make_world()
    notice, _created = notice_services.create_notice(notice_values(), author=world.admin)
    notice_services.publish(notice, actor=world.admin)
    responses.mark_read(notice, user=world.user_x)
    db.session.commit()
    receipt = db.session.scalar(select(NoticeReceipt))
    db.session.commit()  # everything expired, the dealer id included

    receipt.acknowledged_at = datetime.now(UTC)
    db.session.commit()

    assert row(world.dealer_x.id).notices_acknowledged == 1


def test_the_demo_is_seeded_with_every_dealers_figures_current(app, demo):
    dealers = set(db.session.scalars(select(Dealer.id)))
    assert figures.current_dealers() == dealers
    assert agrees()
