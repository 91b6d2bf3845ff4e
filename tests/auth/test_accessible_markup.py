"""Markup that assistive technology relies on: autocomplete on sign-in fields, errors tied
to their fields, and aria-sort on the sorted column's header."""

from __future__ import annotations

import re

from tests.support.clients import signed_in_client


def _tag(page: str, name: str) -> str:
    """The opening tag of the form control called `name`."""
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def test_sign_in_fields_say_what_they_hold(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'autocomplete="username"' in _tag(page, "email")
    assert 'autocomplete="current-password"' in _tag(page, "password")


def test_change_password_fields_say_what_they_hold(app, world):
    page = signed_in_client(app, world.people["dealer_x"]).get("/account/password")
    page = page.get_data(as_text=True)
    assert 'autocomplete="current-password"' in _tag(page, "current_password")
    assert 'autocomplete="new-password"' in _tag(page, "new_password")
    assert 'autocomplete="new-password"' in _tag(page, "confirm_password")


def test_a_field_in_error_points_to_its_message(app, admin):
    response = admin.post("/admin/users/new", data={"email": "", "name": ""})
    page = response.get_data(as_text=True)
    tag = _tag(page, "name")
    assert 'aria-invalid="true"' in tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1)
    for message_id in described.split():
        assert f'id="{message_id}"' in page
    assert 'href="#name"' in page  # the summary links the field
    untouched = _tag(page, "locale")
    assert "aria-invalid" not in untouched


def test_aria_sort_sits_on_the_header_cell_not_the_link(admin, world):
    page = admin.get("/dealers/?sort=-name").get_data(as_text=True)
    assert re.search(r'<th\b[^>]*aria-sort="descending"', page)
    assert not re.search(r"<a\b[^>]*aria-sort", page)
    assert page.count("aria-sort=") == 1
