"""Admins import complaints from a CSV file: all or nothing, errors naming row and column,
the same file twice records nothing more."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.complaints import csv_import
from portal.extensions import db
from portal.models import ActivityEntry, Complaint, ComplaintStatus, Severity
from tests.support.clients import signed_in_client
from tests.support.world import admin, csv_upload  # noqa: F401  (the fixture)

URL = "/complaints/settings/import"
HEADER = ",".join(csv_import.COMPLAINT_COLUMNS)
GOOD = (
    f"{HEADER}\n"
    "sx-01,quality,phone,normal,,PL1,2099-11-17 10:00,Li Wei,13800000000,li@example.com,"
    "The kettle leaks.,EXT-1\n"
    "SY-01,SERVICE,in_store,serious,injury,,2099-11-17T09:00:00+00:00,,,,Burnt hand,EXT-2\n"
    'SX-01,DELIVERY,online,,,,2099-09-01 15:30,Zhang,,,"Late, and broken",\n'
)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


@pytest.mark.parametrize("role", ["supervisor_a", "dealer_x"])
def test_only_admins_import(app, world, categories, role):
    client = signed_in_client(app, world.people[role])
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=csv_upload(GOOD)).status_code == 403
    assert client.get(f"{URL}/template.csv").status_code == 403
    assert _count() == 0


def test_an_import_records_each_row_with_its_clock(admin, world, categories):  # noqa: F811
    response = admin.post(URL, data=csv_upload(GOOD), follow_redirects=True)
    assert response.status_code == 200
    assert "3 recorded, 0 already there" in response.get_data(as_text=True)

    first, second, third = db.session.scalars(select(Complaint).order_by(Complaint.id))
    # Without an offset, the time is the store's region's (Asia/Shanghai).
    local = datetime(2099, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert first.received_at == local
    assert (first.client_key, first.customer_name, first.product_line.code) == (
        "EXT-1",
        "Li Wei",
        "PL1",
    )
    assert first.status == ComplaintStatus.RECEIVED
    assert first.forward_due_at > first.received_at
    assert first.created_by_id == world.people["admin"].id
    assert second.received_at == datetime(2099, 11, 17, 9, 0, tzinfo=UTC)
    assert (second.severity, second.serious_kind.value) == (Severity.SERIOUS, "injury")
    assert second.dealer_id == world.dealer_y.id
    # More than 30 days back: an import of past complaints may be.
    assert third.received_at.astimezone(ZoneInfo("Asia/Shanghai")).month == 9
    assert third.client_key.startswith("csv-")
    assert third.description == "Late, and broken"
    logged = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "complaint.import")
    ).one()
    assert logged.details["created"] == 3


def test_the_same_file_twice_records_nothing_more(admin, world, categories):  # noqa: F811
    assert admin.post(URL, data=csv_upload(GOOD)).status_code == 302
    response = admin.post(URL, data=csv_upload(GOOD), follow_redirects=True)
    assert "0 recorded, 3 already there" in response.get_data(as_text=True)
    assert _count() == 3
    # A category retired since does not refuse the rows already imported.
    categories["QUALITY"].active = False
    db.session.commit()
    assert admin.post(URL, data=csv_upload(GOOD)).status_code == 302
    assert _count() == 3


def test_a_bad_row_saves_nothing_and_names_its_row(admin, world, categories):  # noqa: F811
    bad = (
        GOOD
        + "SX-99,QUALITY,phone,,,,2099-11-17 10:00,,,,Unknown store,\n"
        + "SX-01,NOPE,fax,,,,yesterday,,,,Bad cells,\n"
        + "SX-01,QUALITY,phone,serious,,,2099-11-17 10:00,,,,No reason given,\n"
    )
    response = admin.post(URL, data=csv_upload(bad))
    assert response.status_code == 422
    errors = _errors(response.get_data(as_text=True))
    assert ("5", "store_code") in errors
    assert {("6", "category_code"), ("6", "channel"), ("6", "received_at")} <= errors
    assert ("7", "serious_kind") not in errors  # checked when recorded, below
    assert _count() == 0

    # Once the cells are right, the rules of recording apply, row by row.
    rules = (
        GOOD
        + "SX-01,QUALITY,phone,serious,,,2099-11-17 10:00,,,,No reason given,\n"
        + "SX-01,QUALITY,phone,,,,2999-12-30 10:00,,,,In the future,\n"
    )
    response = admin.post(URL, data=csv_upload(rules))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _errors(page) == {("5", "serious_kind"), ("6", "received_at")}
    assert "Say why the complaint is serious." in page
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0


def test_a_key_used_twice_in_one_file_is_refused(admin, world, categories):  # noqa: F811
    twice = GOOD + "SX-01,QUALITY,phone,,,,2099-11-16 10:00,,,,Again,EXT-1\n"
    response = admin.post(URL, data=csv_upload(twice))
    assert response.status_code == 422
    assert "The same complaint as row 2." in response.get_data(as_text=True)
    assert _count() == 0


def test_a_file_is_bounded(admin, world, categories, monkeypatch):  # noqa: F811
    monkeypatch.setattr(csv_import, "MAX_COMPLAINT_ROWS", 2)
    response = admin.post(URL, data=csv_upload(GOOD))
    assert response.status_code == 422
    assert "at most" in response.get_data(as_text=True)
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    response = admin.post(URL, data=csv_upload(GOOD))
    assert "larger than" in response.get_data(as_text=True)
    assert _count() == 0


def test_the_template_imports_once_filled_in(admin, world, categories):  # noqa: F811
    template = admin.get(f"{URL}/template.csv").get_data(as_text=True).lstrip("\ufeff")
    header, example = template.splitlines()
    assert header == HEADER
    cells = example.split(",")
    cells[csv_import.COMPLAINT_COLUMNS.index("description")] = "A filled-in description"
    response = admin.post(URL, data=csv_upload(f"{header}\n{','.join(cells)}\n"))
    assert response.status_code == 302
    assert _count() == 1


def _errors(page: str) -> set[tuple[str, str]]:
    """(row, column) of each problem in the page's error table."""
    return set(re.findall(r"<tr><td>(\d+)</td><td><code>([a-z_]*)</code></td>", page))
