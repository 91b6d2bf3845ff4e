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
from portal.models.plans import PlanAction, PlanStatus, PlanTransition, SalesPlan, SalesPlanLine
from portal.models.reports import (
    CompetitorActivity,
    CompetitorActivityKind,
    ReportAction,
    ReportStatus,
    ReportTransition,
    StoreReport,
    StoreReportLine,
)
from portal.models.users import Role, SignInFailure, User, UserSession, supervisor_regions

__all__ = [
    "ActivityEntry",
    "Attachment",
    "Audience",
    "CompetitorActivity",
    "CompetitorActivityKind",
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
    "PlanAction",
    "PlanStatus",
    "PlanTransition",
    "ProductLine",
    "Region",
    "ReportAction",
    "ReportStatus",
    "ReportTransition",
    "Role",
    "SalesPlan",
    "SalesPlanLine",
    "SignInFailure",
    "Store",
    "StoreFormat",
    "StoreReport",
    "StoreReportLine",
    "StoreStatus",
    "User",
    "UserSession",
    "notice_dealers",
    "notice_regions",
    "notice_stores",
    "supervisor_regions",
]
