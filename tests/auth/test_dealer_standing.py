"""Users of a terminated or deactivated dealer cannot sign in and their sessions end; users of
a suspended dealer may sign in and read, but change nothing beyond their own account."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import DealerStatus, Role
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_dealer, make_user

ENDED = "Your dealer no longer has access to the portal."
SUSPENDED = "Your dealer is suspended: you can view the portal but not change anything."
INVALID = "Invalid email or password."

ENDED_DEALERS = {
    "terminated": {"status": DealerStatus.TERMINATED},
    "deactivated": {"active": False},
}


@pytest.mark.parametrize("fields", ENDED_DEALERS.values(), ids=ENDED_DEALERS.keys())
def test_users_of_a_dealer_that_left_cannot_sign_in(client, fields):
    user = make_user(Role.DEALER, dealer=make_dealer(**fields))

    right = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    wrong = client.post("/sign-in", data={"email": user.email, "password": "not-it"})

    assert right.status_code == 403
    assert ENDED in right.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    assert wrong.status_code == 200  # without the password, nothing is revealed
    assert INVALID in wrong.get_data(as_text=True)
    assert ENDED not in wrong.get_data(as_text=True)


@pytest.mark.parametrize("fields", ENDED_DEALERS.values(), ids=ENDED_DEALERS.keys())
def test_ending_a_dealer_ends_its_users_sessions(app, fields):
    dealer = make_dealer()
    user = make_user(Role.DEALER, dealer=dealer)
    client = client_for(app, user.email, PASSWORD)
    assert client.get("/home").status_code == 200

    for name, value in fields.items():
        setattr(dealer, name, value)
    db.session.commit()

    assert client.get("/home").status_code == 302


def test_users_of_a_suspended_dealer_read_but_change_nothing(app):
    suspended = make_user(Role.DEALER, dealer=make_dealer(status=DealerStatus.SUSPENDED))
    trading = make_user(Role.DEALER)
    client = client_for(app, suspended.email, PASSWORD)

    assert client.get("/home").status_code == 200
    assert client.get("/plans/").status_code == 200
    refused = client.post("/plans/new", data={})
    assert refused.status_code == 403
    assert SUSPENDED in refused.get_data(as_text=True)
    assert client_for(app, trading.email, PASSWORD).post("/plans/new").status_code != 403


def test_users_of_a_suspended_dealer_still_manage_their_own_account(app):
    user = make_user(Role.DEALER, dealer=make_dealer(status=DealerStatus.SUSPENDED))
    client = client_for(app, user.email, PASSWORD)
    new = "a-new-secret-phrase"

    changed = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    language = client.post("/locale", data={"locale": "zh_Hans", "next": "/home"})
    signed_out = client.post("/sign-out")

    assert [changed.status_code, language.status_code, signed_out.status_code] == [302] * 3
    assert client.get("/home").status_code == 302


def test_staff_are_not_affected_by_any_dealer(app):
    make_dealer(status=DealerStatus.TERMINATED)
    for role in (Role.ADMIN, Role.SUPERVISOR):
        assert client_for(app, make_user(role).email, PASSWORD).get("/home").status_code == 200
