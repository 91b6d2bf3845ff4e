"""Corrective actions: one per failed item, answered by the dealer, verified by staff.

open → responded → verified (closed), or responded → reopened → responded → …
Overdue means past the due date and not verified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import activity, notifications, storage
from portal.access.audits import ACTION_EVIDENCE
from portal.audits.photos import check_photos
from portal.extensions import db
from portal.models import (
    ActionStatus,
    ActionStep,
    AnswerResult,
    Attachment,
    CorrectiveAction,
    StepKind,
    User,
)
from portal.models.base import utcnow

if TYPE_CHECKING:
    from portal.models import Audit

COMMENT_MAX = 4000

notifications.register_kind(
    "action.responded", _l("%(dealer)s responded to corrective action #%(id)s (%(item)s).")
)
notifications.register_kind(
    "action.verified", _l("Corrective action #%(id)s (%(item)s) was verified and closed.")
)
notifications.register_kind(
    "action.reopened", _l("Corrective action #%(id)s (%(item)s) was reopened: %(comment)s")
)


class ActionError(ValueError):
    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def _link(action: CorrectiveAction) -> str:
    if has_request_context():
        return url_for("actions.detail", action_id=action.id)
    return current_app.url_map.bind("localhost").build("actions.detail", {"action_id": action.id})


def due_date(*, critical: bool, opened_on: date) -> date:
    """The default due date: shorter for critical items (days from configuration)."""
    key = "AUDIT_ACTION_DUE_DAYS_CRITICAL" if critical else "AUDIT_ACTION_DUE_DAYS"
    return opened_on + timedelta(days=int(current_app.config[key]))


def open_actions(
    audit: Audit, *, repeat_codes: set[str], opened_on: date
) -> list[CorrectiveAction]:
    """One open action per failed item of a just-completed audit."""
    opened = []
    for answer in audit.answers:
        if answer.result != AnswerResult.FAIL:
            continue
        item = answer.item
        due_on = due_date(critical=item.critical, opened_on=opened_on)
        action = CorrectiveAction(
            audit=audit,
            answer=answer,
            item_id=item.id,
            store_id=audit.store_id,
            dealer_id=audit.dealer_id,
            critical=item.critical,
            repeat=item.code in repeat_codes,
            due_on=due_on,
            original_due_on=due_on,
            status=ActionStatus.OPEN,
        )
        db.session.add(action)
        opened.append(action)
    db.session.flush()
    return opened


def existing_step(token: str | None) -> ActionStep | None:
    if not token:
        return None
    return db.session.scalar(select(ActionStep).where(ActionStep.submission_token == token))


def _check_comment(comment: str, *, required: Any = None) -> None:
    """`required`: the message to give when the comment is empty (None: optional)."""
    if required is not None and not comment.strip():
        raise ActionError(required, "comment")
    if len(comment) > COMMENT_MAX:
        raise ActionError(_l("At most %(limit)d characters.", limit=COMMENT_MAX), "comment")


def respond(
    action: CorrectiveAction,
    *,
    comment: str,
    photos: Sequence[FileStorage | storage.CheckedUpload],
    actor: User,
    token: str | None = None,
    now: datetime | None = None,
) -> ActionStep:
    """The dealer says what was done, with evidence photos (as uploaded, or checked by
    `check_evidence`): open|reopened → responded."""
    existing = existing_step(token)
    if existing is not None:
        return existing
    if action.status not in (ActionStatus.OPEN, ActionStatus.REOPENED):
        raise ActionError(_l("This action is not waiting for a response."))
    _check_comment(comment, required=_l("Write what was done."))
    limit = current_app.config["AUDIT_MAX_PHOTOS_PER_ANSWER"]
    photos = [photo for photo in photos if photo and photo.filename]
    if len(photos) > limit:
        raise ActionError(_l("At most %(limit)d photos.", limit=limit), "photos")
    if action.item.photo_required and not photos:
        raise ActionError(_l("This item needs a photo as evidence."), "photos")
    now = now or utcnow()
    step = ActionStep(
        action=action,
        kind=StepKind.RESPONDED,
        comment=comment,
        actor_id=actor.id,
        at=now,
        submission_token=token or None,
    )
    db.session.add(step)
    db.session.flush()
    _save_evidence(step, photos, actor=actor)
    action.status = ActionStatus.RESPONDED
    action.responded_at = now
    db.session.flush()
    activity.record(
        "action.respond", action, actor=actor, details={"photos": len(photos), "comment": comment}
    )
    notifications.notify_supervisors_of(
        action.dealer_id,
        "action.responded",
        link=_link(action),
        dealer=str(action.dealer),
        id=action.id,
        item=action.item.code,
    )
    return step


def check_evidence(photos: Sequence[FileStorage]) -> list[storage.CheckedUpload]:
    """Evidence photos checked and decoded before anything is written, with no transaction
    open, so that the seconds large photos take hold no lock (`photos.check_photos`, S20).
    Objects the caller loaded are expired and load again when next used."""
    try:
        return check_photos(photos, lambda limit: _l("At most %(limit)d photos.", limit=limit))
    except storage.UploadRejected as rejected:
        raise ActionError(str(rejected), "photos") from None


def _save_evidence(
    step: ActionStep, photos: Sequence[FileStorage | storage.CheckedUpload], *, actor: User
) -> None:
    """All photos or none: a rejected one removes the bytes of those already stored."""
    saved: list[Attachment] = []
    for photo in photos:
        try:
            saved.append(
                storage.save_upload(
                    photo,
                    owner_type=ACTION_EVIDENCE,
                    owner_id=step.id,
                    dealer_id=step.action.dealer_id,
                    uploaded_by=actor,
                    allowed=storage.IMAGES,
                )
            )
        except storage.UploadRejected as rejected:
            for attachment in saved:
                storage.backend().delete(attachment.storage_key)
            raise ActionError(
                _l("%(file)s: %(problem)s", file=photo.filename, problem=str(rejected)), "photos"
            ) from None


def verify(
    action: CorrectiveAction, *, comment: str, actor: User, now: datetime | None = None
) -> None:
    """Staff checked the fix: responded → verified (closed)."""
    if action.status != ActionStatus.RESPONDED:
        raise ActionError(_l("Only responded actions can be verified."))
    _check_comment(comment)
    now = now or utcnow()
    action.status = ActionStatus.VERIFIED
    action.verified_at = now
    action.verified_by_id = actor.id
    db.session.add(
        ActionStep(
            action=action, kind=StepKind.VERIFIED, comment=comment, actor_id=actor.id, at=now
        )
    )
    db.session.flush()
    activity.record("action.verify", action, actor=actor, details={"comment": comment})
    notifications.notify_dealer(
        action.dealer_id,
        "action.verified",
        link=_link(action),
        id=action.id,
        item=action.item.code,
    )


def reopen(
    action: CorrectiveAction,
    *,
    comment: str,
    due_on: date | None,
    actor: User,
    now: datetime | None = None,
) -> None:
    """The fix is not good enough: responded → reopened, with a reason and maybe a new date."""
    if action.status != ActionStatus.RESPONDED:
        raise ActionError(_l("Only responded actions can be reopened."))
    _check_comment(comment, required=_l("Say why the action is reopened."))
    now = now or utcnow()
    if due_on is not None and due_on < now.date():
        raise ActionError(_l("Choose today or a later date."), "due_on")
    action.status = ActionStatus.REOPENED
    if due_on is not None:
        action.due_on = due_on
    db.session.add(
        ActionStep(
            action=action,
            kind=StepKind.REOPENED,
            comment=comment,
            due_on=due_on,
            actor_id=actor.id,
            at=now,
        )
    )
    db.session.flush()
    activity.record(
        "action.reopen", action, actor=actor, details={"comment": comment, "due_on": due_on}
    )
    notifications.notify_dealer(
        action.dealer_id,
        "action.reopened",
        link=_link(action),
        id=action.id,
        item=action.item.code,
        comment=comment[:200],
    )


def evidence_of(steps: Iterable[ActionStep]) -> dict[int, list[Attachment]]:
    """Each step's evidence photos (one query)."""
    ids = [step.id for step in steps]
    by_step: dict[int, list[Attachment]] = defaultdict(list)
    if ids:
        rows = db.session.scalars(
            select(Attachment)
            .where(Attachment.owner_type == ACTION_EVIDENCE, Attachment.owner_id.in_(ids))
            .order_by(Attachment.id)
        )
        for attachment in rows:
            by_step[attachment.owner_id].append(attachment)
    return by_step
