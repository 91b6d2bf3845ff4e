"""Planning audits: schedule (regular or follow-up), reschedule, cancel.

Services take plain values and model instances, flush, log, notify, never commit; they
raise `AuditError` with a message for the form.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import activity, clock, notifications
from portal.audits.services import (
    AuditError,
    current_version_of,
    failed_item_ids,
    link_to_audit,
)
from portal.extensions import db
from portal.models import (
    Audit,
    AuditKind,
    AuditStatus,
    Standard,
    StandardPurpose,
    Store,
    User,
)

notifications.register_kind(
    "audit.scheduled", _l("An audit of %(store)s is announced for %(date)s.")
)


def existing_audit(token: str | None) -> Audit | None:
    if not token:
        return None
    return db.session.scalar(select(Audit).where(Audit.submission_token == token))


def _check_date(scheduled_for: date, on: date | None) -> None:
    if scheduled_for < (on or clock.today()):
        raise AuditError(_l("Choose today or a later date."), "scheduled_for")


def schedule_audit(
    *,
    store: Store,
    standard: Standard,
    scheduled_for: date,
    announced: bool,
    actor: User,
    token: str | None = None,
    on: date | None = None,
) -> Audit:
    """Plan a visit. The same form token twice returns the first audit (double submit).

    `on` is the day the planning happens (today; the demo back-dates its history).
    """
    existing = existing_audit(token)
    if existing is not None:
        return existing
    if not store.active:
        raise AuditError(_l("This store is deactivated."), "store_id")
    usable = standard.active and standard.purpose == StandardPurpose.AUDIT
    if not usable or current_version_of(standard) is None:
        raise AuditError(_l("Choose a standard with a published version."), "standard_id")
    _check_date(scheduled_for, on)
    audit = Audit(
        store=store,
        dealer_id=store.dealer_id,
        standard=standard,
        kind=AuditKind.REGULAR,
        scheduled_for=scheduled_for,
        announced=announced,
        status=AuditStatus.SCHEDULED,
        auditor_id=actor.id,
        submission_token=token or None,
    )
    db.session.add(audit)
    db.session.flush()
    _announce(audit)
    activity.record(
        "audit.schedule",
        audit,
        actor=actor,
        details={"store": store.code, "date": scheduled_for, "announced": announced},
    )
    return audit


def schedule_follow_up(
    original: Audit,
    *,
    scheduled_for: date,
    announced: bool,
    actor: User,
    token: str | None = None,
    on: date | None = None,
) -> Audit:
    """A visit that checks only the items that failed at `original`, on the same version."""
    existing = existing_audit(token)
    if existing is not None:
        return existing
    if original.status != AuditStatus.COMPLETED or not failed_item_ids(original):
        raise AuditError(_l("Only a completed audit with failed items can be followed up."))
    _check_date(scheduled_for, on)
    audit = Audit(
        store_id=original.store_id,
        dealer_id=original.dealer_id,
        standard_id=original.standard_id,
        standard_version_id=original.standard_version_id,
        kind=AuditKind.FOLLOW_UP,
        follow_up_of=original,
        scheduled_for=scheduled_for,
        announced=announced,
        status=AuditStatus.SCHEDULED,
        auditor_id=actor.id,
        submission_token=token or None,
    )
    db.session.add(audit)
    db.session.flush()
    _announce(audit)
    activity.record(
        "audit.schedule_follow_up",
        audit,
        actor=actor,
        details={"follow_up_of": original.id, "date": scheduled_for},
    )
    return audit


def _announce(audit: Audit) -> None:
    if audit.announced:
        notifications.notify_dealer(
            audit.dealer_id,
            "audit.scheduled",
            link=link_to_audit(audit),
            store=str(audit.store),
            date=audit.scheduled_for.isoformat(),
        )


def reschedule(audit: Audit, *, scheduled_for: date, announced: bool, actor: User) -> None:
    if audit.status != AuditStatus.SCHEDULED:
        raise AuditError(_l("Only audits that have not started can be rescheduled."))
    if scheduled_for != audit.scheduled_for:
        _check_date(scheduled_for, None)
    was_announced = audit.announced
    changed = activity.apply_changes(
        audit, {"scheduled_for": scheduled_for, "announced": announced}
    )
    if changed:
        db.session.flush()
        activity.record("audit.reschedule", audit, actor=actor, details=changed)
        if audit.announced and (not was_announced or "scheduled_for" in changed):
            _announce(audit)


def cancel(audit: Audit, *, reason: str, actor: User) -> None:
    if audit.status != AuditStatus.SCHEDULED:
        raise AuditError(_l("Only audits that have not started can be cancelled."))
    audit.status = AuditStatus.CANCELLED
    audit.summary = reason
    db.session.flush()
    activity.record("audit.cancel", audit, actor=actor, details={"reason": reason})
