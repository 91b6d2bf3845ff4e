"""R3 for user accounts: an email taken between the "is it free?" check and the INSERT (a double
submit on PostgreSQL) gets the same form error as an email taken earlier, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.admin import services
from portal.extensions import db
from portal.models import ActivityEntry, Role, User
from tests.support.factories import make_user

TAKEN = "taken@example.com"


def check_passes_once(monkeypatch) -> None:
    """The first check finds the email free, as it did for the request that lost the race."""
    real = services._check_email_free
    calls = []

    def check(email):
        if not calls:
            calls.append(email)
            return
        real(email)

    monkeypatch.setattr(services, "_check_email_free", check)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", ["dealer", "supervisor", "admin"])
def test_an_email_taken_after_the_check_is_refused_on_the_form(admin, world, monkeypatch, role):
    make_user(Role.DEALER, email=TAKEN, name="First In", dealer=world.dealer_y)
    db.session.commit()
    users, entries = _count(User), _count(ActivityEntry)
    check_passes_once(monkeypatch)
    form = {
        "email": " Taken@Example.com ",
        "name": "Second In",
        "role": role,
        "dealer_id": world.dealer_x.id if role == "dealer" else 0,
        "region_ids": [world.region_a.id] if role == "supervisor" else [],
        "locale": "en",
        "password": "temporary-pass-123",
    }

    response = admin.post("/admin/users/new", data=form)

    assert response.status_code == 200
    assert b"A user with this email already exists." in response.data
    assert _count(User) == users
    assert db.session.scalar(select(User.name).where(User.email == TAKEN)) == "First In"
    assert _count(ActivityEntry) == entries
