"""Who sees and moves prospects.

- A prospect belongs to a region: the region's supervisors own it (record it, take it
  through contact, screening, site visit and proposal, sign it once approved, or lose it);
  admins see every region's and may do the same.
- Approving or returning a proposal is head office's: admins only.
- Dealer users see no prospect. Anything out of scope answers 404, like a missing id.
- Nothing is changed by a user whose dealer is suspended (read-only), like everywhere.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, false, select, true

from portal.access.attachments import attachment_rule
from portal.access.scope import fetch, region_ids_of
from portal.access.standing import is_read_only
from portal.extensions import db
from portal.models import (
    Attachment,
    Prospect,
    ProspectAnswer,
    ProspectStatus,
    Region,
    User,
)

ANSWER_DOCUMENT = "prospect_answer"


def region_scope(user: User, region_id_column: ColumnElement[int]) -> ColumnElement[bool]:
    """A WHERE clause keeping rows of the regions whose prospects `user` sees."""
    if user.is_admin:
        return true()
    if user.is_supervisor:
        regions = region_ids_of(user)
        return region_id_column.in_(regions) if regions else false()
    return false()


def can_view_prospects(user: User) -> bool:
    return user.is_admin or user.is_supervisor


def visible_prospects(user: User) -> Select[tuple[Prospect]]:
    return select(Prospect).where(region_scope(user, Prospect.region_id))


def prospect_regions(user: User) -> Select[tuple[Region]]:
    """The active regions `user` may record a prospect in."""
    return (
        select(Region)
        .where(Region.active.is_(True), region_scope(user, Region.id))
        .order_by(Region.name)
    )


def can_view_prospect(user: User, prospect: Prospect) -> bool:
    if user.is_admin:
        return True
    return user.is_supervisor and prospect.region_id in region_ids_of(user)


def can_work_prospect(user: User, prospect: Prospect) -> bool:
    """Edit an open prospect and take it a step on (or lose it)."""
    return can_view_prospect(user, prospect) and prospect.is_open and not is_read_only(user)


# With head office (a proposal) or approved by it: the details it approved stay as they are.
DETAILS_LOCKED = (ProspectStatus.PROPOSAL, ProspectStatus.APPROVED)


def can_edit_details(user: User, prospect: Prospect) -> bool:
    """Change the prospect's business, contact and city (not while head office decides or
    after it approved: signing uses what it approved)."""
    return can_work_prospect(user, prospect) and prospect.status not in DETAILS_LOCKED


def can_edit_screening(user: User, prospect: Prospect) -> bool:
    return can_work_prospect(user, prospect) and prospect.status == ProspectStatus.SCREENING


def can_edit_proposal(user: User, prospect: Prospect) -> bool:
    return can_work_prospect(user, prospect) and prospect.status == ProspectStatus.SITE_VISIT


def can_review_prospect(user: User, prospect: Prospect) -> bool:
    """Approve or return a proposal: head office."""
    return user.is_admin and prospect.status == ProspectStatus.PROPOSAL


def can_sign_prospect(user: User, prospect: Prospect) -> bool:
    return can_work_prospect(user, prospect) and prospect.status == ProspectStatus.APPROVED


def get_prospect_or_404(user: User, prospect_id: int, *, for_update: bool = False) -> Prospect:
    prospect = fetch(Prospect, prospect_id, for_update)
    if prospect is None or not can_view_prospect(user, prospect):
        abort(404)
    return prospect


@attachment_rule(ANSWER_DOCUMENT)
def _may_view_answer_document(user: User, attachment: Attachment) -> bool:
    answer = db.session.get(ProspectAnswer, attachment.owner_id or 0)
    return answer is not None and can_view_prospect(user, answer.prospect)
