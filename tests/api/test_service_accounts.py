"""A service token's account is no person: in-app notifications meant for a dealer's users,
a region's supervisors, a notice's audience or a complaint's escalation pass it by."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock, notifications
from portal.api import services
from portal.complaints import escalation
from portal.complaints.deadlines import Point
from portal.extensions import db
from portal.models import AlertLevel, Notification, Role, Target
from portal.notices import services as notices
from tests.support import complaints
from tests.support.factories import make_dealer, make_region, make_store, make_user


def _service_account(role: Role, *, dealer=None, regions=(), admin=None):
    token, _secret = services.create_service_token(
        name=f"{role.value} integration",
        role=role,
        dealer=dealer,
        regions=list(regions),
        days=30,
        read_only=False,
        actor=admin,
        max_days=366,
    )
    return token.user


def _notified(kind: str) -> set[int]:
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
    return {row.user_id for row in rows}


def test_service_accounts_get_no_notifications_meant_for_people(app):
    region = make_region()
    dealer = make_dealer(region)
    store = make_store(dealer)
    admin = make_user(Role.ADMIN)
    person = make_user(Role.DEALER, dealer=dealer)
    supervisor = make_user(Role.SUPERVISOR, regions=[region])
    dealer_erp = _service_account(Role.DEALER, dealer=dealer, admin=admin)
    region_bi = _service_account(Role.SUPERVISOR, regions=[region], admin=admin)
    admin_sync = _service_account(Role.ADMIN, admin=admin)
    db.session.commit()
    assert {dealer_erp.active, region_bi.active, admin_sync.active} == {True}

    notifications.notify_dealer(dealer.id, "plan.returned", period="2099-12")
    notifications.notify_supervisors_of(dealer.id, "plan.submitted", period="2099-12")
    notice, _created = notices.create_notice(
        {
            "kind": "policy",
            "title": "Returns policy",
            "body": "Customers may return **unworn** shoes within 30 days.",
            "effective_from": clock.today(),
            "effective_to": None,
            "acknowledge_days": 7,
            "audience": "network",
            "region_ids": [],
            "dealer_ids": [],
            "audience_kind": "",
            "store_ids": [],
        },
        author=admin,
    )
    notices.publish(notice, actor=admin)
    db.session.flush()

    assert _notified("plan.returned") == {person.id}
    assert _notified("plan.submitted") == {supervisor.id}
    assert _notified("notice.policy_published") == {person.id}

    category = complaints.categories()["QUALITY"]
    complaint = complaints.make(admin, store, category, received=timedelta(hours=2))
    at = clock.now()
    heard = {
        level: {user.id for user in escalation.recipients(complaint, Point(target, level, at))}
        for target, level in (
            (Target.RESOLVE, AlertLevel.REMIND),
            (Target.RESOLVE, AlertLevel.SUPERVISOR),
            (Target.RESOLVE, AlertLevel.ADMIN),
        )
    }
    assert heard == {
        AlertLevel.REMIND: {person.id},
        AlertLevel.SUPERVISOR: {supervisor.id},
        AlertLevel.ADMIN: {admin.id},
    }
