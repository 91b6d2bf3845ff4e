"""Who reaches which complaint page: out of scope answers 404, a step not theirs 403, and the
list costs the same few queries however many complaints it shows."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.access.complaints import COMPLAINT_PHOTO
from portal.complaints import services
from portal.extensions import db
from portal.models import Attachment, Complaint, ComplaintStatus, DealerStatus
from portal.storage import check_uploads, save_upload
from tests.complaints.conftest import LONG_SESSIONS, record
from tests.support.queries import counting
from tests.support.uploads import jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_0900 = datetime(2099, 11, 16, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def app_config() -> dict:
    return LONG_SESSIONS


@pytest.fixture
def complaint_x(world, categories):
    """Dealer X's complaint, with a photo."""
    complaint = record(world.store_x, world.people["dealer_x"], categories["QUALITY"])
    [checked] = check_uploads([FileStorage(io.BytesIO(jpeg()), filename="leak.jpg")])
    photo = save_upload(
        checked,
        owner_type=COMPLAINT_PHOTO,
        owner_id=complaint.id,
        dealer_id=complaint.dealer_id,
        uploaded_by=world.people["dealer_x"],
    )
    db.session.commit()
    return complaint, photo


@pytest.mark.parametrize("role", ["dealer_y", "supervisor_b"])
def test_out_of_scope_complaints_answer_404(world, complaint_x, signed, role):
    complaint, photo = complaint_x
    client = signed(role)
    assert client.get(f"/complaints/{complaint.id}").status_code == 404
    assert client.get(f"/attachments/{photo.id}").status_code == 404
    for action in ("forward", "start", "resolve", "close", "reopen"):
        response = client.post(
            f"/complaints/{complaint.id}/{action}",
            data={"version": complaint.version, "comment": "x", "reason": "x", "remedy": "none"},
        )
        assert response.status_code == 404, action
    assert complaint.status == ComplaintStatus.RECEIVED


@pytest.mark.parametrize("role", ["admin", "supervisor_a", "dealer_x"])
def test_in_scope_users_see_the_complaint_and_its_photo(world, complaint_x, signed, role):
    complaint, photo = complaint_x
    page = signed(role).get(f"/complaints/{complaint.id}")
    assert page.status_code == 200
    assert f"/attachments/{photo.id}" in page.get_data(as_text=True)
    assert signed(role).get(f"/attachments/{photo.id}").status_code == 200


def test_a_missing_complaint_is_404(world, signed):
    assert signed("admin").get("/complaints/999999").status_code == 404
    assert (
        signed("admin").post("/complaints/999999/forward", data={"version": 1}).status_code == 404
    )


def test_a_dealer_records_only_for_their_own_stores(world, categories, signed):
    response = signed("dealer_y").post(
        "/complaints/new",
        data={
            "store_id": world.store_x.id,
            "category_id": categories["QUALITY"].id,
            "product_line_id": 0,
            "channel": "phone",
            "severity": "normal",
            "description": "Someone else's store",
            "client_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_suspended_dealer_reads_but_records_nothing(world, complaint_x, signed):
    complaint, _photo = complaint_x
    world.dealer_x.status = DealerStatus.SUSPENDED
    db.session.commit()
    client = signed("dealer_x")
    listing = client.get("/complaints/").get_data(as_text=True)
    assert complaint.reference in listing
    assert "Record a complaint" not in listing
    assert client.get("/complaints/new").status_code == 403
    assert 'data-step="forward"' not in client.get(f"/complaints/{complaint.id}").get_data(
        as_text=True
    )
    forward = client.post(f"/complaints/{complaint.id}/forward", data={"version": 1})
    assert forward.status_code == 403
    assert complaint.status == ComplaintStatus.RECEIVED


def test_everyone_finds_complaints_in_the_navigation(world, signed):
    for role in ("admin", "supervisor_a", "dealer_x"):
        page = signed(role).get("/complaints/").get_data(as_text=True)
        assert 'class="nav-link active" href="/complaints/" aria-current="page"' in page, role
        assert 'data-testid="nav-complaints"' in page, role


def queries(client, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_the_list_costs_the_same_queries_for_3_or_24_complaints(world, categories, signed):
    stores = (world.store_x, world.store_y)
    people = (world.people["dealer_x"], world.people["dealer_y"])
    codes = list(categories)

    def add(n: int) -> None:
        for index in range(n):
            with time_machine.travel(MONDAY_0900 + timedelta(minutes=index), tick=False):
                complaint = record(
                    stores[index % 2], people[index % 2], categories[codes[index % 6]]
                )
                if index % 3 == 0:
                    services.forward(complaint, actor=people[index % 2])
        db.session.commit()

    add(3)
    with time_machine.travel(MONDAY_0900 + timedelta(hours=1), tick=False):
        signed("admin").get("/complaints/")  # the session's first use, not counted
        few = queries(signed("admin"), "/complaints/")
    add(21)
    with time_machine.travel(MONDAY_0900 + timedelta(hours=1), tick=False):
        many = queries(signed("admin"), "/complaints/")
        filtered = queries(signed("admin"), "/complaints/?overdue=any&period=2099-11")
    assert many == few
    assert filtered <= few + 1  # the month's ranges read the regions' time zones
    assert many <= 14
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
