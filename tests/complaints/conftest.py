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
