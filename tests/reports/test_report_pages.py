"""Store reports over HTTP: writing one with a photo, bad input, conflicts, resent forms."""

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, ReportStatus, StoreReport
from tests.support import uploads
from tests.support.plans import make_report, this_month

LAST = this_month(-1)


def _form(world, store=None, period=LAST, **extra):
    ftw, app_line = world.lines
    data = {
        "store_id": (store or world.stores_x[0]).id,
        "period": period,
        f"revenue_{ftw.id}": "12,000.50",
        f"units_{ftw.id}": "30",
        f"revenue_{app_line.id}": "",
        f"units_{app_line.id}": "",
        "footfall": "4,200",
        "closing_stock": "88000",
        "staff_count": "6",
        "issues": "Lift broken",
        "customer_feedback": "Want more colours",
        "competitors-0-competitor": "Anta",
        "competitors-0-kind": "promotion",
        "competitors-0-observation": "Buy two get one",
        "competitors-1-competitor": "",
        "competitors-1-kind": "",
        "competitors-1-observation": "",
    }
    data.update(extra)
    return data


def _reports():
    return db.session.scalars(select(StoreReport)).all()


def test_dealer_writes_and_submits_a_report_with_a_photo(client, auth, world):
    auth.sign_in(world.user_x)
    data = _form(world, action="submit")
    data["files"] = [(io.BytesIO(uploads.jpeg()), "shopfront.jpg")]
    response = client.post("/reports/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    (report,) = _reports()
    assert report.status == ReportStatus.SUBMITTED
    assert report.footfall == 4200
    assert report.closing_stock_minor == 8_800_000
    assert [(x.revenue_minor, x.units) for x in report.lines] == [(1_200_050, 30)]
    assert [(c.competitor, c.kind.value) for c in report.competitor_activities] == [
        ("Anta", "promotion")
    ]
    (photo,) = db.session.scalars(select(Attachment)).all()
    assert (photo.owner_type, photo.owner_id, photo.dealer_id) == (
        "store_report",
        report.id,
        world.dealer_x.id,
    )
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert f"/attachments/{photo.id}" in page
    assert "Buy two get one" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("footfall", "-4", "cannot be negative"),
        ("closing_stock", "12.345", "at most 2 decimals"),
        ("staff_count", "many", "whole number"),
        ("revenue_LINE", "1e9", "Enter an amount"),
        ("revenue_LINE", "5000000000", "Enter at most"),
    ],
)
def test_invalid_figures_get_a_clear_error_and_save_nothing(
    client, auth, world, field, value, message
):
    auth.sign_in(world.user_x)
    field = field.replace("LINE", str(world.lines[0].id))
    response = client.post("/reports/new", data=_form(world, **{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _reports() == []


def test_a_competitor_row_without_a_name_is_an_error(client, auth, world):
    auth.sign_in(world.user_x)
    response = client.post("/reports/new", data=_form(world, **{"competitors-0-competitor": ""}))
    assert response.status_code == 422
    assert "Name the competitor" in response.get_data(as_text=True)
    assert _reports() == []


def test_a_store_of_another_dealer_is_refused(client, auth, world):
    auth.sign_in(world.user_x)
    response = client.post("/reports/new", data=_form(world, store=world.stores_y[0]))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert _reports() == []


@pytest.mark.parametrize("period", [this_month(1), "1999-01", "2026-1"])
def test_months_outside_the_window_are_refused(client, auth, world, period):
    auth.sign_in(world.user_x)
    response = client.post("/reports/new", data=_form(world, period=period))
    assert response.status_code == 422
    assert _reports() == []


def test_the_same_report_posted_twice_makes_one_report(client, auth, world):
    auth.sign_in(world.user_x)
    assert client.post("/reports/new", data=_form(world)).status_code == 302
    assert client.post("/reports/new", data=_form(world)).status_code == 302
    assert len(_reports()) == 1


def test_posted_dealer_status_and_store_are_ignored_on_edit(client, auth, world):
    report = make_report(world.stores_x[0], LAST)
    db.session.commit()
    auth.sign_in(world.user_x)
    data = _form(
        world,
        version=report.version,
        dealer_id=world.dealer_y.id,
        status="reviewed",
        store_id=world.stores_y[0].id,
        period=this_month(-5),
    )
    assert client.post(f"/reports/{report.id}/edit", data=data).status_code == 302
    db.session.refresh(report)
    assert (report.dealer_id, report.store_id, report.period) == (
        world.dealer_x.id,
        world.stores_x[0].id,
        LAST,
    )
    assert report.status == ReportStatus.DRAFT


def test_a_stale_edit_shows_a_conflict_and_keeps_the_current_report(client, auth, world):
    report = make_report(world.stores_x[0], LAST, footfall=100)
    db.session.commit()
    stale = report.version
    report.footfall = 222
    db.session.commit()
    auth.sign_in(world.user_x)
    response = client.post(f"/reports/{report.id}/edit", data=_form(world, version=stale))
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in body
    assert "4200" in body.replace(",", "")
    db.session.refresh(report)
    assert report.footfall == 222


def test_a_submitted_report_is_locked_for_the_dealer(client, auth, world):
    report = make_report(world.stores_x[0], LAST, status=ReportStatus.SUBMITTED, footfall=5)
    db.session.commit()
    auth.sign_in(world.user_x)
    assert client.get(f"/reports/{report.id}/edit").status_code == 302
    response = client.post(f"/reports/{report.id}/edit", data=_form(world, version=report.version))
    assert response.status_code == 409
    db.session.refresh(report)
    assert report.footfall == 5


def test_supervisor_returns_and_reviews_reports_of_the_region(client, auth, world):
    line = world.lines[0]
    report = make_report(world.stores_x[0], LAST, {line: (1, 1)}, status=ReportStatus.SUBMITTED)
    db.session.commit()
    auth.sign_in(world.supervisor_a)
    queue = client.get("/reports/review").get_data(as_text=True)
    assert f"/reports/{report.id}" in queue
    client.post(
        f"/reports/{report.id}/review",
        data={"decision": "return", "comment": "Recount stock", "version": report.version},
    )
    db.session.refresh(report)
    assert report.status == ReportStatus.RETURNED
    assert "Recount stock" in client.get(f"/reports/{report.id}").get_data(as_text=True)


def test_supervisor_of_another_region_cannot_review(client, auth, world):
    report = make_report(world.stores_x[0], LAST, status=ReportStatus.SUBMITTED)
    db.session.commit()
    auth.sign_in(world.supervisor_b)
    assert "/reports/" + str(report.id) not in client.get("/reports/review").get_data(as_text=True)
    response = client.post(
        f"/reports/{report.id}/review", data={"decision": "review", "version": report.version}
    )
    assert response.status_code == 404
    db.session.refresh(report)
    assert report.status == ReportStatus.SUBMITTED


def test_a_draft_reports_file_can_be_removed_but_not_a_submitted_ones(client, auth, world):
    auth.sign_in(world.user_x)
    data = _form(world)
    data["files"] = [(io.BytesIO(uploads.png()), "a.png")]
    client.post("/reports/new", data=data, content_type="multipart/form-data")
    (report,) = _reports()
    (attachment,) = db.session.scalars(select(Attachment)).all()
    client.post(f"/reports/{report.id}/attachments/{attachment.id}/remove")
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    data["files"] = [(io.BytesIO(uploads.png()), "b.png")]
    data["action"] = "submit"
    data["version"] = report.version
    client.post(f"/reports/{report.id}/edit", data=data, content_type="multipart/form-data")
    (attachment,) = db.session.scalars(select(Attachment)).all()
    response = client.post(f"/reports/{report.id}/attachments/{attachment.id}/remove")
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
