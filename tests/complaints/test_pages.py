"""The complaint pages: the list and its filters, recording a complaint, its page, its steps."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from portal.complaints import services
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    Attachment,
    Complaint,
    ComplaintStatus,
    Remedy,
    SeriousKind,
    Severity,
)
from tests.complaints.conftest import LONG_SESSIONS, record
from tests.support.uploads import jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_0900 = datetime(2099, 11, 16, 9, 0, tzinfo=SHANGHAI)  # forwarding due 11:00


@pytest.fixture
def app_config() -> dict:
    return LONG_SESSIONS


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def references(response) -> list[str]:
    return re.findall(r'data-reference="(C[0-9]+)"', response.get_data(as_text=True))


def row(response, complaint: Complaint) -> str:
    page = response.get_data(as_text=True)
    match = re.search(rf'<tr data-reference="{complaint.reference}">(.*?)</tr>', page, re.S)
    assert match, f"{complaint.reference} not listed"
    return match.group(1)


@pytest.fixture
def two(world, categories):
    """A complaint at each dealer, received Monday 09:00 in Shanghai."""
    with time_machine.travel(MONDAY_0900, tick=False):
        x = record(world.store_x, world.people["dealer_x"], categories["QUALITY"])
        y = record(world.store_y, world.people["dealer_y"], categories["SERVICE"])
    db.session.commit()
    return x, y


# The list


def test_list_shows_local_times_and_late_badges(world, two, signed):
    x, y = two
    with time_machine.travel(MONDAY_0900 + timedelta(minutes=100), tick=False):
        services.forward(y, actor=world.people["dealer_y"])
        db.session.commit()
        soon = row(signed("admin").get("/complaints/"), x)
    assert "2099-11-16 09:00" in soon  # received, in Shanghai time
    assert 'data-state="due_soon"' in soon  # 100 of 120 business minutes used
    with time_machine.travel(MONDAY_0900 + timedelta(hours=3), tick=False):
        response = signed("admin").get("/complaints/")
    late = row(response, x)
    assert re.search(r'data-target="forward">2099-11-16 11:00 <span[^>]*data-state="late"', late)
    assert 'data-state="running"' in late  # resolution: three business days
    assert 'data-state="met"' in row(response, y)  # forwarded on time
    assert "Late" in late
    assert "Record a complaint" in response.get_data(as_text=True)


def test_list_is_scoped(world, two, signed):
    x, y = two
    assert sorted(references(signed("admin").get("/complaints/"))) == [x.reference, y.reference]
    assert references(signed("supervisor_a").get("/complaints/")) == [x.reference]
    assert references(signed("supervisor_b").get("/complaints/")) == [y.reference]
    own = signed("dealer_x").get(f"/complaints/?dealer={world.dealer_y.id}")
    assert references(own) == [x.reference]
    assert "Dealer Xray" not in own.get_data(as_text=True).split("<tbody>")[1]  # no dealer column


def test_list_filters(world, two, categories, signed):
    x, y = two
    with time_machine.travel(MONDAY_0900 + timedelta(minutes=30), tick=False):
        serious = record(
            world.store_x,
            world.people["supervisor_a"],
            categories["DELIVERY"],
            severity=Severity.SERIOUS,
            serious_kind=SeriousKind.SAFETY,
            customer_name="Mrs Wong",
        )
        services.forward(y, actor=world.people["dealer_y"])
    db.session.commit()

    def listed(query: str) -> set[str]:
        with time_machine.travel(MONDAY_0900 + timedelta(hours=3), tick=False):
            response = signed("admin").get(f"/complaints/?{query}")
        assert response.status_code == 200
        return set(references(response))

    everything = {x.reference, y.reference, serious.reference}
    assert listed("status=received") == {x.reference, serious.reference}
    assert listed("status=forwarded") == {y.reference}
    assert listed("overdue=forward") == {x.reference, serious.reference}
    assert listed("overdue=resolve") == set()
    assert listed("overdue=any") == {x.reference, serious.reference}
    assert listed("severity=serious") == {serious.reference}
    assert listed(f"category={categories['SERVICE'].id}") == {y.reference}
    assert listed(f"store={world.store_y.id}") == {y.reference}
    assert listed(f"dealer={world.dealer_x.id}") == {x.reference, serious.reference}
    assert listed("period=2099-11") == everything
    assert listed("period=2099-10") == set()
    assert listed("q=wong") == {serious.reference}
    assert listed(f"q={y.reference}") == {y.reference}
    assert listed("status=nonsense&category=abc&period=99") == everything
    with time_machine.travel(MONDAY_0900 + timedelta(hours=3), tick=False):
        sorted_by_store = signed("admin").get("/complaints/?sort=-store")
    assert references(sorted_by_store)[0] == y.reference


def test_month_filter_counts_the_regions_local_month(world, categories, signed):
    first_of_december = datetime(2099, 12, 1, 1, 0, tzinfo=SHANGHAI)  # 30 Nov 17:00 UTC
    with time_machine.travel(first_of_december + timedelta(hours=1), tick=False):
        complaint = record(
            world.store_x,
            world.people["dealer_x"],
            categories["QUALITY"],
            received_at=first_of_december,
        )
        db.session.commit()
        december = signed("admin").get("/complaints/?period=2099-12")
        november = signed("admin").get("/complaints/?period=2099-11")
    assert references(december) == [complaint.reference]
    assert references(november) == []


# Recording a complaint


def new_form(world, categories, **changes):
    values = {
        "store_id": world.store_x.id,
        "category_id": categories["QUALITY"].id,
        "product_line_id": 0,
        "channel": "phone",
        "severity": "normal",
        "serious_kind": "",
        "customer_name": "Li Lei",
        "customer_phone": "138 0000 0000",
        "customer_email": "li.lei@example.com",
        "received_at": "",
        "description": "The kettle leaks at the base.",
        "client_key": str(uuid.uuid4()),
    }
    values.update(changes)
    return values


def test_new_complaint_form_preselects_a_dealers_only_store(world, categories, signed):
    page = signed("dealer_x").get("/complaints/new").get_data(as_text=True)
    chosen = world.store_x.id
    assert re.search(rf'<option selected value="{chosen}">|<option value="{chosen}" selected', page)
    assert "Store Yankee" not in page
    assert re.search(r'name="client_key"[^>]*value="[0-9a-f]{32}"', page) or re.search(
        r'value="[0-9a-f]{32}"[^>]*name="client_key"', page
    )


def test_record_a_complaint_with_photos(world, categories, signed):
    with time_machine.travel(MONDAY_0900 + timedelta(hours=2), tick=False):
        response = signed("dealer_x").post(
            "/complaints/new",
            data={
                **new_form(
                    world,
                    categories,
                    received_at="2099-11-16T10:15",
                    product_line_id=world.line.id,
                ),
                "photos": [(io.BytesIO(jpeg()), "leak.jpg"), (io.BytesIO(jpeg()), "base.jpg")],
            },
        )
    complaint = db.session.scalars(select(Complaint)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/complaints/{complaint.id}")
    assert complaint.received_at == datetime(2099, 11, 16, 2, 15, tzinfo=UTC)
    assert complaint.customer_email == "li.lei@example.com"
    assert complaint.product_line_id == world.line.id
    assert complaint.created_by_id == world.people["dealer_x"].id
    photos = db.session.scalars(select(Attachment).where(Attachment.owner_type == "complaint"))
    photos = list(photos)
    assert [(p.owner_id, p.dealer_id) for p in photos] == [(complaint.id, world.dealer_x.id)] * 2
    page = signed("dealer_x").get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "Li Lei" in page
    assert "li.lei@example.com" in page
    assert "2099-11-16 10:15" in page
    for photo in photos:
        assert f"/attachments/{photo.id}" in page
        assert signed("dealer_x").get(f"/attachments/{photo.id}").status_code == 200


def test_serious_without_a_kind_shows_the_error_on_the_field(world, categories, signed):
    response = signed("dealer_x").post(
        "/complaints/new", data=new_form(world, categories, severity="serious")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="serious_kind-error-1">Say why the complaint is serious.<', page)
    assert count(Complaint) == 0


BAD_INPUT = [
    ({"customer_email": "not-an-address"}, "customer_email", "Invalid email address."),
    ({"received_at": "2099-12-25T10:00"}, "received_at", "cannot be received in the future"),
    ({"received_at": "2099-09-01T10:00"}, "received_at", "within 30 days"),
    ({"description": "  "}, "description", "Describe what the customer complained of."),
]


def test_bad_input_is_shown_beside_its_field(world, categories, signed):
    for changes, field, message in BAD_INPUT:
        with time_machine.travel(MONDAY_0900, tick=False):
            dealer = signed("dealer_x")
            response = dealer.post("/complaints/new", data=new_form(world, categories, **changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        error = re.search(rf'id="{field}-error-1">([^<]*)<', page)
        assert error, changes
        assert message in error.group(1), changes
        assert count(Complaint) == 0, changes


def test_a_bad_photo_saves_nothing(world, categories, signed, decoding_watched):
    response = signed("dealer_x").post(
        "/complaints/new",
        data={
            **new_form(world, categories),
            "photos": [
                (io.BytesIO(jpeg()), "good.jpg"),
                (io.BytesIO(b"<html>not a photo</html>"), "bad.jpg"),
            ],
        },
    )
    assert response.status_code == 422
    assert "bad.jpg" in response.get_data(as_text=True)
    assert (count(Complaint), count(Attachment), count(ActivityEntry)) == (0, 0, 0)
    assert decoding_watched
    assert not any(decoding_watched)


def test_too_many_photos_are_refused(world, categories, signed):
    photos = [(io.BytesIO(jpeg(8, 8, exif=False)), f"p{n}.jpg") for n in range(6)]
    response = signed("dealer_x").post(
        "/complaints/new", data={**new_form(world, categories), "photos": photos}
    )
    assert response.status_code == 422
    assert count(Complaint) == 0
    assert count(Attachment) == 0


def test_the_same_form_sent_twice_records_one_complaint(world, categories, signed):
    form = new_form(world, categories)
    first = signed("dealer_x").post("/complaints/new", data=form)
    again = signed("dealer_x").post("/complaints/new", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert count(Complaint) == 1


# A complaint's page and its steps


def step(client, complaint: Complaint, action: str, **data):
    return client.post(
        f"/complaints/{complaint.id}/{action}", data={"version": complaint.version, **data}
    )


def test_each_step_from_received_to_reopened(world, two, signed):
    x, _y = two
    dealer, supervisor = signed("dealer_x"), signed("supervisor_a")
    page = dealer.get(f"/complaints/{x.id}").get_data(as_text=True)
    assert 'data-step="forward"' in page
    assert f'id="forward-version" name="version" type="hidden" value="{x.version}"' in page
    assert 'data-step="close"' not in page

    assert step(dealer, x, "forward", comment="Sent to after-sales").status_code == 302
    assert x.status == ComplaintStatus.FORWARDED
    assert step(dealer, x, "start").status_code == 302
    assert x.status == ComplaintStatus.IN_PROGRESS

    refused = step(dealer, x, "resolve", remedy="repair", cost="1,250.5", comment="")
    assert refused.status_code == 422
    assert "Say how the complaint was resolved." in refused.get_data(as_text=True)
    assert (
        step(dealer, x, "resolve", remedy="repair", cost="-3", comment="Fixed").status_code == 422
    )
    resolved = step(
        dealer, x, "resolve", remedy="repair", cost="1,250.5", satisfaction="4", comment="Fixed"
    )
    assert resolved.status_code == 302
    assert (x.status, x.remedy, x.cost_minor, x.satisfaction) == (
        ComplaintStatus.RESOLVED,
        Remedy.REPAIR,
        125050,
        4,
    )
    page = dealer.get(f"/complaints/{x.id}").get_data(as_text=True)
    assert "1,250.50" in page
    assert "4 of 5" in page

    assert step(dealer, x, "close").status_code == 403  # closing is for staff
    assert step(supervisor, x, "close", satisfaction="5").status_code == 302
    assert (x.status, x.satisfaction) == (ComplaintStatus.CLOSED, 5)

    assert step(dealer, x, "reopen", reason=" ").status_code == 422
    assert step(dealer, x, "reopen", reason="Leaks again").status_code == 302
    assert (x.status, x.cycle) == (ComplaintStatus.REOPENED, 1)
    page = supervisor.get(f"/complaints/{x.id}").get_data(as_text=True)
    assert 'data-testid="repeat"' in page
    timeline = page.split('data-testid="timeline"')[1].split("</ol>")[0]
    for label in ("Received", "Forwarded to after-sales", "Handling started", "Resolved"):
        assert label in timeline
    assert "Leaks again" in timeline
    assert "Dan Xray" in timeline
    assert "Sue Alpha" in timeline


def test_a_stale_step_is_refused_and_nothing_saved(world, two, signed):
    x, _y = two
    opened = x.version
    assert step(signed("supervisor_a"), x, "forward").status_code == 302
    late = signed("dealer_x").post(
        f"/complaints/{x.id}/start", data={"version": opened, "comment": "On it"}
    )
    assert late.status_code == 409
    assert "changed since you opened it" in late.get_data(as_text=True)
    assert x.status == ComplaintStatus.FORWARDED
    missing = signed("dealer_x").post(f"/complaints/{x.id}/start", data={"comment": "On it"})
    assert missing.status_code == 409
    assert x.status == ComplaintStatus.FORWARDED


def test_a_step_the_status_does_not_allow_is_refused(world, two, signed):
    x, _y = two
    response = step(signed("dealer_x"), x, "resolve", remedy="apology", comment="Sorry")
    assert response.status_code == 422
    assert "Only a complaint in progress can be resolved." in response.get_data(as_text=True)
    assert x.status == ComplaintStatus.RECEIVED


def test_the_page_shows_targets_and_escalations(world, two, signed):
    from portal.complaints import escalation

    x, _y = two
    with time_machine.travel(MONDAY_0900 + timedelta(hours=3), tick=False):
        escalation.run_due()
        db.session.commit()
        page = signed("supervisor_a").get(f"/complaints/{x.id}").get_data(as_text=True)
    targets = page.split('data-testid="targets"')[1].split("</table>")[0]
    assert re.search(r'data-target="forward">.*2099-11-16 11:00.*data-state="late"', targets, re.S)
    assert re.search(r'data-state="running">Running · [0-9]+ % used', targets.replace("\xa0", " "))
    alerts = page.split('data-testid="alerts"')[1].split("</ul>")[0]
    assert "Reminder to the handler" in alerts
    assert "Escalated to the supervisors" in alerts
