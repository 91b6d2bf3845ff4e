"""Complaint tests: the shared two-region world with categories, and helpers to record."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.complaints import services
from portal.extensions import db
from portal.models import Channel, ComplaintCategory, Severity, Store, User
from tests.support.world import World, world  # noqa: F401  (the fixture)


@pytest.fixture
def categories(app) -> dict[str, ComplaintCategory]:
    services.ensure_default_categories()
    db.session.commit()
    return {category.code: category for category in db.session.query(ComplaintCategory)}


def record(
    store: Store,
    actor: User,
    category: ComplaintCategory,
    *,
    received_at: datetime | None = None,
    severity: Severity = Severity.NORMAL,
    **fields,
):
    new = services.NewComplaint(
        store=store,
        category=category,
        channel=fields.pop("channel", Channel.PHONE),
        description=fields.pop("description", "The kettle leaks."),
        severity=severity,
        received_at=received_at,
        **fields,
    )
    return services.record(new, actor=actor, now=received_at)


LONG_SESSIONS = {  # the page tests travel days around the test clock with one session
    "SESSION_IDLE_TIMEOUT": 90 * 24 * 3600,
    "SESSION_ABSOLUTE_TIMEOUT": 90 * 24 * 3600,
}


@pytest.fixture
def signed(app, world: World):  # noqa: F811  (the fixture imported above)
    """`signed("dealer_x")`: a client signed in as one of the world's people (made once)."""
    from tests.support.clients import signed_in_client

    made = {}

    def client(role: str):
        if role not in made:
            made[role] = signed_in_client(app, world.people[role])
        return made[role]

    return client
