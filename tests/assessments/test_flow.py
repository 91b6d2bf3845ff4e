"""Assessing a dealer over HTTP: draft, edit, finalise, history, and who sees what."""

from decimal import Decimal

from sqlalchemy import func, select

from portal.assessments import services
from portal.extensions import db
from portal.models import ActivityEntry, Assessment, AssessmentStatus, Notification
from tests.assessments.conftest import ALL_FOUR, last_quarter, rating_form
from tests.support.pages import without_tokens


def start(client, world, ratings=None, action="save", **extra):
    period = last_quarter().label
    return client.post(
        f"/assessments/dealers/{world.dealer_x.id}/new?period={period}",
        data=rating_form(ratings or ALL_FOUR, period=period, action=action, **extra),
    )


def only_assessment() -> Assessment:
    return db.session.scalars(select(Assessment)).one()


def test_supervisor_sees_metrics_and_weights_before_starting(clients, world):
    response = clients("supervisor_a").get(f"/assessments/dealers/{world.dealer_x.id}/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert last_quarter().label in page
    for key in ("attainment", "timeliness", "audit_score", "execution"):
        assert f'data-testid="metric-{key}"' in page
    assert "Market development" in page
    assert "Share of score" in page


def test_supervisor_saves_a_draft_then_finalises_it(clients, world):
    client = clients("supervisor_a")
    response = start(client, world, comment="Solid quarter")
    assert response.status_code == 302
    assessment = only_assessment()
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.period == last_quarter().label
    assert [r.rating for r in assessment.ratings] == [4, 4, 4]
    assert assessment.criteria_score == Decimal(80)
    # In this empty world only timeliness has data (nothing was submitted: 0%); the other
    # metrics are left out, so the score is 60% x 0 + 40% x 80.
    values = {metric.key: metric.value for metric in assessment.metrics}
    assert values["timeliness"] == Decimal(0)
    assert values["attainment"] is None
    assert assessment.metric_score == Decimal(0)
    assert assessment.score == Decimal(32)
    assert assessment.grade == "D"

    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Grade D" in page
    assert "provisional" in page

    response = client.post(
        f"/assessments/{assessment.id}/finalise",
        data={"version": assessment.version, "confirm": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.status == AssessmentStatus.FINAL
    assert assessment.finalised_by_id == world.people["supervisor_a"].id
    actions = set(db.session.scalars(select(ActivityEntry.action)))
    assert {"assessment.create", "assessment.finalise"} <= actions
    notified = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.kind == "assessment.final")
    )
    assert notified == 1  # dealer_x's one user


def test_save_and_finalise_in_one_go_needs_every_rating(clients, world):
    client = clients("supervisor_a")
    response = start(client, world, {"market_development": 5}, action="finalise", confirm="y")
    assert response.status_code == 422
    assert "Rate every criterion" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Assessment.id))) == 0

    response = start(client, world, action="finalise", confirm="y")
    assert response.status_code == 302
    assert only_assessment().status == AssessmentStatus.FINAL


def test_one_assessment_per_dealer_and_period(clients, world):
    client = clients("supervisor_a")
    assert start(client, world).status_code == 302
    resent = start(client, world)  # the same form again: fine, nothing new
    assert resent.status_code == 302
    different = start(client, world, {**ALL_FOUR, "cooperation": 2})
    assert different.status_code == 409
    assert db.session.scalar(select(func.count(Assessment.id))) == 1
    # Opening "new" for that period again leads to the existing assessment.
    period = last_quarter().label
    response = client.get(f"/assessments/dealers/{world.dealer_x.id}/new?period={period}")
    assert response.status_code == 302
    assert response.location.endswith(f"/assessments/{only_assessment().id}")


def test_concurrent_edits_conflict(clients, world, app):
    client = clients("supervisor_a")
    start(client, world)
    assessment = only_assessment()
    version = assessment.version
    url = f"/assessments/{assessment.id}/edit"
    first = client.post(url, data=rating_form({**ALL_FOUR, "cooperation": 5}, version=version))
    assert first.status_code == 302
    admin = clients("admin")
    second = admin.post(url, data=rating_form({**ALL_FOUR, "cooperation": 1}, version=version))
    assert second.status_code == 409
    assert 'data-testid="conflict"' in second.get_data(as_text=True)
    db.session.refresh(assessment)
    assert assessment.ratings[2].rating == 5


def test_final_assessment_cannot_be_edited(clients, world):
    client = clients("supervisor_a")
    start(client, world, action="finalise", confirm="y")
    assessment = only_assessment()
    response = client.post(
        f"/assessments/{assessment.id}/edit",
        data=rating_form({**ALL_FOUR, "cooperation": 1}, version=assessment.version),
    )
    assert response.status_code == 409
    db.session.refresh(assessment)
    assert assessment.ratings[2].rating == 4
    assert client.get(f"/assessments/{assessment.id}/edit").status_code == 302


def test_dealer_sees_its_final_assessment_only(clients, world):
    start(clients("supervisor_a"), world)
    draft = only_assessment()
    dealer = clients("dealer_x")
    assert dealer.get(f"/assessments/{draft.id}").status_code == 404
    assert draft.period not in dealer.get("/assessments/").get_data(as_text=True)
    clients("supervisor_a").post(
        f"/assessments/{draft.id}/finalise", data={"version": draft.version, "confirm": "y"}
    )
    response = dealer.get(f"/assessments/{draft.id}")
    assert response.status_code == 200
    assert "Grade D" in response.get_data(as_text=True)
    history = dealer.get(f"/assessments/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert draft.period in history


def test_others_get_404(clients, world):
    start(clients("supervisor_a"), world, action="finalise", confirm="y")
    assessment = only_assessment()
    for role in ("dealer_y", "supervisor_b"):
        client = clients(role)
        assert client.get(f"/assessments/{assessment.id}").status_code == 404, role
        assert client.get(f"/assessments/dealers/{world.dealer_x.id}").status_code == 404
        assert world.dealer_x.code not in without_tokens(
            client.get("/assessments/").get_data(as_text=True)
        )
    other = clients("supervisor_b")
    assert other.get(f"/assessments/dealers/{world.dealer_x.id}/new").status_code == 404
    assert start(other, world).status_code == 404


def test_dealer_users_cannot_assess(clients, world):
    dealer = clients("dealer_x")
    assert dealer.get(f"/assessments/dealers/{world.dealer_x.id}/new").status_code == 403
    assert start(dealer, world).status_code == 403
    assert db.session.scalar(select(func.count(Assessment.id))) == 0


def test_posted_extra_fields_change_nothing(clients, world):
    start(
        clients("supervisor_a"),
        world,
        dealer_id=world.dealer_y.id,
        status="final",
        score="99",
        grade="A",
    )
    assessment = only_assessment()
    assert assessment.dealer_id == world.dealer_x.id
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.grade == "D"


def test_periods_outside_the_window_are_refused(clients, world):
    client = clients("supervisor_a")
    url = f"/assessments/dealers/{world.dealer_x.id}/new"
    assert client.get(f"{url}?period=1999-Q1").status_code == 422
    assert client.get(f"{url}?period=nonsense").status_code == 422
    future = last_quarter().shift(3).label
    assert client.get(f"{url}?period={future}").status_code == 422


def test_latest_final_assessment_for_the_dealer_file(clients, world):
    assert services.latest_final_assessment(world.dealer_x.id) is None
    start(clients("supervisor_a"), world)
    assert services.latest_final_assessment(world.dealer_x.id) is None  # a draft only
    assessment = only_assessment()
    clients("supervisor_a").post(
        f"/assessments/{assessment.id}/finalise",
        data={"version": assessment.version, "confirm": "y"},
    )
    latest = services.latest_final_assessment(world.dealer_x.id)
    assert latest is not None
    assert latest.id == assessment.id
    assert latest.metrics[0].key == "attainment"
    assert latest.grade == "D"


def test_dealer_page_links_to_assessments(clients, world):
    page = clients("supervisor_a").get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert f"/assessments/dealers/{world.dealer_x.id}" in page
    assert f"/assessments/dealers/{world.dealer_x.id}/new" in page
    mine = clients("dealer_x").get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert f"/assessments/dealers/{world.dealer_x.id}/new" not in mine
