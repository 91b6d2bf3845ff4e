"""Canary markers for prospects: each dealer's marker in the notes, screening notes and step
comments of its region's prospects (and of the prospect it was signed from), so the sweep
proves no prospect page, list, market list or home card shows them outside the region's
staff (S3). Dealer users see no prospect at all."""

from sqlalchemy import or_, select, update

from portal.extensions import db
from portal.models import Dealer, Prospect, ProspectAnswer, ProspectTransition
from tests.security.canary import marker_seeder


@marker_seeder("prospects")
def _prospect_fields(dealer: Dealer, marker: str) -> None:
    mine = select(Prospect.id).where(
        or_(Prospect.region_id == dealer.region_id, Prospect.dealer_id == dealer.id)
    )
    db.session.execute(
        update(Prospect)
        .where(Prospect.id.in_(mine.scalar_subquery()))
        .values(
            notes=Prospect.notes + f" {marker}", lost_reason=Prospect.lost_reason + f" {marker}"
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ProspectAnswer)
        .where(ProspectAnswer.prospect_id.in_(mine.scalar_subquery()))
        .values(note=ProspectAnswer.note + f" {marker}")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ProspectTransition)
        .where(ProspectTransition.prospect_id.in_(mine.scalar_subquery()))
        .values(comment=ProspectTransition.comment + f" {marker}")
        .execution_options(synchronize_session=False)
    )
