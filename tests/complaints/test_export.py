"""The complaint list as CSV: the list's scope and filters, streamed, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.complaints import pages, services
from portal.extensions import db
from portal.models import ActivityEntry, Remedy
from tests.complaints.conftest import LONG_SESSIONS, record

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_0900 = datetime(2099, 11, 16, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def app_config() -> dict:
    return LONG_SESSIONS


@pytest.fixture
def two(world, categories):
    with time_machine.travel(MONDAY_0900, tick=False):
        x = record(
            world.store_x,
            world.people["dealer_x"],
            categories["QUALITY"],
            customer_name='=HYPERLINK("http://evil.example")',
            description="+cmd|' /C calc'!A0",
        )
        y = record(world.store_y, world.people["dealer_y"], categories["SERVICE"])
        for step in (services.forward, services.start):
            step(y, actor=world.people["dealer_y"])
        services.resolve(
            y, actor=world.people["dealer_y"], remedy=Remedy.REFUND, comment="Paid", cost_minor=9950
        )
    db.session.commit()
    return x, y


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="complaints.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_export_lists_what_the_list_shows(world, two, signed):
    x, y = two
    response = signed("admin").get("/complaints/export.csv")
    assert response.is_streamed
    exported = {row["reference"]: row for row in rows(response)}
    assert set(exported) == {x.reference, y.reference}
    assert list(exported[x.reference]) == list(pages.EXPORT_HEADER)
    assert exported[x.reference]["received_at"] == "2099-11-16 09:00"
    assert exported[x.reference]["timezone"] == "Asia/Shanghai"
    assert exported[x.reference]["forward_due_at"] == "2099-11-16 11:00"
    assert exported[x.reference]["dealer_code"] == "DX"
    assert exported[y.reference]["status"] == "resolved"
    assert exported[y.reference]["remedy"] == "refund"
    assert exported[y.reference]["cost"] == "99.50"
    assert exported[y.reference]["forwarded_on_time"] == "yes"
    entry = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "complaint.export")
    ).one()
    assert entry.actor_id == world.people["admin"].id


def test_export_cells_cannot_run_as_formulas(world, two, signed):
    x, _y = two
    [row] = [
        r
        for r in rows(signed("admin").get("/complaints/export.csv"))
        if r["reference"] == x.reference
    ]
    assert row["customer_name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["description"] == "'+cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("role", "expected"), [("supervisor_a", "x"), ("supervisor_b", "y"), ("dealer_y", "y")]
)
def test_export_is_scoped(world, two, signed, role, expected):
    x, y = two
    wanted = {"x": x, "y": y}[expected]
    assert [row["reference"] for row in rows(signed(role).get("/complaints/export.csv"))] == [
        wanted.reference
    ]


def test_export_keeps_the_lists_filters(world, two, signed):
    x, y = two
    with time_machine.travel(MONDAY_0900 + timedelta(hours=3), tick=False):
        admin = signed("admin")
        late = rows(admin.get("/complaints/export.csv?overdue=forward"))
        resolved = rows(admin.get("/complaints/export.csv?status=resolved"))
        october = rows(admin.get("/complaints/export.csv?period=2099-10"))
    assert [row["reference"] for row in late] == [x.reference]
    assert [row["reference"] for row in resolved] == [y.reference]
    assert october == []


def test_export_streams_in_batches(world, categories, signed, monkeypatch):
    monkeypatch.setattr(pages, "EXPORT_BATCH", 2)
    with time_machine.travel(MONDAY_0900, tick=False):
        for _ in range(5):
            record(world.store_x, world.people["dealer_x"], categories["PRICE"])
    db.session.commit()
    response = signed("dealer_x").get("/complaints/export.csv")
    chunks = [chunk for chunk in response.response if chunk]
    assert len(chunks) == 3  # header and rows 1-2, rows 3-4, row 5
    text = b"".join(chunks).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text)))) == 5
