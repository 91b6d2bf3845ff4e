"""A two-region network with last month's plans and reports, audits and an overdue action."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import PlanStatus, ReportStatus
from tests.support import plans as plan_support
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.plans import make_plan, make_report, this_month


@dataclass
class HomeWorld:
    base: plan_support.World
    audit_x: object
    month: str

    def __getattr__(self, name):
        return getattr(self.base, name)


def build_home_world() -> HomeWorld:
    world = plan_support.make_world()
    month = this_month(-1)
    line = world.lines[0]
    for dealer, stores, actual in (
        (world.dealer_x, world.stores_x, 8_000_000),
        (world.dealer_y, world.stores_y, 12_000_000),
    ):
        make_plan(dealer, month, {(stores[0], line): (10_000_000, 100)}, status=PlanStatus.APPROVED)
        make_report(stores[0], month, {line: (actual, 90)}, status=ReportStatus.REVIEWED)
    version = make_standard(actor=world.admin)
    audit_x = make_audit(
        world.stores_x[0],
        version.standard,
        world.supervisor_a,
        answers=all_pass(version, **{"A-01": "fail"}),
        complete=True,
    )
    make_audit(
        world.stores_y[0],
        version.standard,
        world.supervisor_b,
        answers=all_pass(version),
        complete=True,
    )
    action = audit_x.actions[0]
    action.due_on = clock.today() - timedelta(days=3)
    db.session.commit()
    return HomeWorld(world, audit_x, month)


@pytest.fixture
def home_world(app) -> HomeWorld:
    return build_home_world()
