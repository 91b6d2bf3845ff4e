"""Who sees and handles customer complaints.

- Seeing: staff see the complaints of dealers in their scope (admins all, supervisors their
  regions); a dealer user sees their own dealer's. Anything else answers 404.
- Recording: dealer users for their own active stores, supervisors for their regions',
  admins for any; never a user whose dealer is suspended (read-only).
- Steps: forwarding, taking in hand, resolving and reopening are for the complaint's dealer
  and staff in scope; closing is for staff (the supervisor confirms the case is done).
- Categories, business hours and holidays: admins.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, select

from portal.access.attachments import attachment_rule
from portal.access.scope import can_view_dealer, dealer_scope, fetch
from portal.access.standing import is_read_only
from portal.extensions import db
from portal.models import (
    Attachment,
    Complaint,
    ComplaintAction,
    Dealer,
    Store,
    User,
)

COMPLAINT_PHOTO = "complaint"  # attachment owner type
STAFF_ONLY = frozenset({ComplaintAction.CLOSE})


def complaint_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Complaint for what `user` may see."""
    return dealer_scope(user, Complaint.dealer_id)


def visible_complaints(user: User) -> Select[tuple[Complaint]]:
    return select(Complaint).where(complaint_scope(user))


def can_view_complaint(user: User, complaint: Complaint) -> bool:
    return can_view_dealer(user, complaint.dealer)


def can_record_complaints(user: User) -> bool:
    return (user.is_admin or user.is_supervisor or user.is_dealer) and not is_read_only(user)


def recordable_stores(user: User) -> Select[tuple[Store]]:
    """The active stores `user` may record a complaint against."""
    return (
        select(Store)
        .join(Dealer, Dealer.id == Store.dealer_id)
        .where(dealer_scope(user, Store.dealer_id), Store.active.is_(True), Dealer.active)
        .order_by(Store.code)
    )


def can_take_step(user: User, complaint: Complaint, action: ComplaintAction) -> bool:
    if not can_view_complaint(user, complaint) or is_read_only(user):
        return False
    if action in STAFF_ONLY:
        return user.is_admin or user.is_supervisor
    return True


def can_manage_complaint_settings(user: User) -> bool:
    return user.is_admin


def get_complaint_or_404(user: User, complaint_id: int, *, for_update: bool = False) -> Complaint:
    complaint = fetch(Complaint, complaint_id, for_update)
    if complaint is None or not can_view_complaint(user, complaint):
        abort(404)
    return complaint


@attachment_rule(COMPLAINT_PHOTO)
def _may_view_complaint_photo(user: User, attachment: Attachment) -> bool:
    complaint = db.session.get(Complaint, attachment.owner_id or 0)
    return complaint is not None and can_view_complaint(user, complaint)
