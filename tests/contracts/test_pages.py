"""Contracts and documents pages: a dealer uploads a document and sees only its own; staff
review it (a rejection needs a reason, a stale review gets a conflict); a renewal is
proposed, approved and signed over HTTP; homes, the overview and the dealer file show what
expires; admins configure the document kinds."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from portal import clock
from portal.contracts import services
from portal.dossiers import services as dossiers
from portal.extensions import db
from portal.models import (
    Attachment,
    Contract,
    ContractStatus,
    DealerKind,
    DocumentKind,
    DocumentStatus,
    QualificationDocument,
)
from tests.contracts.conftest import LONG_SESSIONS, contract, document
from tests.support.clients import signed_in_client
from tests.support.uploads import pdf
from tests.support.world import dealer_form


@pytest.fixture
def app_config() -> dict:
    return LONG_SESSIONS


def _text(response) -> str:
    return response.get_data(as_text=True)


def _upload_form(kind_id: int, **changes) -> dict:
    today = clock.today()
    form = {
        "kind_id": str(kind_id),
        "number": "BL-2027",
        "issued_on": (today - timedelta(days=3)).isoformat(),
        "expires_on": (today + timedelta(days=3 * 365)).isoformat(),
        "file": (io.BytesIO(pdf()), "licence.pdf"),
    }
    form.update(changes)
    return form


def test_a_dealer_uploads_a_document_and_its_supervisor_sees_it_waiting(world, kinds, signed):
    response = signed("dealer_x").post(
        f"/contracts/dealers/{world.dealer_x.id}/documents/new",
        data=_upload_form(kinds["BIZ"].id),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    found = db.session.scalar(select(QualificationDocument))
    assert (found.dealer_id, found.status, found.number) == (
        world.dealer_x.id,
        DocumentStatus.SUBMITTED,
        "BL-2027",
    )
    assert found.file is not None
    assert found.file.content_type == "application/pdf"
    overview = _text(signed("supervisor_a").get("/contracts/"))
    assert f'data-document="{found.id}"' in overview
    assert f'data-document="{found.id}"' not in _text(signed("supervisor_b").get("/contracts/"))
    assert signed("supervisor_b").get(f"/contracts/documents/{found.id}").status_code == 404
    assert signed("dealer_y").get(f"/contracts/documents/{found.id}").status_code == 404
    assert signed("dealer_y").get(f"/attachments/{found.file_id}").status_code == 404
    assert signed("dealer_x").get(f"/attachments/{found.file_id}").status_code == 200


def test_the_same_upload_sent_twice_submits_one_document(world, kinds, signed):
    url = f"/contracts/dealers/{world.dealer_x.id}/documents/new"
    page = _text(signed("dealer_x").get(url))
    key = re.search(r'name="client_key" type="hidden" value="([0-9a-f]{32})"', page)
    assert key is not None
    sent = []
    for _ in range(2):
        form = _upload_form(kinds["BIZ"].id, client_key=key.group(1))
        sent.append(signed("dealer_x").post(url, data=form, content_type="multipart/form-data"))

    documents = db.session.scalars(select(QualificationDocument)).all()
    assert len(documents) == 1
    assert [response.status_code for response in sent] == [302, 302]
    assert sent[1].location.endswith(f"/contracts/documents/{documents[0].id}")
    files = select(func.count()).select_from(Attachment)
    assert db.session.scalar(files.where(Attachment.owner_type == "qualification_document")) == 1


def test_an_upload_without_a_file_or_with_a_bad_one_saves_nothing(world, kinds, signed):
    url = f"/contracts/dealers/{world.dealer_x.id}/documents/new"
    no_file = _upload_form(kinds["BIZ"].id)
    no_file.pop("file")
    assert signed("dealer_x").post(url, data=no_file).status_code == 422
    bad = _upload_form(kinds["BIZ"].id, file=(io.BytesIO(b"MZ\x90\x00"), "licence.pdf"))
    response = signed("dealer_x").post(url, data=bad, content_type="multipart/form-data")
    assert response.status_code == 422
    late = _upload_form(kinds["BIZ"].id, expires_on="")
    response = signed("dealer_x").post(url, data=late, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Give the expiry date of this document." in _text(response)
    assert db.session.scalar(select(QualificationDocument)) is None


def test_a_rejection_needs_a_reason_and_the_dealer_reads_it(world, kinds, signed):
    submitted = document(world.dealer_x, kinds["BIZ"], world.people["dealer_x"])
    db.session.commit()
    url = f"/contracts/documents/{submitted.id}/review"
    form = {"decision": "reject", "reason": "", "version": submitted.version}
    assert signed("supervisor_a").post(url, data=form).status_code == 422
    db.session.refresh(submitted)
    assert submitted.status == DocumentStatus.SUBMITTED
    form["reason"] = "The stamp is unreadable"
    assert signed("supervisor_a").post(url, data=form).status_code == 302
    page = _text(signed("dealer_x").get(f"/contracts/dealers/{world.dealer_x.id}"))
    assert "The stamp is unreadable" in page


def test_a_dealer_cannot_review_its_own_document(world, kinds, signed):
    submitted = document(world.dealer_x, kinds["BIZ"], world.people["dealer_x"])
    db.session.commit()
    form = {"decision": "accept", "version": submitted.version}
    response = signed("dealer_x").post(f"/contracts/documents/{submitted.id}/review", data=form)
    assert response.status_code == 403
    db.session.refresh(submitted)
    assert submitted.status == DocumentStatus.SUBMITTED


def test_two_reviewers_at_once_the_second_gets_a_conflict(world, kinds, signed):
    submitted = document(world.dealer_x, kinds["BIZ"], world.people["dealer_x"])
    db.session.commit()
    url = f"/contracts/documents/{submitted.id}/review"
    seen = submitted.version
    first = signed("admin").post(url, data={"decision": "accept", "version": seen})
    second = signed("supervisor_a").post(
        url, data={"decision": "reject", "reason": "No", "version": seen}
    )
    assert first.status_code == 302
    assert second.status_code == 409
    db.session.refresh(submitted)
    assert (submitted.status, submitted.reason) == (DocumentStatus.ACCEPTED, "")


def test_a_renewal_proposed_approved_and_signed_over_http(world, signed):
    old = contract(world.dealer_x, world.people["admin"], ends_in=25)
    db.session.commit()
    start = old.ends_on + timedelta(days=1)
    form = {
        "number": "C-2",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=3 * 365)).isoformat(),
        "terms": "Three more years.",
    }
    assert signed("supervisor_b").post(f"/contracts/{old.id}/renew", data=form).status_code == 404
    assert signed("dealer_x").post(f"/contracts/{old.id}/renew", data=form).status_code == 403
    assert signed("supervisor_a").post(f"/contracts/{old.id}/renew", data=form).status_code == 302
    renewal = db.session.scalar(select(Contract).where(Contract.number == "C-2"))
    assert renewal.status == ContractStatus.PROPOSED
    decide = {"decision": "approve", "version": renewal.version}
    assert (
        signed("supervisor_a").post(f"/contracts/{renewal.id}/decide", data=decide).status_code
        == 403
    )
    assert signed("admin").post(f"/contracts/{renewal.id}/decide", data=decide).status_code == 302
    db.session.refresh(renewal)
    assert renewal.status == ContractStatus.APPROVED
    sign = {"version": renewal.version, "document": (io.BytesIO(pdf()), "signed.pdf")}
    response = signed("supervisor_a").post(
        f"/contracts/{renewal.id}/sign", data=sign, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert renewal.status == ContractStatus.ACTIVE
    assert old.status == ContractStatus.SUPERSEDED
    assert world.dealer_x.contract_end == renewal.ends_on
    page = _text(signed("dealer_x").get(f"/contracts/{renewal.id}"))
    assert 'data-testid="contract-history"' in page
    assert old.number in page


def test_homes_show_what_expires_in_scope(world, kinds, signed):
    contract(world.dealer_x, world.people["admin"], ends_in=6)
    submitted = document(
        world.dealer_x,
        kinds["ALC"],
        world.people["dealer_x"],
        expires_on=clock.today() + timedelta(days=20),
    )
    services.review_document(
        submitted, accept=True, reason="", version=submitted.version, actor=world.people["admin"]
    )
    db.session.commit()
    dealer_home = _text(signed("dealer_x").get("/home"))
    assert 'data-testid="dealer-contract-card"' in dealer_home
    assert 'data-stage="d7"' in dealer_home  # the contract
    assert 'data-missing="BIZ"' in dealer_home  # required, never uploaded
    assert 'data-stage="d30"' in dealer_home  # the alcohol licence
    supervisor_home = _text(signed("supervisor_a").get("/home"))
    assert 'data-testid="document-alerts"' in supervisor_home
    assert 'data-testid="document-alerts"' not in _text(signed("supervisor_b").get("/home"))
    other = _text(signed("dealer_y").get("/home"))
    assert 'data-missing="BIZ"' in other  # its own missing licence
    assert 'data-stage="d7"' not in other  # nothing of dealer X
    assert 'data-stage="d30"' not in other


def test_the_dealer_file_has_a_contracts_and_documents_section(app, world, kinds):
    contract(world.dealer_x, world.people["admin"], number="C-FILE", ends_in=-2)
    document(world.dealer_x, kinds["ALC"], world.people["dealer_x"], number="ALC-FILE")
    db.session.commit()
    with app.test_request_context():
        context = dossiers.dossier(world.dealer_x).as_context()
        html = render_template("pdf/_contracts.html", **context)
    assert "C-FILE" in html
    assert "ALC-FILE" in html
    assert "Expired" in html  # the contract ended two days ago
    assert "Missing" in html  # the required business licence


def test_admins_configure_which_documents_dealers_need(world, signed):
    form = {
        "code": "food",
        "name": "Food licence",
        "name_zh": "食品经营许可证",
        "expires": "y",
        "active": "y",
        "required_for": [DealerKind.FRANCHISEE.value, DealerKind.DEALER.value],
    }
    assert signed("supervisor_a").post("/contracts/kinds/new", data=form).status_code == 403
    assert signed("admin").post("/contracts/kinds/new", data=form).status_code == 302
    kind = db.session.scalar(select(DocumentKind))
    assert kind.code == "FOOD"
    assert kind.required_for == {DealerKind.FRANCHISEE, DealerKind.DEALER}
    edit = {**form, "required_for": [DealerKind.DEALER.value], "version": kind.version}
    assert signed("admin").post(f"/contracts/kinds/{kind.id}", data=edit).status_code == 302
    stale = {**edit, "name": "Other"}
    assert signed("admin").post(f"/contracts/kinds/{kind.id}", data=stale).status_code == 409
    db.session.refresh(kind)
    assert (kind.required_for, kind.name) == ({DealerKind.DEALER}, "Food licence")


def test_the_dealer_form_cannot_move_the_dates_of_a_contract_in_force(app, world):
    """The dates on the dealer record are a copy of its contract in force: the admin's form
    refuses a change on the field (nothing saved) and saves the rest when they are left be."""
    admin = world.people["admin"]
    in_force = contract(world.dealer_x, admin, ends_in=200)
    db.session.commit()
    client = signed_in_client(app, admin)
    later = (in_force.ends_on + timedelta(days=365)).isoformat()

    refused = client.post(
        f"/dealers/{world.dealer_x.id}/edit",
        data=dealer_form(world.dealer_x, name="Renamed", contract_end=later),
    )

    assert refused.status_code == 200
    assert "The contract in force sets this date." in _text(refused)
    db.session.refresh(world.dealer_x)
    assert world.dealer_x.contract_end == in_force.ends_on
    assert world.dealer_x.name != "Renamed"  # nothing half-saved

    saved = client.post(
        f"/dealers/{world.dealer_x.id}/edit", data=dealer_form(world.dealer_x, name="Renamed")
    )

    assert saved.status_code == 302
    db.session.refresh(world.dealer_x)
    assert (world.dealer_x.name, world.dealer_x.contract_end) == ("Renamed", in_force.ends_on)


def test_a_dealer_without_a_contract_keeps_dates_the_form_sets(app, world):
    """Dealers recorded before contracts were keep the registry's own dates."""
    client = signed_in_client(app, world.people["admin"])
    end = clock.today() + timedelta(days=700)

    saved = client.post(
        f"/dealers/{world.dealer_y.id}/edit",
        data=dealer_form(world.dealer_y, contract_end=end.isoformat()),
    )

    assert saved.status_code == 302
    db.session.refresh(world.dealer_y)
    assert world.dealer_y.contract_end == end
