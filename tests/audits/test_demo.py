"""The demo network ships a realistic standard and audits in every state."""

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    ActionStatus,
    Audit,
    AuditKind,
    AuditStatus,
    CorrectiveAction,
    Standard,
    VersionStatus,
)
from tests.conftest import client_for


def test_the_demo_has_a_retail_standard_with_two_published_versions(demo):
    standard = db.session.scalar(select(Standard).where(Standard.code == "RSS"))
    assert [v.status for v in standard.versions] == [VersionStatus.PUBLISHED] * 2
    current = standard.versions[-1]
    assert 28 <= len(current.items) <= 32
    assert [s.title for s in current.sections] == [
        "Storefront",
        "Display and pricing",
        "Stock",
        "Staff and service",
        "Cleanliness and safety",
        "Promotion execution",
    ]
    assert sum(item.critical for item in current.items) >= 3


def test_the_demo_has_audits_and_actions_in_every_state(demo):
    today = clock.today()
    statuses = dict(
        db.session.execute(select(Audit.status, func.count()).group_by(Audit.status)).all()
    )
    assert statuses[AuditStatus.COMPLETED] >= 10
    assert statuses[AuditStatus.SCHEDULED] >= 1
    assert statuses[AuditStatus.IN_PROGRESS] == 1
    assert db.session.scalar(select(func.count()).where(Audit.kind == AuditKind.FOLLOW_UP)) == 1
    assert db.session.scalar(select(func.count()).where(Audit.critical_failed.is_(True))) >= 1
    actions = db.session.scalars(select(CorrectiveAction)).all()
    assert any(a.status == ActionStatus.VERIFIED for a in actions)
    assert any(a.status == ActionStatus.RESPONDED for a in actions)
    assert any(a.status == ActionStatus.OPEN and not a.is_overdue(today) for a in actions)
    assert any(a.is_overdue(today) for a in actions)
    assert any(a.repeat for a in actions)
    versions = {
        a.standard_version_id
        for a in db.session.scalars(select(Audit).where(Audit.status == AuditStatus.COMPLETED))
    }
    assert len(versions) == 2  # older audits kept the first version
    assert all(
        a.completed_at.date() <= today
        for a in db.session.scalars(select(Audit).where(Audit.completed_at.is_not(None)))
    )
    assert today - timedelta(days=400) < min(
        a.scheduled_for for a in db.session.scalars(select(Audit))
    )


def test_demo_people_reach_their_audit_pages(app, demo):
    supervisor = client_for(app, "north.supervisor@demo.example", "portal-demo")
    for url in ("/audits/", "/actions/", "/audits/findings", "/home"):
        assert supervisor.get(url).status_code == 200, url
    dealer = client_for(app, "n01@demo.example", "portal-demo")
    page = dealer.get("/actions/?state=all")
    assert page.status_code == 200
    assert "国贸旗舰店" in page.get_data(as_text=True)
