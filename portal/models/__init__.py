"""All models, imported here so Alembic and the app see the whole schema."""

from portal.models.activity import ActivityEntry
from portal.models.attachments import Attachment
from portal.models.network import (
    Dealer,
    DealerKind,
    DealerStatus,
    ProductLine,
    Region,
    Store,
    StoreFormat,
    StoreStatus,
)
from portal.models.notifications import Notification
from portal.models.users import Role, SignInFailure, User, UserSession, supervisor_regions

__all__ = [
    "ActivityEntry",
    "Attachment",
    "Dealer",
    "DealerKind",
    "DealerStatus",
    "Notification",
    "ProductLine",
    "Region",
    "Role",
    "SignInFailure",
    "Store",
    "StoreFormat",
    "StoreStatus",
    "User",
    "UserSession",
    "supervisor_regions",
]
