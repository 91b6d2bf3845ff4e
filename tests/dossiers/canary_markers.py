"""Canary sweep (S3): every dealer gets an issued dealer file carrying its marker."""

from __future__ import annotations

from portal.dossiers import archive
from portal.models import Dealer
from tests.security.canary import marker_seeder


@marker_seeder("dealer_files")
def _dealer_file(dealer: Dealer, marker: str) -> None:
    # The dealer seeder (registered first) already put the marker in the dealer's name,
    # which every page of the file carries in its header.
    archive.issue(dealer, issuer=None)
