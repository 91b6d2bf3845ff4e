"""All models, imported here so Alembic and the app see the whole schema."""

from portal.models.activity import ActivityEntry
from portal.models.attachments import Attachment
from portal.models.audits import (
    ActionStatus,
    ActionStep,
    AnswerResult,
    Audit,
    AuditAnswer,
    AuditKind,
    AuditStatus,
    CorrectiveAction,
    FrozenAuditError,
    StepKind,
)
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
from portal.models.standards import (
    FrozenVersionError,
    Standard,
    StandardItem,
    StandardSection,
    StandardVersion,
    VersionStatus,
)
from portal.models.users import Role, SignInFailure, User, UserSession, supervisor_regions

__all__ = [
    "ActionStatus",
    "ActionStep",
    "ActivityEntry",
    "AnswerResult",
    "Attachment",
    "Audit",
    "AuditAnswer",
    "AuditKind",
    "AuditStatus",
    "CorrectiveAction",
    "Dealer",
    "DealerKind",
    "DealerStatus",
    "FrozenAuditError",
    "FrozenVersionError",
    "Notification",
    "ProductLine",
    "Region",
    "Role",
    "SignInFailure",
    "Standard",
    "StandardItem",
    "StandardSection",
    "StandardVersion",
    "StepKind",
    "Store",
    "StoreFormat",
    "StoreStatus",
    "User",
    "UserSession",
    "VersionStatus",
    "supervisor_regions",
]
