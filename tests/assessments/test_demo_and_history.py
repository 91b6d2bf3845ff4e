"""The demo's assessments, and history that never changes once an assessment is final."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.assessments import services
from portal.extensions import db
from portal.models import (
    Assessment,
    AssessmentStatus,
    FrozenAssessmentError,
    Role,
    SalesPlan,
    User,
)
from tests.assessments.conftest import ALL_FOUR, last_quarter, rating_form
from tests.conftest import client_for


def test_demo_has_final_assessments_with_grades_and_a_draft(demo):
    final = db.session.scalars(
        select(Assessment).where(Assessment.status == AssessmentStatus.FINAL)
    ).all()
    assert len(final) >= 10
    assert all(a.grade in {"A", "B", "C", "D"} and a.score is not None for a in final)
    assert all(a.finalised_at is not None and a.finalised_at.date() > a.last_day for a in final)
    assert len({a.grade for a in final}) >= 2  # the demo shows more than one grade
    drafts = db.session.scalar(
        select(func.count(Assessment.id)).where(Assessment.status == AssessmentStatus.DRAFT)
    )
    assert drafts >= 1
    with_data = [m for a in final for m in a.metrics if m.value is not None]
    assert with_data, "the demo's figures should feed the metrics"


def test_demo_supervisor_and_dealer_see_the_assessments(app, demo):
    dealer_user = db.session.scalars(
        select(User).where(User.role == Role.DEALER).order_by(User.email)
    ).first()
    latest = services.latest_final_assessment(dealer_user.dealer_id)
    assert latest is not None
    client = client_for(app, dealer_user.email, "portal-demo")
    page = client.get(f"/assessments/{latest.id}").get_data(as_text=True)
    badge = page[page.index('data-testid="grade"') :][:80]
    assert latest.grade in badge
    listing = client.get("/assessments/").get_data(as_text=True)
    assert latest.period in listing


def test_final_assessment_is_frozen_in_the_database_layer(clients, world):
    period = last_quarter().label
    clients("supervisor_a").post(
        f"/assessments/dealers/{world.dealer_x.id}/new?period={period}",
        data=rating_form(ALL_FOUR, period=period, action="finalise", confirm="y"),
    )
    assessment = db.session.scalars(select(Assessment)).one()
    assessment.ratings[0].rating = 1
    with pytest.raises(FrozenAssessmentError):
        db.session.flush()
    db.session.rollback()
    assessment = db.session.scalars(select(Assessment)).one()
    assessment.comment = "rewritten"
    with pytest.raises(FrozenAssessmentError):
        db.session.flush()
    db.session.rollback()


def test_history_keeps_its_figures_when_the_data_changes(clients, world):
    """A plan submitted late, after finalising, does not rewrite the final assessment."""
    period = last_quarter().label
    client = clients("supervisor_a")
    client.post(
        f"/assessments/dealers/{world.dealer_x.id}/new?period={period}",
        data=rating_form(ALL_FOUR, period=period, action="finalise", confirm="y"),
    )
    assessment = db.session.scalars(select(Assessment)).one()
    before = {m.key: m.value for m in assessment.metrics}, assessment.score
    cycle = last_quarter()
    first_month = f"{cycle.first_day.year:04d}-{cycle.first_day.month:02d}"
    db.session.add(SalesPlan(dealer_id=world.dealer_x.id, period=first_month, note=""))
    db.session.commit()
    page = client.get(f"/assessments/{assessment.id}")
    assert page.status_code == 200
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment.id)
    assert ({m.key: m.value for m in assessment.metrics}, assessment.score) == before
    assert assessment.score == Decimal(32)


def test_dealer_history_lists_newest_first_without_per_row_queries(clients, world):
    config = services.settings()
    cycle = last_quarter()
    supervisor = world.people["supervisor_a"]
    for back in range(3):
        services.start_assessment(
            dealer=world.dealer_x,
            cycle=cycle.shift(-back),
            ratings={},
            comment="",
            actor=supervisor,
            config=config,
            today=cycle.last_day + timedelta(days=30),
        )
    db.session.commit()
    page = clients("supervisor_a").get(f"/assessments/dealers/{world.dealer_x.id}")
    text = page.get_data(as_text=True)
    labels = [cycle.shift(-back).label for back in range(3)]
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions)
