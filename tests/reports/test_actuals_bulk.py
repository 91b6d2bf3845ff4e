"""The actuals import's bulk write path: what create_report would have written, per report,
and a report created by another request in the meantime written into, never duplicated."""

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.csvio import CsvRejected
from portal.extensions import db
from portal.metrics import rollup
from portal.models import (
    ActivityEntry,
    PlanActualTotal,
    ReportAction,
    ReportStatus,
    ReportTransition,
    StoreReport,
)
from portal.reports import csv_import, services
from tests.support.plans import make_report, this_month

LAST = this_month(-1)
HEADER = "store_code,period,product_line,revenue,units\n"


def _import(app, world, text, user=None):
    return csv_import.import_actuals(
        (HEADER + text).encode(),
        user=user or world.user_x,
        window=services.report_window(clock.today(), app.config),
        max_money=app.config["MONEY_MAX"],
        max_count=app.config["COUNT_MAX"],
    )


def _two_stores(world):
    first, second = world.stores_x[0].code, world.stores_x[1].code
    return (
        f"{first},{LAST},FTW,120.50,3\n"
        f"{first},{LAST},APP,80,2\n"
        f"{second},{LAST},FTW,10,1\n"
        f"{first},{this_month(-2)},FTW,5,1\n"
    )


def test_new_reports_get_the_create_step_and_one_activity_entry_each(app, world):
    result = _import(app, world, _two_stores(world))
    db.session.commit()

    assert (result.reports_created, result.lines_changed) == (3, 4)
    reports = db.session.scalars(select(StoreReport).order_by(StoreReport.id)).all()
    assert {(r.status, r.version, r.created_by_id, r.dealer_id) for r in reports} == {
        (ReportStatus.DRAFT, 1, world.user_x.id, world.dealer_x.id)
    }
    for report in reports:
        steps = [(t.action, t.from_status, t.to_status, t.actor_id) for t in report.transitions]
        assert steps == [(ReportAction.CREATE, None, ReportStatus.DRAFT, world.user_x.id)]
    entries = db.session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.action == "store_report.create")
        .order_by(ActivityEntry.object_id)
    ).all()
    assert [(e.object_type, e.object_id, e.actor_id) for e in entries] == [
        ("store_report", r.id, world.user_x.id) for r in reports
    ]
    first = next(r for r in reports if r.store_id == world.stores_x[0].id and r.period == LAST)
    details = next(e.details for e in entries if e.object_id == first.id)
    assert details == {
        "period": LAST,
        "store_id": first.store_id,
        "dealer_id": world.dealer_x.id,
        "revenue_minor": 20_050,
        "units": 5,
    }


def test_new_reports_can_be_submitted_in_the_same_transaction_and_the_rollup_stays_exact(
    app, world
):
    _import(app, world, _two_stores(world))
    report = db.session.scalar(  # the instance the import holds, as it is
        select(StoreReport).where(
            StoreReport.store_id == world.stores_x[0].id, StoreReport.period == LAST
        )
    )

    # Lines written in bulk must be seen by the ORM at once (a stale empty collection
    # would refuse the submission and leave the rollup without them).
    services.submit_report(report, actor=world.user_x)
    db.session.flush()

    kept = db.session.execute(select(PlanActualTotal)).scalars().all()
    stored = {(t.dealer_id, t.period): (t.u_revenue, t.u_lines) for t in kept}
    expected = {
        (row.dealer_id, row.period): (row.u_revenue, row.u_lines)
        for row in db.session.execute(rollup.source())
    }
    assert stored == expected == {(world.dealer_x.id, LAST): (20_050, 2)}


def test_a_report_created_meanwhile_is_written_into_never_duplicated(app, world, monkeypatch):
    other = make_report(world.stores_x[0], LAST, {world.lines[0]: (1, 1)})
    db.session.commit()
    # As if the import had looked for reports just before another request created this one.
    monkeypatch.setattr(csv_import, "_existing_reports", lambda rows: {})

    result = _import(app, world, _two_stores(world))

    assert (result.reports_created, result.lines_changed) == (2, 4)
    count = select(func.count()).select_from(StoreReport)
    assert db.session.scalar(count.where(StoreReport.store_id == world.stores_x[0].id)) == 2
    db.session.refresh(other)
    assert sorted((line.revenue_minor, line.units) for line in other.lines) == [
        (8_000, 2),
        (12_050, 3),
    ]
    assert other.version == 2
    created = select(func.count()).where(ActivityEntry.action == "store_report.create")
    assert db.session.scalar(created) == 2


def test_a_report_submitted_meanwhile_refuses_its_rows(app, world, monkeypatch):
    make_report(world.stores_x[0], LAST, status=ReportStatus.SUBMITTED)
    db.session.commit()
    monkeypatch.setattr(csv_import, "_existing_reports", lambda rows: {})

    with pytest.raises(CsvRejected) as refused:
        _import(app, world, _two_stores(world))

    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "period"), (3, "period")]
    assert "can no longer change" in refused.value.errors[0].message


def test_a_month_outside_the_window_is_refused_by_the_bulk_write_too(app, world):
    from portal.reports import drafts

    draft = drafts.Draft(world.stores_x[0], this_month(1), {world.lines[0].id: (1, 1)})
    window = services.report_window(clock.today(), app.config)

    with pytest.raises(services.ReportError):
        drafts.create_drafts([draft], actor=world.user_x, window=window)
    assert db.session.scalar(select(func.count()).select_from(StoreReport)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReportTransition)) == 0
