"""Store audits, their answers, and the corrective actions that close each finding.

Completed audits are frozen: a session guard refuses changes to their answers (the
services refuse first, with a message; the guard is the backstop).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.network import Dealer, Store
    from portal.models.standards import Standard, StandardItem, StandardVersion
    from portal.models.users import User


class AuditStatus(LabelledEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class AuditKind(LabelledEnum):
    REGULAR = "regular"
    FOLLOW_UP = "follow_up"


class AnswerResult(LabelledEnum):
    PASS = "pass"  # noqa: S105  (an answer, not a password)
    FAIL = "fail"
    NA = "na"


class ActionStatus(LabelledEnum):
    OPEN = "open"
    RESPONDED = "responded"
    VERIFIED = "verified"
    REOPENED = "reopened"


class StepKind(LabelledEnum):
    RESPONDED = "responded"
    VERIFIED = "verified"
    REOPENED = "reopened"


register_labels(
    AuditStatus,
    {
        AuditStatus.SCHEDULED: _l("Scheduled"),
        AuditStatus.IN_PROGRESS: _l("In progress"),
        AuditStatus.COMPLETED: _l("Completed"),
        AuditStatus.CANCELLED: _l("Cancelled"),
    },
)
register_labels(
    AuditKind, {AuditKind.REGULAR: _l("Regular audit"), AuditKind.FOLLOW_UP: _l("Follow-up")}
)
register_labels(
    AnswerResult,
    {AnswerResult.PASS: _l("Pass"), AnswerResult.FAIL: _l("Fail"), AnswerResult.NA: _l("N/A")},
)
register_labels(
    ActionStatus,
    {
        ActionStatus.OPEN: lazy_pgettext("corrective action state", "Open"),
        ActionStatus.RESPONDED: _l("Responded"),
        ActionStatus.VERIFIED: _l("Verified"),
        ActionStatus.REOPENED: _l("Reopened"),
    },
)
register_labels(
    StepKind,
    {
        StepKind.RESPONDED: _l("Dealer responded"),
        StepKind.VERIFIED: _l("Verified and closed"),
        StepKind.REOPENED: _l("Reopened"),
    },
)


class Audit(TimestampMixin, VersionedMixin, db.Model):
    """One visit scoring one store against one standard version."""

    __tablename__ = "audits"
    __table_args__ = (
        # Stores without a recent completed audit: the latest completion per store.
        Index("ix_audits_status_store_completed", "status", "store_id", "completed_at"),
        # The planner's overdue and due lists: open audits by date.
        Index("ix_audits_status_scheduled_for", "status", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    # The dealer that ran the store when the audit was scheduled: the audit stays theirs.
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    # Bound when the audit starts (follow-ups: when scheduled); kept for ever after.
    standard_version_id: Mapped[int | None] = mapped_column(ForeignKey("standard_versions.id"))
    kind: Mapped[AuditKind] = mapped_column(str_enum(AuditKind, "audit_kind"))
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id"))
    scheduled_for: Mapped[date] = mapped_column(index=True)
    announced: Mapped[bool] = mapped_column(default=True)
    # active_history: the stored status is known even when it was not loaded (frozen guard)
    status: Mapped[AuditStatus] = mapped_column(
        str_enum(AuditStatus, "audit_status"), index=True, active_history=True
    )
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    grade: Mapped[str | None] = mapped_column(String(10))
    passed: Mapped[bool | None]
    critical_failed: Mapped[bool | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement: Mapped[str] = mapped_column(Text, default="")
    # One per schedule form: a double submit makes one audit.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    store: Mapped[Store] = relationship()
    dealer: Mapped[Dealer] = relationship()
    standard: Mapped[Standard] = relationship()
    standard_version: Mapped[StandardVersion | None] = relationship()
    auditor: Mapped[User] = relationship(foreign_keys=[auditor_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    follow_up_of: Mapped[Audit | None] = relationship(remote_side=[id])
    answers: Mapped[list[AuditAnswer]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="AuditAnswer.id"
    )
    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="audit", order_by="CorrectiveAction.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in (AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS)

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.scheduled_for < today

    def __str__(self) -> str:
        return f"#{self.id} {self.scheduled_for.isoformat()}"


class AuditAnswer(VersionedMixin, db.Model):
    """The auditor's answer to one item; created unanswered when the audit starts.

    Versioned: a change made on another device since this one last saw the answer is a
    conflict, never a silent overwrite (the offline queue shows both and lets the auditor
    choose)."""

    __tablename__ = "audit_answers"
    __table_args__ = (UniqueConstraint("audit_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("standard_items.id"), index=True)
    result: Mapped[AnswerResult | None] = mapped_column(str_enum(AnswerResult, "answer_result"))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    audit: Mapped[Audit] = relationship(back_populates="answers")
    item: Mapped[StandardItem] = relationship()


class CorrectiveAction(TimestampMixin, VersionedMixin, db.Model):
    """A failed item, owned by the dealer, dated, open until a supervisor verifies it."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("audit_answers.id"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("standard_items.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    critical: Mapped[bool] = mapped_column(default=False)
    repeat: Mapped[bool] = mapped_column(default=False)  # also failed at the previous audit
    due_on: Mapped[date] = mapped_column(index=True)
    original_due_on: Mapped[date]  # kept when a reopening moves `due_on` (timeliness KPI)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, "action_status"), index=True
    )
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The due date it was last found overdue for: the `action.overdue` event is logged
    # once per due date (portal/audits/overdue.py).
    overdue_noted_on: Mapped[date | None]

    audit: Mapped[Audit] = relationship(back_populates="actions")
    answer: Mapped[AuditAnswer] = relationship()
    item: Mapped[StandardItem] = relationship()
    store: Mapped[Store] = relationship()
    dealer: Mapped[Dealer] = relationship()
    steps: Mapped[list[ActionStep]] = relationship(
        back_populates="action", order_by="ActionStep.id", cascade="all, delete-orphan"
    )

    @property
    def is_closed(self) -> bool:
        return self.status == ActionStatus.VERIFIED

    def is_overdue(self, today: date) -> bool:
        return not self.is_closed and self.due_on < today

    def __str__(self) -> str:
        return f"#{self.id}"


class ActionStep(db.Model):
    """One turn of the loop: the dealer's response, a verification or a reopening."""

    __tablename__ = "corrective_action_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("corrective_actions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, "action_step_kind"))
    comment: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None]  # a new due date given when reopening
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    action: Mapped[CorrectiveAction] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()


class FrozenAuditError(RuntimeError):
    """Something tried to change the answers of a completed audit."""


def _stored_status(audit: Audit) -> AuditStatus | None:
    state = inspect(audit)
    if not state.persistent:
        return None
    history = state.attrs.status.history
    return history.deleted[0] if history.deleted else audit.status


# What may still change on a completed audit: the dealer's acknowledgement.
_AFTER_COMPLETION = frozenset(
    {"acknowledged_at", "acknowledged_by_id", "acknowledgement", "updated_at", "version"}
)


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def refuse_changes_to_completed_audits(session: Session, _context: Any, _instances: Any):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Audit):
            if _stored_status(obj) == AuditStatus.COMPLETED and (
                obj in session.deleted or _changed_columns(obj) - _AFTER_COMPLETION
            ):
                raise FrozenAuditError(f"audit {obj.id} is completed")
            continue
        if not isinstance(obj, AuditAnswer):
            continue
        changed = obj in session.new or obj in session.deleted or session.is_modified(obj)
        if (
            changed
            and obj.audit is not None
            and _stored_status(obj.audit)
            in (
                AuditStatus.COMPLETED,
                AuditStatus.CANCELLED,
            )
        ):
            raise FrozenAuditError(f"audit {obj.audit_id} is completed")
