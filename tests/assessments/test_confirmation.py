"""Finalising an assessment asks for a confirmation; the list leads to a new assessment."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Assessment, AssessmentStatus
from tests.assessments.conftest import ALL_FOUR, last_quarter, rating_form
from tests.support.pages import without_tokens


def _start(client, world, **extra):
    period = last_quarter().label
    return client.post(
        f"/assessments/dealers/{world.dealer_x.id}/new?period={period}",
        data=rating_form(ALL_FOUR, period=period, **extra),
    )


def test_save_and_finalise_without_the_confirmation_saves_nothing(clients, world):
    client = clients("supervisor_a")
    response = _start(client, world, action="finalise")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tick the box to confirm that the assessment is to be finalised." in page
    assert 'name="confirm"' in page
    assert db.session.scalar(select(func.count(Assessment.id))) == 0


def test_editing_then_finalising_needs_the_confirmation(clients, world):
    client = clients("supervisor_a")
    _start(client, world)
    draft = db.session.scalars(select(Assessment)).one()
    response = client.post(
        f"/assessments/{draft.id}/edit",
        data=rating_form(ALL_FOUR, version=draft.version, action="finalise"),
    )
    assert response.status_code == 422
    db.session.refresh(draft)
    assert draft.status == AssessmentStatus.DRAFT


def test_the_finalise_button_needs_the_confirmation(clients, world):
    client = clients("supervisor_a")
    _start(client, world)
    draft = db.session.scalars(select(Assessment)).one()
    page = client.get(f"/assessments/{draft.id}").get_data(as_text=True)
    form = page[page.index('data-testid="finalise-form"') :]
    assert 'type="checkbox"' in form[: form.index("</form>")]

    response = client.post(f"/assessments/{draft.id}/finalise", data={"version": draft.version})
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.status == AssessmentStatus.DRAFT
    shown = client.get(f"/assessments/{draft.id}").get_data(as_text=True)
    assert "Tick the box to confirm" in shown

    client.post(
        f"/assessments/{draft.id}/finalise", data={"version": draft.version, "confirm": "y"}
    )
    db.session.refresh(draft)
    assert draft.status == AssessmentStatus.FINAL


def test_the_list_offers_a_new_assessment_to_assessors_only(clients, world):
    page = clients("supervisor_a").get("/assessments/").get_data(as_text=True)
    assert 'data-testid="new-assessment"' in page
    assert 'href="/assessments/new"' in page
    dealer_page = clients("dealer_x").get("/assessments/").get_data(as_text=True)
    assert 'data-testid="new-assessment"' not in dealer_page
    assert clients("dealer_x").get("/assessments/new").status_code == 403


def test_new_assessment_chooses_among_the_supervisors_dealers(clients, world):
    client = clients("supervisor_a")
    page = without_tokens(client.get("/assessments/new").get_data(as_text=True))
    assert world.dealer_x.code in page
    assert world.dealer_y.code not in page  # region B: not theirs

    chosen = client.get(f"/assessments/new?dealer={world.dealer_x.id}")
    assert chosen.status_code == 302
    assert chosen.location.endswith(f"/assessments/dealers/{world.dealer_x.id}/new")
    assert client.get(f"/assessments/new?dealer={world.dealer_y.id}").status_code == 422
