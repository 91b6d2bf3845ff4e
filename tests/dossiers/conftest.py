"""Fixtures for dealer files: two dealers in two regions with plans, reports and an audit."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import PlanStatus, ReportStatus
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.plans import World, make_plan, make_report, make_world, this_month

CANARY_Y = "CANARYDEALERY77Q"


@pytest.fixture
def app_config() -> dict:
    return {"QUEUE_IMMEDIATE": True, "JOB_RETRIES": 0}


def seed_figures(world: World) -> None:
    """Dealer X: Chinese names, last month's approved plan and reports, one audit (96.5 % or
    so); dealer Y: the same shape, with a canary in its names."""
    x, y = world.dealer_x, world.dealer_y
    x.name, x.address, x.city = "北京恒泰商贸有限公司", "朝阳区建国路88号", "北京"
    x.contact_person = "王伟"
    world.stores_x[0].name = "国贸旗舰店"
    y.name = f"Dealer Y {CANARY_Y}"
    y.address = f"Canary street {CANARY_Y}"
    world.stores_y[0].name = f"Store {CANARY_Y}"
    last = this_month(-1)
    ftw = world.lines[0]
    make_plan(
        x,
        last,
        {(world.stores_x[0], ftw): (12_345_600, 321), (world.stores_x[1], ftw): (1_000_000, 10)},
        status=PlanStatus.APPROVED,
    )
    make_report(world.stores_x[0], last, {ftw: (9_876_500, 300)}, status=ReportStatus.SUBMITTED)
    make_plan(y, last, {(world.stores_y[0], ftw): (55_500_000, 999)}, status=PlanStatus.APPROVED)
    version = make_standard(actor=world.admin)
    make_audit(
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
    db.session.commit()


@pytest.fixture
def world(app) -> World:
    world = make_world()
    seed_figures(world)
    return world
