"""What a dealer user may do while their dealer is suspended, terminated or deactivated.

Users of a terminated or deactivated dealer cannot sign in and their sessions end; users of
a suspended dealer may sign in and read, but change nothing beyond their own account.
Staff accounts belong to no dealer and are not affected.
"""

from __future__ import annotations

from portal.extensions import db
from portal.models import Dealer, DealerStatus, User


def _dealer_of(user: User) -> Dealer | None:
    if not user.is_dealer or user.dealer_id is None:
        return None
    return db.session.get(Dealer, user.dealer_id)


def may_sign_in(user: User) -> bool:
    """False for the users of a dealer that no longer trades with us."""
    dealer = _dealer_of(user)
    return dealer is None or (dealer.active and dealer.status != DealerStatus.TERMINATED)


def is_read_only(user: User) -> bool:
    """True for the users of a suspended dealer."""
    dealer = _dealer_of(user)
    return dealer is not None and dealer.status == DealerStatus.SUSPENDED
