"""Who sees and does what with standards, audits, answers, photos and corrective actions.

- Standards: admins build them; supervisors may read them (their guidance is what they
  audit against); dealer users never see the templates themselves.
- Audits: staff see those of dealers in their scope. A dealer user sees their own
  dealer's completed audits, and announced audits before they happen (date and standard
  only); never unannounced visits before completion, never answers before completion.
- Corrective actions: the dealer answers its own; staff in scope verify or reopen them.
Anything out of scope answers 404, exactly like a missing record.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, or_, select

from portal.access.attachments import attachment_rule
from portal.access.scope import can_view_dealer, dealer_scope
from portal.extensions import db
from portal.models import (
    ActionStatus,
    ActionStep,
    Attachment,
    Audit,
    AuditAnswer,
    AuditStatus,
    CorrectiveAction,
    Standard,
    StandardVersion,
    User,
)

ANSWER_PHOTO = "audit_answer"  # attachment owner types
ACTION_EVIDENCE = "action_step"

# Standards


def can_view_standards(user: User) -> bool:
    return user.is_admin or user.is_supervisor


def can_manage_standards(user: User) -> bool:
    return user.is_admin


def get_standard_or_404(user: User, standard_id: int) -> Standard:
    standard = db.session.get(Standard, standard_id)
    if standard is None or not can_view_standards(user):
        abort(404)
    return standard


def get_standard_version_or_404(user: User, version_id: int) -> StandardVersion:
    version = db.session.get(StandardVersion, version_id)
    if version is None or not can_view_standards(user):
        abort(404)
    return version


# Audits


ANNOUNCED_VISIBLE = (AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS)


def audit_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Audit for what `user` may see."""
    clause = dealer_scope(user, Audit.dealer_id)
    if user.is_dealer:
        dealer_may_see = or_(
            Audit.status == AuditStatus.COMPLETED,
            and_(Audit.announced.is_(True), Audit.status.in_(ANNOUNCED_VISIBLE)),
        )
        return and_(clause, dealer_may_see)
    return clause


def visible_audits(user: User) -> Select[tuple[Audit]]:
    return select(Audit).where(audit_scope(user))


def can_view_audit(user: User, audit: Audit) -> bool:
    if not can_view_dealer(user, audit.dealer):
        return False
    if user.is_dealer:
        return audit.status == AuditStatus.COMPLETED or (
            audit.announced and audit.status in ANNOUNCED_VISIBLE
        )
    return True


def can_see_answers(user: User, audit: Audit) -> bool:
    """Answers, notes and photos: staff in scope at any time, the dealer once completed."""
    return can_view_audit(user, audit) and (
        not user.is_dealer or audit.status == AuditStatus.COMPLETED
    )


def can_plan_audit(user: User, audit: Audit) -> bool:
    """Reschedule or cancel: staff in scope, before the visit starts."""
    return (
        not user.is_dealer and can_view_audit(user, audit) and audit.status == AuditStatus.SCHEDULED
    )


def can_conduct_audit(user: User, audit: Audit) -> bool:
    """Start, answer and complete: staff in scope, until completion."""
    return not user.is_dealer and can_view_audit(user, audit) and audit.is_open


def can_schedule_follow_up(user: User, audit: Audit) -> bool:
    return (
        not user.is_dealer
        and can_view_audit(user, audit)
        and audit.status == AuditStatus.COMPLETED
        and bool(audit.actions)
    )


def can_acknowledge_audit(user: User, audit: Audit) -> bool:
    return (
        user.is_dealer
        and user.dealer_id == audit.dealer_id
        and audit.status == AuditStatus.COMPLETED
        and audit.acknowledged_at is None
    )


def get_audit_or_404(user: User, audit_id: int) -> Audit:
    audit = db.session.get(Audit, audit_id)
    if audit is None or not can_view_audit(user, audit):
        abort(404)
    return audit


# Corrective actions


def action_scope(user: User) -> ColumnElement[bool]:
    return dealer_scope(user, CorrectiveAction.dealer_id)


def visible_actions(user: User) -> Select[tuple[CorrectiveAction]]:
    return select(CorrectiveAction).where(action_scope(user))


def can_view_action(user: User, action: CorrectiveAction) -> bool:
    return can_view_dealer(user, action.dealer)


def can_respond_action(user: User, action: CorrectiveAction) -> bool:
    return (
        user.is_dealer
        and user.dealer_id == action.dealer_id
        and action.status in (ActionStatus.OPEN, ActionStatus.REOPENED)
    )


def can_verify_action(user: User, action: CorrectiveAction) -> bool:
    """Verify or reopen: staff in scope, once the dealer has responded."""
    return (
        not user.is_dealer
        and can_view_action(user, action)
        and action.status == ActionStatus.RESPONDED
    )


def get_action_or_404(user: User, action_id: int) -> CorrectiveAction:
    action = db.session.get(CorrectiveAction, action_id)
    if action is None or not can_view_action(user, action):
        abort(404)
    return action


# Photos


@attachment_rule(ANSWER_PHOTO)
def _may_view_answer_photo(user: User, attachment: Attachment) -> bool:
    answer = db.session.get(AuditAnswer, attachment.owner_id or 0)
    return answer is not None and can_see_answers(user, answer.audit)


@attachment_rule(ACTION_EVIDENCE)
def _may_view_action_evidence(user: User, attachment: Attachment) -> bool:
    step = db.session.get(ActionStep, attachment.owner_id or 0)
    return step is not None and can_view_action(user, step.action)
