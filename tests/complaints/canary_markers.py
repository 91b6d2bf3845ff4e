"""Canary markers for complaints: each dealer's marker in its complaints' customer details,
descriptions, step comments and photo names (S3: the sweep must never show them outside the
dealer's scope, on pages, in exports or in the API)."""

from sqlalchemy import select, update

from portal.access.complaints import COMPLAINT_PHOTO
from portal.extensions import db
from portal.models import Attachment, Complaint, ComplaintTransition, Dealer
from tests.security.canary import marker_seeder


@marker_seeder("complaints")
def _complaint_fields(dealer: Dealer, marker: str) -> None:
    db.session.execute(
        update(Complaint)
        .where(Complaint.dealer_id == dealer.id)
        .values(
            customer_name=marker,
            customer_email=f"{marker.lower()}@customers.example.test",
            description=Complaint.description + f" {marker}",
        )
        .execution_options(synchronize_session=False)
    )
    ids = select(Complaint.id).where(Complaint.dealer_id == dealer.id).scalar_subquery()
    db.session.execute(
        update(ComplaintTransition)
        .where(ComplaintTransition.complaint_id.in_(ids))
        .values(comment=ComplaintTransition.comment + f" {marker}")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Attachment)
        .where(Attachment.owner_type == COMPLAINT_PHOTO, Attachment.owner_id.in_(ids))
        .values(filename=f"{marker}.jpg")
        .execution_options(synchronize_session=False)
    )
