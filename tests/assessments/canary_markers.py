"""Canary markers for assessments: each dealer's marker in its assessments' comments.

Final assessments are frozen for the ORM, so the markers are written in SQL.
"""

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Assessment, AssessmentRating, Dealer
from tests.security.canary import marker_seeder


@marker_seeder("assessments")
def _assessment_comments(dealer: Dealer, marker: str) -> None:
    db.session.execute(
        update(Assessment)
        .where(Assessment.dealer_id == dealer.id)
        .values(comment=Assessment.comment + f" {marker}")
        .execution_options(synchronize_session=False)
    )
    ids = select(Assessment.id).where(Assessment.dealer_id == dealer.id).scalar_subquery()
    db.session.execute(
        update(AssessmentRating)
        .where(AssessmentRating.assessment_id.in_(ids))
        .values(comment=AssessmentRating.comment + f" {marker}")
        .execution_options(synchronize_session=False)
    )
