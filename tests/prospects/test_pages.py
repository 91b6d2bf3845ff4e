"""The prospect pages through HTTP: the whole pipeline as a supervisor and an admin would click
it, stale pages and double clicks, scope, blank markets, and the new dealer's page."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Attachment,
    Dealer,
    Prospect,
    ProspectAction,
    ProspectStatus,
    Store,
    StoreStatus,
)
from portal.prospects import screening
from tests.prospects.conftest import advance, new_prospect
from tests.support.clients import signed_in_client
from tests.support.queries import counting
from tests.support.uploads import pdf


def _step(client, prospect, action, comment=""):
    db.session.refresh(prospect)
    return client.post(
        f"/prospects/{prospect.id}/step",
        data={"action": action, "comment": comment, "version": prospect.version},
    )


def _screening_form(prospect, results):
    db.session.refresh(prospect)
    form = {"version": prospect.version}
    for answer in prospect.answers:
        form[f"result-{answer.item_id}"] = results[answer.item.code]
        form[f"note-{answer.item_id}"] = f"Seen {answer.item.code}"
    return form


def _proposal_form(prospect, world, **changes):
    db.session.refresh(prospect)
    form = {
        "version": prospect.version,
        "dealer_code": "pnew",
        "contract_start": "2100-01-01",
        "contract_end": "2105-01-01",
        "contract_terms": "Five years.",
        "note": "",
        "stores-0-name": "Harbour Flagship",
        "stores-0-city": "Dalian",
        "stores-0-address": "1 Harbour Road",
        "stores-0-format": "flagship",
        "stores-0-status": "open",
        "stores-0-opens_on": "2100-02-01",
        "stores-1-name": "Mall Counter",
        "stores-1-city": "Dalian",
        "stores-1-format": "counter",
        "stores-1-status": "planned",
        "stores-2-city": "Dalian",  # an empty row: skipped
        "stores-2-format": "standard",
        "stores-2-status": "planned",
        "targets-0-product_line_id": str(world.line.id),
        "targets-0-revenue": "1,250,000.00",
        "targets-0-units": "4,000",
    }
    form.update(changes)
    return form


def test_a_supervisor_and_an_admin_take_a_lead_to_a_signed_dealer(app, world, checklist):
    supervisor = signed_in_client(app, world.people["supervisor_a"])
    admin = signed_in_client(app, world.people["admin"])
    created = supervisor.post(
        "/prospects/new",
        data={
            "region_id": world.region_a.id,
            "name": "Harbour Sports Co",
            "kind": "dealer",
            "city": "Dalian",
            "contact_person": "Hu Gang",
            "client_key": "0123456789abcdef0123456789abcdef",
        },
    )
    assert created.status_code == 302
    prospect = db.session.scalar(select(Prospect).where(Prospect.name == "Harbour Sports Co"))

    assert _step(supervisor, prospect, "contact", "Called him.").status_code == 302
    assert _step(supervisor, prospect, "screen").status_code == 302
    page = supervisor.get(f"/prospects/{prospect.id}/screening")
    assert page.status_code == 200
    assert b"Capital" in page.data
    form = _screening_form(
        prospect, dict.fromkeys(("CAP", "CRD", "EXP", "TEAM", "PRM", "REP"), "pass")
    )
    capital = next(a for a in prospect.answers if a.item.code == "CAP")
    form[f"documents-{capital.item_id}"] = (io.BytesIO(pdf()), "bank-letter.pdf")
    saved = supervisor.post(
        f"/prospects/{prospect.id}/screening/save", data=form, content_type="multipart/form-data"
    )
    assert saved.status_code == 302
    assert _step(supervisor, prospect, "visit", "Good corner site.").status_code == 302
    assert supervisor.get(f"/prospects/{prospect.id}/proposal").status_code == 200
    proposal = supervisor.post(
        f"/prospects/{prospect.id}/proposal", data=_proposal_form(prospect, world)
    )
    assert proposal.status_code == 302
    assert _step(supervisor, prospect, "propose").status_code == 302
    db.session.refresh(prospect)
    assert b"Harbour Sports Co" in admin.get("/prospects/review").data
    approved = admin.post(
        f"/prospects/{prospect.id}/review",
        data={"decision": "approve", "version": prospect.version, "comment": "Go ahead."},
    )
    assert approved.status_code == 302
    signed = _step(supervisor, prospect, "sign", "Signed today.")

    db.session.refresh(prospect)
    assert prospect.status == ProspectStatus.SIGNED
    dealer = db.session.get(Dealer, prospect.dealer_id)
    assert signed.headers["Location"].endswith(f"/dealers/{dealer.id}")
    assert dealer.code == "PNEW"
    stores = db.session.scalars(
        select(Store).where(Store.dealer_id == dealer.id).order_by(Store.code)
    ).all()
    assert [(s.code, s.name, s.status) for s in stores] == [
        ("PNEW-01", "Harbour Flagship", StoreStatus.OPEN),
        ("PNEW-02", "Mall Counter", StoreStatus.PLANNED),
    ]
    dealer_page = supervisor.get(f"/dealers/{dealer.id}").get_data(as_text=True)
    assert 'data-testid="dealer-first-year-targets"' in dealer_page
    assert "1,250,000.00" in dealer_page
    assert f"/prospects/{prospect.id}" in dealer_page
    documents = db.session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.owner_type == "prospect_answer")
    )
    assert documents == 1
    detail = supervisor.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Good corner site." in detail
    assert "Signed today." in detail


def test_a_double_click_moves_the_prospect_one_step(app, world, checklist):
    prospect = new_prospect(world)
    client = signed_in_client(app, world.people["supervisor_a"])
    form = {"action": "contact", "comment": "", "version": prospect.version}

    first = client.post(f"/prospects/{prospect.id}/step", data=form)
    second = client.post(f"/prospects/{prospect.id}/step", data=form)

    assert (first.status_code, second.status_code) == (302, 302)
    db.session.refresh(prospect)
    assert prospect.status == ProspectStatus.CONTACTED
    assert [t.action for t in prospect.transitions] == [
        ProspectAction.CREATE,
        ProspectAction.CONTACT,
    ]


def test_a_stale_proposal_is_not_saved_over_a_newer_one(app, world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SITE_VISIT)
    client = signed_in_client(app, world.people["supervisor_a"])
    stale = _proposal_form(prospect, world, version=prospect.version - 1)

    response = client.post(f"/prospects/{prospect.id}/proposal", data=stale)

    assert response.status_code == 409
    db.session.refresh(prospect)
    assert prospect.dealer_code != "PNEW"


def test_the_step_refuses_an_unknown_action_and_the_wrong_step(app, world, checklist):
    prospect = new_prospect(world)
    client = signed_in_client(app, world.people["supervisor_a"])

    assert _step(client, prospect, "approve").status_code == 400
    assert _step(client, prospect, "teleport").status_code == 400
    wrong = _step(client, prospect, "propose")

    assert wrong.status_code == 302
    db.session.refresh(prospect)
    assert prospect.status == ProspectStatus.LEAD


def test_losing_without_a_reason_is_refused_with_a_message(app, world, checklist):
    prospect = new_prospect(world)
    client = signed_in_client(app, world.people["supervisor_a"])

    refused = client.post(
        f"/prospects/{prospect.id}/lose",
        data={"reason": "", "version": prospect.version},
        follow_redirects=True,
    )

    assert b"Say why the prospect is lost." in refused.data
    db.session.refresh(prospect)
    assert prospect.status == ProspectStatus.LEAD


def test_posted_status_region_and_dealer_change_nothing_on_edit(app, world, checklist):
    prospect = new_prospect(world)
    client = signed_in_client(app, world.people["supervisor_a"])
    form = {
        "name": "Renamed Papa",
        "kind": "dealer",
        "city": "Dalian",
        "version": prospect.version,
        "status": "approved",
        "region_id": world.region_b.id,
        "dealer_id": world.dealer_x.id,
        "screening_passed": "1",
    }

    assert client.post(f"/prospects/{prospect.id}/edit", data=form).status_code == 302

    db.session.refresh(prospect)
    assert prospect.name == "Renamed Papa"
    assert (prospect.status, prospect.region_id, prospect.dealer_id) == (
        ProspectStatus.LEAD,
        world.region_a.id,
        None,
    )
    assert prospect.screening_passed is None


def test_blank_markets_list_cities_without_an_active_store_and_their_prospects(
    app, world, checklist
):
    new_prospect(world, name="Dalian Hopeful", city="Dalian")
    new_prospect(world, name="Already Served", city=world.store_x.city.upper())
    client = signed_in_client(app, world.people["supervisor_a"])

    page = client.get("/prospects/markets").get_data(as_text=True)

    assert 'data-city="Dalian"' in page
    assert "Dalian Hopeful" in page
    assert "Already Served" not in page
    other = signed_in_client(app, world.people["supervisor_b"]).get("/prospects/markets")
    assert b"Dalian Hopeful" not in other.data


def test_the_pipeline_counts_each_stage_per_region(app, world, checklist):
    new_prospect(world, name="One")
    advance(world, new_prospect(world, name="Two"), ProspectStatus.CONTACTED)
    advance(world, new_prospect(world, name="Three"), ProspectStatus.CONTACTED)
    client = signed_in_client(app, world.people["admin"])

    page = client.get("/prospects/").get_data(as_text=True)

    row = page.split(f'data-region="{world.region_a.id}"')[1].split("</tr>")[0]
    assert 'status=lead">1</a>' in row
    assert 'status=contacted">2</a>' in row


def test_the_list_and_a_prospect_page_run_the_same_queries_with_more_data(app, world, checklist):
    client = signed_in_client(app, world.people["supervisor_a"])
    first = advance(world, new_prospect(world, name="First"), ProspectStatus.SITE_VISIT)

    def counts(prospect_id):
        with counting() as listed:
            assert client.get("/prospects/").status_code == 200
        with counting() as shown:
            assert client.get(f"/prospects/{prospect_id}").status_code == 200
        return len(listed), len(shown)

    before = counts(first.id)
    for number in range(4):
        more = new_prospect(world, name=f"More {number}")
        advance(world, more, ProspectStatus.SITE_VISIT, code=f"MORE{number}")
    assert counts(first.id) == before


def test_a_screening_document_downloads_only_within_scope(app, world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SCREENING)
    client = signed_in_client(app, world.people["supervisor_a"])
    form = {"version": prospect.version}
    answer = prospect.answers[0]
    form[f"documents-{answer.item_id}"] = (io.BytesIO(pdf()), "licence.pdf")
    assert (
        client.post(
            f"/prospects/{prospect.id}/screening/save",
            data=form,
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    attachment = screening.documents_of(prospect)[answer.id][0]

    assert client.get(f"/attachments/{attachment.id}").status_code == 200
    for outsider in ("supervisor_b", "dealer_x"):
        other = signed_in_client(app, world.people[outsider])
        assert other.get(f"/attachments/{attachment.id}").status_code == 404


def test_the_staff_home_counts_open_prospects_of_its_regions(app, world, checklist):
    advance(world, new_prospect(world, name="Counted"), ProspectStatus.CONTACTED)

    own = signed_in_client(app, world.people["supervisor_a"]).get("/home").get_data(as_text=True)
    other = signed_in_client(app, world.people["supervisor_b"]).get("/home").get_data(as_text=True)
    dealer = signed_in_client(app, world.people["dealer_x"]).get("/home").get_data(as_text=True)

    card = own.split('data-testid="prospects-card"')[1].split("</section>")[0]
    assert 'status=contacted">Contacted</a>: <span class="num">1</span>' in card
    assert 'data-testid="prospects-card"' not in other
    assert 'data-testid="prospects-card"' not in dealer


def test_the_details_cannot_be_edited_once_the_proposal_went_to_head_office(app, world, checklist):
    for stage in (ProspectStatus.PROPOSAL, ProspectStatus.APPROVED):
        prospect = advance(world, new_prospect(world), stage, code=f"NE{stage.value[:2].upper()}")
        client = signed_in_client(app, world.people["supervisor_a"])
        page = client.get(f"/prospects/{prospect.id}")
        assert f"/prospects/{prospect.id}/edit".encode() not in page.data
        form = {"name": "Edited Papa", "kind": "dealer", "city": "Elsewhere"}
        form["version"] = prospect.version

        refused = client.post(f"/prospects/{prospect.id}/edit", data=form, follow_redirects=True)

        assert b"cannot be changed while the proposal is with head office" in refused.data
        db.session.refresh(prospect)
        assert (prospect.name, prospect.city) == ("Prospect Papa", "Dalian")


def test_the_proposal_form_takes_no_more_rows_than_it_shows(app, world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SITE_VISIT)
    client = signed_in_client(app, world.people["supervisor_a"])
    form = _proposal_form(prospect, world)
    for row in range(3, 40):
        form[f"stores-{row}-name"] = f"Extra {row}"
        form[f"stores-{row}-format"] = "counter"
        form[f"stores-{row}-status"] = "planned"

    assert client.post(f"/prospects/{prospect.id}/proposal", data=form).status_code == 302

    db.session.refresh(prospect)
    assert 0 < len(prospect.stores) <= 6
