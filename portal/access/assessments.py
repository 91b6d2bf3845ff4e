"""Object scope for dealer assessments.

Supervisors assess the dealers of their regions (read from the database) and see every
assessment of those dealers, drafts included; admins see and assess everything. Dealer
users see their own dealer's final assessments only. Everything else answers 404.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from portal.access.scope import dealer_scope, region_ids_of, visible_dealers
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Dealer, User


def can_assess_dealer(user: User, dealer: Dealer) -> bool:
    """Start or edit an assessment of this dealer."""
    if user.is_admin:
        return True
    return user.is_supervisor and dealer.region_id in region_ids_of(user)


def can_start_assessments(user: User) -> bool:
    """Whether the user assesses dealers at all (the "New assessment" entry)."""
    return user.is_admin or user.is_supervisor


def assessable_dealers(user: User) -> Select[tuple[Dealer]]:
    """The active dealers this user may start an assessment of, by code."""
    query = visible_dealers(user).where(Dealer.active.is_(True)).order_by(Dealer.code)
    return query if can_start_assessments(user) else query.where(false())


def visible_assessments(user: User) -> Select[tuple[Assessment]]:
    query = select(Assessment).where(dealer_scope(user, Assessment.dealer_id))
    if not (user.is_admin or user.is_supervisor):
        query = query.where(Assessment.status == AssessmentStatus.FINAL)
    return query


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    if can_assess_dealer(user, assessment.dealer):
        return True
    return (
        user.is_dealer
        and user.dealer_id is not None
        and user.dealer_id == assessment.dealer_id
        and assessment.status == AssessmentStatus.FINAL
    )


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    return assessment.status == AssessmentStatus.DRAFT and can_assess_dealer(
        user, assessment.dealer
    )


def get_assessment_or_404(
    user: User, assessment_id: int, *, for_update: bool = False
) -> Assessment:
    """The assessment, if `user` may see it; 404 otherwise. `for_update` locks its row."""
    query = select(Assessment).where(Assessment.id == assessment_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    assessment = db.session.scalar(query)
    if assessment is None or not can_view_assessment(user, assessment):
        abort(404)
    return assessment
