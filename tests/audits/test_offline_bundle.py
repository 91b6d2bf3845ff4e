"""What "Make available offline" downloads: the auditor's audits due soon, each as a bundle
(scoped like the audit), the conduct page's offline copy; the manifest and service worker."""

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import AuditStatus
from tests.conftest import client_for
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.factories import PASSWORD

JSON = {"Accept": "application/json"}


@pytest.fixture
def supervisor(app, world):
    return client_for(app, world.supervisor.email, PASSWORD)


def test_the_list_holds_my_open_audits_due_within_the_window(supervisor, world):
    today = clock.today()
    soon = make_audit(world.store, world.standard, world.supervisor, scheduled_for=today)
    edge = make_audit(
        world.store, world.standard, world.supervisor, scheduled_for=today + timedelta(days=14)
    )
    later = make_audit(
        world.store, world.standard, world.supervisor, scheduled_for=today + timedelta(days=15)
    )
    done = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version),
        complete=True,
    )
    someone_elses = make_audit(world.store, world.standard, world.admin, scheduled_for=today)
    db.session.commit()

    body = supervisor.get("/audits/offline/").get_json()

    ids = [audit["id"] for audit in body["audits"]]
    assert ids == [soon.id, edge.id]
    assert later.id not in ids
    assert done.id not in ids
    assert someone_elses.id not in ids
    assert body["audits"][0]["bundle"] == f"/audits/{soon.id}/offline.json"
    assert body["pages"] == ["/audits/"]


def test_a_bundle_holds_items_guidance_versions_and_previous_findings(supervisor, world):
    version = make_standard(
        items=[
            {"code": "A-01", "question": "Entrance clean", "guidance": "Look at the mat"},
            {"code": "A-02", "question": "Exit clear", "critical": True},
        ]
    )
    make_audit(
        world.store,
        version.standard,
        world.supervisor,
        answers={"A-01": "fail", "A-02": "pass"},
        notes={"A-01": "Mat torn"},
        photos=["A-01"],
        complete=True,
    )
    audit = make_audit(world.store, version.standard, world.supervisor)
    db.session.commit()

    body = supervisor.get(f"/audits/{audit.id}/offline.json").get_json()

    assert body["status"] == "scheduled"
    assert body["standard_version"] == version.id
    first, second = body["items"]
    assert (first["code"], first["label"], first["guidance"]) == (
        "A-01",
        "Entrance clean",
        "Look at the mat",
    )
    assert first["previous"] == {"result": "fail", "note": "Mat torn"}
    assert (first["result"], first["version"]) == (None, 1)
    assert second["critical"] is True
    assert first["answer_url"] == f"/audits/{audit.id}/items/{first['id']}"
    assert body["urls"]["start"] == f"/audits/{audit.id}/start"
    db.session.expire_all()
    assert audit.status == AuditStatus.SCHEDULED  # downloading starts nothing


def test_a_started_audit_bundle_carries_its_answers_and_photos(supervisor, world):
    audit = make_audit(
        world.store, world.standard, world.supervisor, answers={"A-01": "pass"}, photos=["A-01"]
    )
    db.session.commit()

    body = supervisor.get(f"/audits/{audit.id}/offline.json").get_json()

    first = next(item for item in body["items"] if item["code"] == "A-01")
    assert (first["result"], first["version"]) == ("pass", 2)
    assert len(first["photos"]) == 1


def test_a_bundle_outside_the_supervisors_regions_is_not_found(app, world):
    far_audit = make_audit(world.far_store, world.standard, world.far_supervisor)
    db.session.commit()
    supervisor = client_for(app, world.supervisor.email, PASSWORD)

    assert supervisor.get(f"/audits/{far_audit.id}/offline.json", headers=JSON).status_code == 404
    assert supervisor.get(f"/audits/{far_audit.id + 1000}/offline.json").status_code == 404


def test_dealers_get_no_bundle(app, world):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()
    dealer = client_for(app, world.dealer_user.email, PASSWORD)

    assert dealer.get(f"/audits/{audit.id}/offline.json").status_code == 403
    assert dealer.get("/audits/offline/").status_code == 403


def test_the_offline_copy_of_a_scheduled_audit_shows_its_items_without_starting_it(
    supervisor, world
):
    audit = make_audit(world.store, world.standard, world.supervisor)
    db.session.commit()

    response = supervisor.get(f"/audits/{audit.id}/conduct/offline-copy")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-status="scheduled"' in page
    assert 'data-testid="answer-A-01"' in page
    assert 'data-testid="answer-B-02"' in page
    assert 'name="version" value="1"' in page
    db.session.expire_all()
    assert audit.status == AuditStatus.SCHEDULED


def test_the_manifest_and_service_worker_are_public_and_installable(client):
    manifest = client.get("/manifest.webmanifest")
    worker = client.get("/sw.js")

    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json()
    assert body["display"] == "standalone"
    assert body["start_url"] == "/home"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("fetch"' in worker.data


def test_the_content_security_policy_allows_the_worker_and_manifest_from_the_portal(client):
    policy = client.get("/sign-in").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy
