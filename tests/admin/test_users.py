"""User administration: create, edit, reset a password, deactivate; never lock yourself out."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.models import Role, User
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_user
from tests.support.world import user_form


def _new_user(**changes) -> dict:
    values = {
        "email": "  New.Person@Example.com ",
        "name": "New Person",
        "role": "dealer",
        "dealer_id": 0,
        "locale": "zh_Hans",
        "password": "temporary-pass-123",
    }
    values.update(changes)
    return values


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_creates_a_dealer_user_who_must_change_the_password(app, admin, world):
    response = admin.post("/admin/users/new", data=_new_user(dealer_id=world.dealer_x.id))

    user = _user("new.person@example.com")
    assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
    assert (user.role, user.dealer_id, user.locale) == (Role.DEALER, world.dealer_x.id, "zh_Hans")
    assert user.must_change_password is True
    fresh = client_for(app, user.email, "temporary-pass-123")
    assert fresh.get("/home").headers["Location"].endswith("/account/password")


def test_admin_creates_a_supervisor_of_several_regions(admin, world):
    regions = [world.region_a.id, world.region_b.id]

    admin.post("/admin/users/new", data=_new_user(role="supervisor", region_ids=regions))

    user = _user("new.person@example.com")
    assert sorted(region.id for region in user.regions) == sorted(regions)


def test_the_new_user_form_starts_with_the_least_privileged_role(admin):
    page = admin.get("/admin/users/new").get_data(as_text=True)
    start = page.index('name="role"')
    select_html = page[start : page.index("</select>", start)]
    selected = re.findall(r"<option\b[^>]*\bselected\b[^>]*>", select_html)
    assert len(selected) == 1
    assert 'value="dealer"' in selected[0]


BAD_USERS = [
    ({"dealer_id": 0}, b"A dealer user must belong to a dealer."),
    ({"role": "supervisor"}, b"Assign at least one region to a supervisor."),
    ({"password": "short"}, b"Use at least 10 characters."),
    ({"password": "portal-demo"}, b"This password is too easy to guess."),
    ({"email": "not-an-email"}, b"Invalid email address."),
    ({"role": "emperor"}, b"Invalid Choice"),
]


def test_create_refuses_bad_input_and_saves_nothing(admin, world):
    for changes, message in BAD_USERS:
        values = {**_new_user(dealer_id=world.dealer_x.id), **changes}

        response = admin.post("/admin/users/new", data=values)

        assert response.status_code == 200, changes
        assert message in response.data, changes
        assert _user("new.person@example.com") is None, changes


def test_an_email_can_be_used_once(admin, world):
    make_user(Role.DEALER, email="taken@example.com")
    taken = "Taken@Example.com"

    values = _new_user(email=taken, dealer_id=world.dealer_x.id)

    response = admin.post("/admin/users/new", data=values)

    assert b"A user with this email already exists." in response.data


def test_admin_edits_role_and_membership(admin, world):
    target = world.target
    form = user_form(target, role="supervisor", dealer_id=0, region_ids=[world.region_a.id])

    response = admin.post(f"/admin/users/{target.id}/edit", data=form)

    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.role, target.dealer_id) == (Role.SUPERVISOR, None)
    assert [region.id for region in target.regions] == [world.region_a.id]


def test_an_admin_cannot_demote_themselves(admin, world):
    me = world.people["admin"]
    form = user_form(me, role="supervisor", region_ids=[world.region_a.id])

    response = admin.post(f"/admin/users/{me.id}/edit", data=form)

    assert response.status_code == 200
    assert b"You cannot remove your own administrator role." in response.data
    db.session.refresh(me)
    assert me.role == Role.ADMIN


def test_an_admin_cannot_deactivate_themselves(admin, world):
    me = world.people["admin"]

    response = admin.post(
        f"/admin/users/{me.id}/active", data={"active": "0"}, follow_redirects=True
    )

    assert b"You cannot deactivate yourself." in response.data
    db.session.refresh(me)
    assert me.active is True
    assert admin.get("/home").status_code == 200
    assert b"/active" not in admin.get(f"/admin/users/{me.id}").data  # no button offered


def test_deactivated_users_leave_the_list_and_can_be_reactivated(app, admin, world):
    target = world.target

    admin.post(f"/admin/users/{target.id}/active", data={"active": "0"})

    assert b"Target User" not in admin.get("/admin/users/").data
    assert b"Target User" in admin.get("/admin/users/?inactive=1").data
    admin.post(f"/admin/users/{target.id}/active", data={"active": "1"})
    assert client_for(app, target.email, PASSWORD).get("/home").status_code == 200


def test_reset_password_sets_a_temporary_one(admin, world):
    target = world.target

    response = admin.post(
        f"/admin/users/{target.id}/reset-password",
        data={"password": "temporary-pass-456", "version": target.version},
        follow_redirects=True,
    )

    assert b"must choose a new one at next sign-in" in response.data
    db.session.refresh(target)
    assert verify_password(target.password_hash, "temporary-pass-456")
    assert target.must_change_password is True


def test_reset_password_refuses_a_weak_one(admin, world):
    target = world.target
    old_hash = target.password_hash

    response = admin.post(
        f"/admin/users/{target.id}/reset-password",
        data={"password": "123", "version": target.version},
        follow_redirects=True,
    )

    assert b"Use at least 10 characters." in response.data
    db.session.refresh(target)
    assert target.password_hash == old_hash


def test_the_user_page_shows_their_own_history(app, admin, world):
    person = world.people["dealer_x"]
    own = client_for(app, person.email, PASSWORD)
    own.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another-secret-77",
            "confirm_password": "another-secret-77",
        },
    )

    page = admin.get(f"/admin/users/{person.id}").get_data(as_text=True)

    assert "auth.change_password" in page
    assert "auth.sign_in" in page


def test_user_list_searches_and_filters_by_role(admin, world):
    listed = admin.get("/admin/users/?q=sue").get_data(as_text=True)
    supervisors = admin.get("/admin/users/?role=supervisor").get_data(as_text=True)

    assert "Sue Alpha" in listed
    assert "Sid Bravo" not in listed
    assert "Sue Alpha" in supervisors
    assert "Sid Bravo" in supervisors
    assert "Dan Xray" not in supervisors
