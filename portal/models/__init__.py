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
from portal.models.notices import (
    Audience,
    ExecutionStatus,
    Notice,
    NoticeExecution,
    NoticeFile,
    NoticeKind,
    NoticeReceipt,
    NoticeStatus,
    NoticeVersion,
    notice_dealers,
    notice_regions,
    notice_stores,
)
from portal.models.notifications import Notification
from portal.models.users import Role, SignInFailure, User, UserSession, supervisor_regions

__all__ = [
    "ActivityEntry",
    "Attachment",
    "Audience",
    "Dealer",
    "DealerKind",
    "DealerStatus",
    "ExecutionStatus",
    "Notice",
    "NoticeExecution",
    "NoticeFile",
    "NoticeKind",
    "NoticeReceipt",
    "NoticeStatus",
    "NoticeVersion",
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
    "notice_dealers",
    "notice_regions",
    "notice_stores",
    "supervisor_regions",
]
