"""The demo network carries 12 months of plans and reports, so every page has content."""

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from portal import clock as portal_clock
from portal import periods
from portal.extensions import db
from portal.metrics import plans as metrics
from portal.models import Attachment, Dealer, PlanStatus, ReportStatus, SalesPlan, StoreReport
from tests.conftest import client_for
from tests.support import clock

PASSWORD = "portal-demo"


def test_the_demo_has_twelve_months_of_plans_and_reports_in_every_status(demo):
    current = periods.of(portal_clock.today())
    plan_periods = set(db.session.scalars(select(SalesPlan.period).distinct()))
    assert set(periods.span(periods.shift(current, -11), current)) <= plan_periods
    assert set(db.session.scalars(select(SalesPlan.status).distinct())) == set(PlanStatus)
    assert set(db.session.scalars(select(StoreReport.status).distinct())) == set(ReportStatus)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) >= 1


@pytest.mark.parametrize(
    "day",
    [
        date(2099, 11, 1),  # last month's reports are not due yet
        date(2099, 11, 10),  # due today
        date(2099, 11, 11),
        date(2099, 11, 15),
        date(2099, 11, 30),
        date(2099, 12, 31),
        date(2100, 1, 1),
    ],
    ids=str,
)
def test_the_demo_flags_late_and_missing_work_on_any_day(app, day):
    """Loaded on any day, the demo has missing reports for the latest period already due.

    Only the network and its plans and reports are seeded: the rest of the demo (audits,
    notices, assessments) does not touch them, and is seeded whole on the test clock's day
    for every test that uses the `demo` fixture (CI runs PostgreSQL on the 1st of a month).
    """
    from portal.demo.network import seed_network
    from portal.demo.plans import seed_plans

    with time_machine.travel(clock.at(day), tick=False):
        seed_plans(seed_network())
        db.session.commit()
        today = portal_clock.today()
        dealers = db.session.scalars(select(Dealer.id).where(Dealer.active.is_(True))).all()
        due = periods.shift(periods.of(today), -1)
        if metrics.report_due(due, 10) >= today:
            due = periods.shift(due, -1)
        counts = metrics.report_counts(dealers, due, due_days=10, today=today).values()
        assert sum(c.missing for c in counts) > 0
        late = [
            metrics.plan_states(dealers, periods.shift(due, -offset), due_day=25, today=today)
            for offset in range(6)
        ]
        assert any(s.timeliness == metrics.LATE for states in late for s in states.values())
        assert metrics.total(first=due, last=due).attainment_bp is not None


def test_every_plan_and_report_page_renders_for_each_demo_role(app, demo):
    dealer = demo.dealers["N01"]
    plan = db.session.scalar(select(SalesPlan).where(SalesPlan.dealer_id == dealer.id).limit(1))
    report = db.session.scalar(
        select(StoreReport).where(StoreReport.dealer_id == dealer.id).limit(1)
    )
    common = [
        "/home",
        "/plans/",
        "/reports/",
        f"/plans/{plan.id}",
        f"/reports/{report.id}",
        f"/dealers/{dealer.id}",
        f"/plans/performance/dealers/{dealer.id}",
        f"/plans/sources?dealer={dealer.id}&first={periods.of(portal_clock.today())[:4]}-01",
        "/reports/import",
        "/inbox/",
    ]
    staff = ["/plans/review", "/reports/review", "/plans/performance", "/plans/performance.csv"]
    for email, extra in [
        ("n01@demo.example", ["/plans/new", "/reports/new"]),
        ("north.supervisor@demo.example", staff),
        ("admin@demo.example", staff),
    ]:
        client = client_for(app, email, PASSWORD)
        for url in common + extra:
            response = client.get(url)
            assert response.status_code in (200, 302), (email, url, response.status_code)
