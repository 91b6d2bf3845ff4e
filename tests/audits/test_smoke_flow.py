"""End-to-end over HTTP: schedule, start, answer, complete, respond, verify."""

from datetime import timedelta

from sqlalchemy import select

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import ActionStatus, Audit, AuditStatus, CorrectiveAction
from tests.conftest import client_for
from tests.support.audit_factories import photo_upload
from tests.support.factories import PASSWORD

# A day well after the test clock's today (tests/support/clock.py).
LATER = (portal_clock.today() + timedelta(days=60)).isoformat()


def test_supervisor_runs_an_audit_and_dealer_closes_the_loop(app, world):
    supervisor = client_for(app, world.supervisor.email, PASSWORD)
    response = supervisor.get("/audits/schedule")
    assert response.status_code == 200
    response = supervisor.post(
        "/audits/schedule",
        data={
            "store_id": world.store.id,
            "standard_id": world.standard.id,
            "scheduled_for": LATER,
            "announced": "y",
            "token": "a" * 32,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    audit = db.session.scalars(select(Audit)).one()
    assert supervisor.get(f"/audits/{audit.id}").status_code == 200
    assert supervisor.get("/audits/").status_code == 200
    assert supervisor.post(f"/audits/{audit.id}/start").status_code == 302
    page = supervisor.get(f"/audits/{audit.id}/conduct")
    assert page.status_code == 200, page.get_data(as_text=True)
    for answer in audit.answers:
        result = "fail" if answer.item.code in ("A-02", "B-01") else "pass"
        data = {"result": result, "note": f"note {answer.item.code}"}
        if answer.item.code == "B-01":
            data["photos"] = [photo_upload()]
        response = supervisor.post(
            f"/audits/{audit.id}/items/{answer.item_id}",
            data=data,
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    response = supervisor.post(f"/audits/{audit.id}/complete", data={"summary": "ok"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert audit.status == AuditStatus.COMPLETED
    assert audit.passed is False
    assert supervisor.get(f"/audits/{audit.id}").status_code == 200
    pdf = supervisor.get(f"/audits/{audit.id}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    assert supervisor.get(f"/audits/stores/{world.store.id}").status_code == 200
    assert supervisor.get("/audits/findings").status_code == 200

    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    assert dealer.get("/actions/").status_code == 200
    action = db.session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.critical.is_(True))
    ).one()
    assert dealer.get(f"/actions/{action.id}").status_code == 200
    response = dealer.post(
        f"/actions/{action.id}/respond",
        data={"comment": "Cleared", "photos": [photo_upload()], "token": "b" * 32},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert dealer.post(f"/audits/{audit.id}/acknowledge", data={"comment": "ok"}).status_code == 302
    assert supervisor.post(f"/actions/{action.id}/verify", data={}).status_code == 302
    assert action.status == ActionStatus.VERIFIED
