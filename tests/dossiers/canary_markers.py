"""Canary sweep (S3): dealers get an issued dealer file carrying their marker."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.dossiers import archive
from portal.extensions import db
from portal.models import Dealer
from tests.security.canary import marker_seeder


@marker_seeder("dealer_files")
def _dealer_file(dealer: Dealer, marker: str) -> None:
    # The dealer seeder (registered first) already put the marker in the dealer's name,
    # which every page of the file carries in its header. A render costs seconds and the
    # sweep reseeds for every user, so only the first dealer of each region gets a file:
    # the download rule is one code path for every dealer.
    first = db.session.scalar(
        select(func.min(Dealer.id)).where(Dealer.region_id == dealer.region_id)
    )
    if dealer.id == first:
        archive.issue(dealer, issuer=None)
