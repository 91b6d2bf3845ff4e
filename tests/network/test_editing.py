"""Editing the registry: stale saves conflict instead of overwriting; moves take effect at once;
deactivated records leave lists and choices but keep their history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from wtforms import BooleanField, Form

from portal.extensions import db
from portal.forms import shown
from portal.models import Dealer, StoreStatus
from tests.support.clients import signed_in_client
from tests.support.world import World, dealer_form, store_form, user_form


def _edit_cases(w: World):
    """(path, record, field, form builder) for every versioned edit form."""
    return {
        "dealer": (
            f"/dealers/{w.dealer_x.id}/edit",
            w.dealer_x,
            "name",
            lambda **c: dealer_form(w.dealer_x, **c),
        ),
        "store": (
            f"/stores/{w.store_x.id}/edit",
            w.store_x,
            "name",
            lambda **c: store_form(w.store_x, **c),
        ),
        "region": (
            f"/regions/{w.region_a.id}/edit",
            w.region_a,
            "name",
            lambda **c: {"code": "RA", "name": w.region_a.name, "version": w.region_a.version, **c},
        ),
        "product_line": (
            f"/product-lines/{w.line.id}/edit",
            w.line,
            "name",
            lambda **c: {
                "code": "PL1",
                "name": w.line.name,
                "sort_order": 1,
                "version": w.line.version,
                **c,
            },
        ),
        "user": (
            f"/admin/users/{w.target.id}/edit",
            w.target,
            "name",
            lambda **c: user_form(w.target, **c),
        ),
    }


@pytest.mark.parametrize("kind", ["dealer", "store", "region", "product_line", "user"])
def test_a_stale_save_shows_the_conflict_and_overwrites_nothing(admin, world, kind):
    path, record, field, form = _edit_cases(world)[kind]
    mine = form(name="My edit")  # rendered at version 1
    setattr(record, field, "Their edit")  # someone else saves first: version 2
    db.session.commit()

    response = admin.post(path, data=mine)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in page
    assert "My edit" in page
    assert "Their edit" in page
    db.session.refresh(record)
    assert getattr(record, field) == "Their edit"
    assert re.search(rf'name="version" type="hidden" value="{record.version}"', page)


@pytest.mark.parametrize("kind", ["dealer", "store", "user"])
def test_saving_the_conflict_page_again_keeps_my_values(admin, world, kind):
    path, record, field, form = _edit_cases(world)[kind]
    stale = form(name="My edit")
    setattr(record, field, "Their edit")
    db.session.commit()
    conflict = admin.post(path, data=stale).get_data(as_text=True)
    rendered = re.search(r'name="version" type="hidden" value="(\d+)"', conflict).group(1)

    response = admin.post(path, data={**stale, "version": rendered})

    assert response.status_code == 302
    db.session.refresh(record)
    assert getattr(record, field) == "My edit"


def test_a_save_without_a_version_is_treated_as_stale(admin, world):
    form = dealer_form(world.dealer_x, name="No version")
    del form["version"]

    response = admin.post(f"/dealers/{world.dealer_x.id}/edit", data=form)

    assert response.status_code == 409
    assert world.dealer_x.name == "Dealer Xray"


def test_a_stale_move_is_refused(admin, world):
    dealer = world.dealer_x
    stale_version = dealer.version
    dealer.contact_person = "Changed meanwhile"
    db.session.commit()

    response = admin.post(
        f"/dealers/{dealer.id}/move",
        data={"region_id": world.region_b.id, "version": stale_version},
    )

    assert response.status_code == 409
    db.session.refresh(dealer)
    assert dealer.region_id == world.region_a.id
    assert f'name="version" type="hidden" value="{dealer.version}"' in response.get_data(
        as_text=True
    )


def test_moving_a_dealer_changes_who_sees_it_at_once(app, admin, world):
    old = signed_in_client(app, world.people["supervisor_a"])
    new = signed_in_client(app, world.people["supervisor_b"])
    dealer_page, store_page = f"/dealers/{world.dealer_x.id}", f"/stores/{world.store_x.id}"
    assert (old.get(dealer_page).status_code, new.get(dealer_page).status_code) == (200, 404)

    admin.post(
        f"/dealers/{world.dealer_x.id}/move",
        data={"region_id": world.region_b.id, "version": world.dealer_x.version},
    )

    assert (old.get(dealer_page).status_code, new.get(dealer_page).status_code) == (404, 200)
    assert (old.get(store_page).status_code, new.get(store_page).status_code) == (404, 200)
    assert b"Store Xray" in new.get("/stores/").data
    assert b"Store Xray" not in old.get("/stores/").data


def test_a_dealer_cannot_be_moved_to_a_deactivated_region(admin, world):
    world.region_b.active = False
    db.session.commit()

    response = admin.post(
        f"/dealers/{world.dealer_x.id}/move",
        data={"region_id": world.region_b.id, "version": world.dealer_x.version},
    )

    assert response.status_code == 200
    assert world.dealer_x.region_id == world.region_a.id


def _options(page: str, name: str) -> set[str]:
    select_html = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r"<option[^>]*>([^<]+)</option>", select_html))


def test_deactivated_records_leave_choices_but_keep_their_pages(admin, world):
    for path in (f"/regions/{world.region_b.id}/active", f"/dealers/{world.dealer_y.id}/active"):
        assert admin.post(path, data={"active": "0"}).status_code == 302

    assert "Region Bravo" not in _options(
        admin.get("/dealers/new").get_data(as_text=True), "region_id"
    )
    assert "Region Alpha" in _options(admin.get("/dealers/new").get_data(as_text=True), "region_id")
    store_choices = _options(admin.get("/stores/new").get_data(as_text=True), "dealer_id")
    assert "DY Dealer Yankee" not in store_choices
    assert "DX Dealer Xray" in store_choices
    assert b"Dealer Yankee" not in admin.get("/dealers/").data
    detail = admin.get(f"/dealers/{world.dealer_y.id}")
    assert detail.status_code == 200
    assert b"Deactivated" in detail.data
    assert b"dealer.deactivate" in detail.data  # its history shows what happened


def test_a_store_of_a_deactivated_dealer_keeps_its_dealer_in_its_own_choices(admin, world):
    world.dealer_y.active = False
    db.session.commit()

    page = admin.get(f"/stores/{world.store_y.id}/edit").get_data(as_text=True)

    assert "DY Dealer Yankee" in _options(page, "dealer_id")


def test_reactivation_brings_a_dealer_back(admin, world):
    admin.post(f"/dealers/{world.dealer_y.id}/active", data={"active": "0"})
    admin.post(f"/dealers/{world.dealer_y.id}/active", data={"active": "1"})

    assert db.session.scalar(select(Dealer.active).where(Dealer.id == world.dealer_y.id))
    assert b"Dealer Yankee" in admin.get("/dealers/").data


def test_duplicate_codes_are_refused_on_the_form(admin, world):
    form = dealer_form(world.dealer_x, code="dy")

    response = admin.post(f"/dealers/{world.dealer_x.id}/edit", data=form)

    assert response.status_code == 200
    assert b"This code is already used." in response.data
    assert world.dealer_x.code == "DX"


def test_a_double_submitted_create_makes_one_record(admin, world):
    form = dealer_form(world.dealer_x, code="TWICE", version="")
    form["region_id"] = world.region_a.id

    first = admin.post("/dealers/new", data=form)
    second = admin.post("/dealers/new", data=form)

    assert (first.status_code, second.status_code) == (302, 200)
    assert len(db.session.scalars(select(Dealer).where(Dealer.code == "TWICE")).all()) == 1


def test_supervisor_sees_contact_edit_button_only_for_their_dealers(app, world):
    client = signed_in_client(app, world.people["supervisor_a"])

    page = client.get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)

    assert "Edit contact details" in page
    assert "Move to another region" not in page
    assert "Deactivate" not in page


def test_dealer_users_see_no_history_and_no_edit_buttons(app, world):
    client = signed_in_client(app, world.people["dealer_x"])

    page = client.get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)

    assert "Dealer Xray" in page
    assert "History" not in page
    assert f"/dealers/{world.dealer_x.id}/edit" not in page


def test_the_conflict_table_shows_choices_by_their_labels(admin, world):
    """Status codes and language codes read as the form shows them, not as stored."""
    store = world.store_x
    mine = store_form(store, status="closed", name="My edit")
    store.status = StoreStatus.PLANNED
    db.session.commit()
    page = admin.post(f"/stores/{store.id}/edit", data=mine).get_data(as_text=True)
    table = page[page.index('data-testid="conflict"') :]
    table = table[: table.index("</table>")]
    assert "<td>Closed</td>" in table
    assert "<td>Planned</td>" in table
    assert "<td>closed</td>" not in table

    target = world.target
    stale = user_form(target, locale="zh_Hans")
    target.name = "Someone else"
    db.session.commit()
    page = admin.post(f"/admin/users/{target.id}/edit", data=stale).get_data(as_text=True)
    assert "<td>简体中文</td>" in page
    assert "<td>English</td>" in page


def test_yes_and_no_are_worded_in_the_readers_language(app):
    class Flag(Form):
        critical = BooleanField("Critical")

    field = Flag().critical
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert (shown(field, True), shown(field, False), shown(field, None)) == ("是", "否", "—")
