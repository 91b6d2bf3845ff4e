"""Canary markers for targets: each dealer's marker in the explanation of its region's
allocation, its region's forecast comments and the reasons of target moved away from it
(S3: seen by head office and the region's supervisors only, never by other regions'
supervisors or by any dealer user, on pages or in the CSV)."""

from sqlalchemy import update

from portal.extensions import db
from portal.models import AllocationMove, Dealer, Forecast, TargetAllocation
from tests.security.canary import marker_seeder


@marker_seeder("targets")
def _target_texts(dealer: Dealer, marker: str) -> None:
    db.session.execute(
        update(TargetAllocation)
        .where(TargetAllocation.region_id == dealer.region_id)
        .values(explanation=TargetAllocation.explanation + f" {marker}")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Forecast)
        .where(Forecast.region_id == dealer.region_id)
        .values(comment=Forecast.comment + f" {marker}")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(AllocationMove)
        .where(AllocationMove.from_dealer_id == dealer.id)
        .values(reason=AllocationMove.reason + f" {marker}")
        .execution_options(synchronize_session=False)
    )
