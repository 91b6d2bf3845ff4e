"""Complaint settings: admins keep the categories, each region's business calendar and the
holidays; nobody else reaches the pages."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.complaints import deadlines
from portal.extensions import db
from portal.models import ActivityEntry, ComplaintCategory, Holiday, Region, RegionHours, Role
from tests.support.clients import signed_in_client
from tests.support.factories import make_user
from tests.support.world import admin, csv_upload  # noqa: F401  (the fixture)

PAGES = (
    "/complaints/settings/",
    "/complaints/settings/categories/",
    "/complaints/settings/categories/new",
    "/complaints/settings/regions/",
    "/complaints/settings/holidays/",
    "/complaints/settings/holidays/import",
    "/complaints/settings/import",
    "/complaints/settings/import/template.csv",
)


def _week(**days) -> dict:
    """The calendar form's week: days given as {index: (opens, closes)}; others closed."""
    data = {}
    for day in range(7):
        opens, closes = days.get(f"d{day}", ("09:00", "18:00"))
        if f"d{day}" in days:
            data[f"days-{day}-open"] = "y"
        data[f"days-{day}-opens"] = opens
        data[f"days-{day}-closes"] = closes
    return data


def _calendar_form(region: Region, **changes) -> dict:
    data = {
        "timezone": region.timezone,
        "after_sales_user_id": region.after_sales_user_id or 0,
        "after_sales_email": region.after_sales_email,
        "version": region.version,
    }
    data.update(_week(**changes.pop("week", {f"d{d}": ("09:00", "18:00") for d in range(5)})))
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["supervisor_a", "dealer_x"])
def test_only_admins_reach_the_settings(app, world, role):
    client = signed_in_client(app, world.people[role])
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    region = world.region_a
    response = client.post(f"/complaints/settings/regions/{region.id}", data=_calendar_form(region))
    assert response.status_code == 403
    assert client.post("/complaints/settings/categories/defaults").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ComplaintCategory)) == 0


def test_the_admin_menu_links_the_settings(admin, world):  # noqa: F811
    page = admin.get("/complaints/settings/").get_data(as_text=True)
    assert 'data-testid="nav-complaint-settings"' in page
    for path in PAGES[1:3] + PAGES[3:5]:
        assert admin.get(path).status_code == 200, path


def test_no_categories_offers_the_usual_ones_once(admin, world):  # noqa: F811
    page = admin.get("/complaints/settings/categories/").get_data(as_text=True)
    assert 'data-testid="default-categories"' in page

    response = admin.post("/complaints/settings/categories/defaults")
    assert response.status_code == 302
    admin.post("/complaints/settings/categories/defaults")

    codes = db.session.scalars(select(ComplaintCategory.code)).all()
    assert sorted(codes) == ["DELIVERY", "OTHER", "PRICE", "PROMOTION", "QUALITY", "SERVICE"]
    page = admin.get("/complaints/settings/categories/").get_data(as_text=True)
    assert 'data-testid="default-categories"' not in page
    assert "产品质量" in page


def test_a_category_is_added_and_edited_with_a_version_check(admin, world):  # noqa: F811
    data = {"code": "noise", "name": "Noise", "name_zh": "噪音", "resolve_days": 5}
    data |= {"sort_order": 70, "active": "y"}
    assert admin.post("/complaints/settings/categories/new", data=data).status_code == 302
    category = db.session.scalars(select(ComplaintCategory)).one()
    assert (category.code, category.resolve_days, category.active) == ("NOISE", 5, True)

    edit = f"/complaints/settings/categories/{category.id}/edit"
    stale = {**data, "resolve_days": 7, "version": category.version}
    response = admin.post(edit, data={**data, "resolve_days": 9, "version": category.version})
    assert response.status_code == 302
    response = admin.post(edit, data=stale)  # rendered before the change just saved
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert category.resolve_days == 9
    assert (
        db.session.scalar(
            select(func.count()).where(ActivityEntry.action == "complaint_category.update")
        )
        == 1
    )


@pytest.mark.parametrize(
    ("days", "field"),
    [(0, "resolve_days"), (61, "resolve_days"), ("", "resolve_days")],
)
def test_the_resolution_target_is_1_to_60_business_days(admin, world, days, field):  # noqa: F811
    data = {"code": "X1", "name": "X", "resolve_days": days, "sort_order": 0}
    response = admin.post("/complaints/settings/categories/new", data=data)
    assert response.status_code == 200
    assert f'id="{field}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ComplaintCategory)) == 0


def test_a_taken_code_is_refused(admin, world):  # noqa: F811
    admin.post("/complaints/settings/categories/defaults")
    data = {"code": "quality", "name": "Again", "resolve_days": 3, "sort_order": 0}
    response = admin.post("/complaints/settings/categories/new", data=data)
    assert "This code is already used." in response.get_data(as_text=True)


def test_a_region_without_hours_shows_the_defaults(admin, world):  # noqa: F811
    page = admin.get(f"/complaints/settings/regions/{world.region_a.id}").get_data(as_text=True)
    assert 'data-testid="default-hours"' in page
    assert 'name="days-0-open" value="y" checked' in page
    assert 'name="days-5-open" value="y" aria-label' in page  # Saturday closed
    assert 'value="09:00"' in page
    assert 'value="18:00"' in page


def test_the_calendar_is_saved_in_one_go(admin, world):  # noqa: F811
    region = world.region_a
    supervisor = world.people["supervisor_a"]
    week = {"d0": ("08:30", "17:00"), "d2": ("10:00", "16:00"), "d5": ("09:00", "12:00")}
    form = _calendar_form(
        region,
        timezone="Europe/Berlin",
        after_sales_user_id=supervisor.id,
        after_sales_email="after-sales@example.com",
        week=week,
    )
    response = admin.post(f"/complaints/settings/regions/{region.id}", data=form)
    assert response.status_code == 302

    db.session.expire_all()
    assert region.timezone == "Europe/Berlin"
    assert region.after_sales_user_id == supervisor.id
    assert region.after_sales_email == "after-sales@example.com"
    assert deadlines.weekly_hours(region.id) == {
        0: ((time(8, 30), time(17)),),
        2: ((time(10), time(16)),),
        5: ((time(9), time(12)),),
    }
    # Saving again with one day fewer replaces the rows.
    form = _calendar_form(region, week={"d0": ("08:30", "17:00")})
    assert admin.post(f"/complaints/settings/regions/{region.id}", data=form).status_code == 302
    rows = db.session.scalars(select(RegionHours).where(RegionHours.region_id == region.id))
    assert [row.weekday for row in rows] == [0]


BAD_CALENDARS = [
    ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
    ({"week": {"d0": ("18:00", "09:00")}}, "The day must open before it closes."),
    ({"week": {"d0": ("09:00", "")}}, "Give the opening and closing times of an open day."),
    ({"week": {}}, "Open the region on one day of the week at least."),
    ({"after_sales_email": "not an address"}, "Invalid email address."),
]


def test_a_bad_calendar_saves_nothing(admin, world):  # noqa: F811
    region = world.region_a
    for changes, message in BAD_CALENDARS:
        form = _calendar_form(region, **changes)
        response = admin.post(f"/complaints/settings/regions/{region.id}", data=form)
        assert response.status_code == 200, changes
        assert message in response.get_data(as_text=True), changes
        db.session.expire_all()
        assert region.timezone == "Asia/Shanghai", changes
        assert db.session.scalar(select(func.count()).select_from(RegionHours)) == 0, changes


def test_the_contact_is_an_admin_or_a_supervisor_of_the_region(admin, world):  # noqa: F811
    region = world.region_a
    for user in (world.people["supervisor_b"], world.people["dealer_x"]):
        form = _calendar_form(region, after_sales_user_id=user.id)
        response = admin.post(f"/complaints/settings/regions/{region.id}", data=form)
        assert response.status_code == 200
    inactive = make_user(Role.ADMIN, active=False)
    db.session.commit()
    form = _calendar_form(region, after_sales_user_id=inactive.id)
    response = admin.post(f"/complaints/settings/regions/{region.id}", data=form)
    assert response.status_code == 200
    db.session.expire_all()
    assert region.after_sales_user_id is None


def test_a_stale_calendar_form_is_refused(admin, world):  # noqa: F811
    region = world.region_a
    old = _calendar_form(region, timezone="Asia/Tokyo")
    first = _calendar_form(region, week={"d1": ("09:00", "17:00")})
    assert admin.post(f"/complaints/settings/regions/{region.id}", data=first).status_code == 302
    response = admin.post(f"/complaints/settings/regions/{region.id}", data=old)
    assert response.status_code == 409
    db.session.expire_all()
    assert region.timezone == "Asia/Shanghai"
    assert list(deadlines.weekly_hours(region.id)) == [1]


def test_holidays_are_added_listed_by_year_and_removed(admin, world):  # noqa: F811
    region = world.region_b
    page = "/complaints/settings/holidays/?year=2099"
    ok = admin.post(page, data={"day": "2099-10-01", "name": "National Day", "region_id": 0})
    assert ok.status_code == 302
    ok = admin.post(page, data={"day": "2099-06-01", "name": "Local", "region_id": region.id})
    assert ok.status_code == 302
    again = admin.post(page, data={"day": "2099-10-01", "name": "Twice", "region_id": 0})
    assert again.status_code == 422
    assert "This day is already a holiday there." in again.get_data(as_text=True)

    listed = admin.get(page).get_data(as_text=True)
    assert "National Day" in listed
    assert "Local" in listed
    assert "National Day" not in admin.get("/complaints/settings/holidays/?year=2100").get_data(
        as_text=True
    )
    only_b = admin.get(f"{page}&region={region.id}").get_data(as_text=True)
    assert "Local" in only_b
    assert "National Day" not in only_b
    assert deadlines.holidays_of(region.id) == {date(2099, 10, 1), date(2099, 6, 1)}
    assert deadlines.holidays_of(world.region_a.id) == {date(2099, 10, 1)}

    local = db.session.scalar(select(Holiday).where(Holiday.region_id == region.id))
    assert admin.post(f"/complaints/settings/holidays/{local.id}/delete").status_code == 302
    assert deadlines.holidays_of(region.id) == {date(2099, 10, 1)}


def test_holiday_import_is_all_or_nothing_and_idempotent(admin, world):  # noqa: F811
    url = "/complaints/settings/holidays/import"
    good = (
        "date,name,region_code\n"
        "2099-10-01,National Day,\n"
        "2099-10-02,National Day,\n"
        "2099-06-01,Local,rb\n"
    )
    bad = good + "2099-13-01,Nope,\n2099-07-01,Where,ZZ\n"
    response = admin.post(url, data=csv_upload(bad))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>5</td>" in page
    assert "<td>6</td>" in page
    assert "is not a date" in page
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 0

    assert admin.post(url, data=csv_upload(good)).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 3
    response = admin.post(url, data=csv_upload(good), follow_redirects=True)
    assert "0 added, 3 already there" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 3
    assert deadlines.holidays_of(world.region_b.id) == {
        date(2099, 10, 1),
        date(2099, 10, 2),
        date(2099, 6, 1),
    }
