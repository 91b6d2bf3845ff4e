"""Audits: schedule, start, answer, complete, acknowledge.

Services take plain values and model instances, flush, log, notify, never commit; they
raise `AuditError` with a message for the form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from portal import activity, notifications, storage
from portal.access.audits import ANSWER_PHOTO
from portal.audits import corrective
from portal.audits.scoring import Score, ScoredItem, bands_from_config, score
from portal.extensions import db
from portal.models import (
    AnswerResult,
    Attachment,
    Audit,
    AuditAnswer,
    AuditKind,
    AuditStatus,
    CorrectiveAction,
    Standard,
    StandardItem,
    StandardVersion,
    User,
    VersionStatus,
)
from portal.models.base import utcnow

NOTE_MAX = 2000

notifications.register_counted_kind(
    "audit.completed",
    lambda params: ngettext(
        "The audit of %(store)s is complete: %(score)s%% (%(grade)s), %(num)s item to fix.",
        "The audit of %(store)s is complete: %(score)s%% (%(grade)s), %(num)s items to fix.",
        int(params["actions"]),
        **params,
    ),
)
notifications.register_kind(
    "audit.acknowledged", _l("%(dealer)s acknowledged the audit of %(store)s.")
)


class AuditError(ValueError):
    """A change the audits area refuses; `field` names the form field, if any."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Problem:
    item_id: int | None
    message: Any


class AnswerConflict(AuditError):
    """The answer changed elsewhere since the version the change was made on."""

    def __init__(self) -> None:
        super().__init__(_l("This item was changed on another device since this one last saw it."))


class AuditIncomplete(AuditError):
    """Completion refused: the problems say which items need attention."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_l("The audit cannot be completed yet."))
        self.problems = problems


def grade_bands():
    return bands_from_config(current_app.config["AUDIT_GRADE_BANDS"])


def path_for(endpoint: str, **values: Any) -> str:
    """A site-relative URL, also without a request (the demo seeds from the command line)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def link_to_audit(audit: Audit) -> str:
    return path_for("audits.detail", audit_id=audit.id)


def current_version_of(standard: Standard) -> StandardVersion | None:
    return db.session.scalar(
        select(StandardVersion)
        .where(
            StandardVersion.standard_id == standard.id,
            StandardVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(StandardVersion.number.desc())
        .limit(1)
    )


# Conducting


def failed_item_ids(audit: Audit) -> list[int]:
    return [a.item_id for a in audit.answers if a.result == AnswerResult.FAIL]


def start(
    audit: Audit, *, actor: User, now: datetime | None = None, version_id: int | None = None
) -> None:
    """scheduled → in_progress: bind the standard version and lay out unanswered items.

    `version_id` is the version an offline copy was conducted on: bound when it is a published
    (so frozen) version of the audit's standard, else the current version is."""
    if audit.status != AuditStatus.SCHEDULED:
        raise AuditError(_l("This audit has already started."))
    if audit.kind == AuditKind.FOLLOW_UP and audit.follow_up_of is not None:
        item_ids = failed_item_ids(audit.follow_up_of)
    else:
        version = _published_version(audit, version_id) or current_version_of(audit.standard)
        if version is None:
            raise AuditError(_l("The standard has no published version."))
        audit.standard_version_id = version.id
        item_ids = [item.id for item in version.items]
    audit.status = AuditStatus.IN_PROGRESS
    audit.started_at = now or utcnow()
    audit.answers = [AuditAnswer(item_id=item_id) for item_id in item_ids]
    db.session.flush()
    activity.record("audit.start", audit, actor=actor, details={"items": len(item_ids)})


def _published_version(audit: Audit, version_id: int | None) -> StandardVersion | None:
    if version_id is None:
        return None
    return db.session.scalar(
        select(StandardVersion).where(
            StandardVersion.id == version_id,
            StandardVersion.standard_id == audit.standard_id,
            StandardVersion.status == VersionStatus.PUBLISHED,
        )
    )


def planned_answers(audit: Audit) -> tuple[StandardVersion | None, list[AuditAnswer]]:
    """What starting a scheduled audit would lay out, without starting it: the version it
    would bind and unanswered, unsaved answers for its items (the offline copy of the page)."""
    if audit.status != AuditStatus.SCHEDULED:
        return audit.standard_version, list(audit.answers)
    if audit.kind == AuditKind.FOLLOW_UP and audit.follow_up_of is not None:
        version = audit.standard_version
        wanted = set(failed_item_ids(audit.follow_up_of))
    else:
        version = current_version_of(audit.standard)
        wanted = None
    if version is None:
        return None, []
    items = [item for item in version.items if wanted is None or item.id in wanted]
    # Not added to the session (no audit set): nothing here is ever written.
    return version, [
        AuditAnswer(item_id=item.id, item=item, result=None, note="", version=1) for item in items
    ]


def load_for_page(audit: Audit, *, answers: bool = True) -> None:
    """Everything an audit's pages and PDF show, in a few queries (none from templates)."""
    options = [
        joinedload(Audit.store),
        joinedload(Audit.standard),
        joinedload(Audit.standard_version),
        joinedload(Audit.auditor),
        joinedload(Audit.acknowledged_by),
        joinedload(Audit.follow_up_of),
        selectinload(Audit.actions).joinedload(CorrectiveAction.item),
    ]
    if answers:
        options.append(selectinload(Audit.answers).joinedload(AuditAnswer.item))
    db.session.scalars(select(Audit).where(Audit.id == audit.id).options(*options)).all()


def answer_for(audit: Audit, item_id: int) -> AuditAnswer | None:
    return next((a for a in audit.answers if a.item_id == item_id), None)


def _require_in_progress(audit: Audit) -> None:
    if audit.status == AuditStatus.SCHEDULED:
        raise AuditError(_l("Start the audit before answering."))
    if audit.status != AuditStatus.IN_PROGRESS:
        raise AuditError(_l("This audit is completed: its answers can no longer change."))


def save_answer(
    audit: Audit,
    answer: AuditAnswer,
    *,
    result: AnswerResult | None,
    note: str,
    actor: User,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> bool:
    """Record one item's answer as it is given; returns whether anything changed.

    With `expected_version` (the version the auditor's page showed), a change made on an
    older version raises AnswerConflict, unless it would leave the answer as it is now.
    """
    _require_in_progress(audit)
    if answer.audit_id != audit.id:
        raise AuditError(_l("This item is not part of the audit."))
    same = (answer.result, answer.note or "") == (result, note)
    if expected_version is not None and expected_version != answer.version and not same:
        raise AnswerConflict()
    if result == AnswerResult.NA and not answer.item.na_allowed:
        raise AuditError(_l("N/A is not allowed for this item."), "result")
    if len(note) > NOTE_MAX:
        raise AuditError(_l("At most %(limit)d characters.", limit=NOTE_MAX), "note")
    changed = activity.apply_changes(answer, {"result": result, "note": note})
    if changed:
        answer.answered_at = now or utcnow()
        answer.answered_by_id = actor.id
        activity.record(
            "audit.answer", audit, actor=actor, details={"item": answer.item.code, **changed}
        )
    return bool(changed)


def photos_of(answers: Iterable[AuditAnswer]) -> dict[int, list[Attachment]]:
    """Each answer's photos, in upload order (one query)."""
    ids = [a.id for a in answers]
    by_answer: dict[int, list[Attachment]] = defaultdict(list)
    if ids:
        rows = db.session.scalars(
            select(Attachment)
            .where(Attachment.owner_type == ANSWER_PHOTO, Attachment.owner_id.in_(ids))
            .order_by(Attachment.id)
        )
        for attachment in rows:
            by_answer[attachment.owner_id].append(attachment)
    return by_answer


def add_photo(
    audit: Audit,
    answer: AuditAnswer,
    upload: FileStorage | storage.CheckedUpload,
    *,
    actor: User,
) -> Attachment:
    _require_in_progress(audit)
    limit = current_app.config["AUDIT_MAX_PHOTOS_PER_ANSWER"]
    if len(photos_of([answer])[answer.id]) >= limit:
        raise AuditError(_l("At most %(limit)d photos per item.", limit=limit), "photo")
    try:
        attachment = storage.save_upload(
            upload,
            owner_type=ANSWER_PHOTO,
            owner_id=answer.id,
            dealer_id=audit.dealer_id,
            uploaded_by=actor,
            allowed=storage.IMAGES,
        )
    except storage.UploadRejected as rejected:
        raise AuditError(str(rejected), "photo") from None
    activity.record(
        "audit.add_photo",
        audit,
        actor=actor,
        details={"item": answer.item.code, "file": attachment.id},
    )
    return attachment


def remove_photo(audit: Audit, attachment: Attachment, *, actor: User) -> None:
    _require_in_progress(audit)
    answer = db.session.get(AuditAnswer, attachment.owner_id or 0)
    if attachment.owner_type != ANSWER_PHOTO or answer is None or answer.audit_id != audit.id:
        raise AuditError(_l("This photo is not part of the audit."))
    activity.record(
        "audit.remove_photo",
        audit,
        actor=actor,
        details={"item": answer.item.code, "file": attachment.id},
    )
    storage.discard(attachment)
    db.session.flush()


def completion_problems(audit: Audit) -> list[Problem]:
    photos = photos_of(audit.answers)
    problems = []
    for answer in audit.answers:
        item = answer.item
        if answer.result is None:
            problems.append(Problem(item.id, _l("%(code)s has no answer yet.", code=item.code)))
        elif answer.result == AnswerResult.FAIL and item.photo_required and not photos[answer.id]:
            problems.append(
                Problem(item.id, _l("%(code)s failed and needs a photo.", code=item.code))
            )
    if not audit.answers:
        problems.append(Problem(None, _l("This audit has no items.")))
    return problems


def score_of(audit: Audit) -> Score:
    answers = {a.item_id: a.result.value for a in audit.answers if a.result is not None}
    items = [ScoredItem(a.item_id, a.item.weight, a.item.critical) for a in audit.answers]
    return score(answers, items, grade_bands())


def complete(audit: Audit, *, summary: str, actor: User, now: datetime | None = None) -> Score:
    """in_progress → completed: freeze answers and score, open an action per failed item."""
    _require_in_progress(audit)
    problems = completion_problems(audit)
    if problems:
        raise AuditIncomplete(problems)
    if len(summary) > NOTE_MAX:
        raise AuditError(_l("At most %(limit)d characters.", limit=NOTE_MAX), "summary")
    result = score_of(audit)
    now = now or utcnow()
    repeat_codes = {
        code
        for code, answer in previous_answers(audit).items()
        if answer.result == AnswerResult.FAIL
    }
    audit.status = AuditStatus.COMPLETED
    audit.completed_at = now
    audit.summary = summary
    audit.score = result.percentage
    audit.grade = result.grade
    audit.passed = result.passed
    audit.critical_failed = result.critical_failed
    db.session.flush()
    opened = corrective.open_actions(audit, repeat_codes=repeat_codes, opened_on=now.date())
    activity.record(
        "audit.complete",
        audit,
        actor=actor,
        details={"score": result.percentage, "grade": result.grade, "actions": len(opened)},
    )
    notifications.notify_dealer(
        audit.dealer_id,
        "audit.completed",
        link=link_to_audit(audit),
        store=str(audit.store),
        score=str(result.percentage),
        grade=result.grade,
        actions=len(opened),
    )
    return result


def acknowledge(audit: Audit, *, comment: str, actor: User, now: datetime | None = None) -> None:
    if audit.status != AuditStatus.COMPLETED:
        raise AuditError(_l("Only completed audits can be acknowledged."))
    if audit.acknowledged_at is not None:
        raise AuditError(_l("This audit is already acknowledged."))
    if len(comment) > NOTE_MAX:
        raise AuditError(_l("At most %(limit)d characters.", limit=NOTE_MAX), "comment")
    audit.acknowledged_at = now or utcnow()
    audit.acknowledged_by_id = actor.id
    audit.acknowledgement = comment
    db.session.flush()
    activity.record("audit.acknowledge", audit, actor=actor, details={"comment": comment})
    notifications.notify_supervisors_of(
        audit.dealer_id,
        "audit.acknowledged",
        link=link_to_audit(audit),
        dealer=str(audit.dealer),
        store=str(audit.store),
    )


# History


def previous_audit(audit: Audit) -> Audit | None:
    """The store's last completed audit on the same standard before this one.

    Only audits of the same dealer count: a store that changed hands does not show the
    previous owner's findings to the new one.
    """
    query = select(Audit).where(
        Audit.store_id == audit.store_id,
        Audit.dealer_id == audit.dealer_id,
        Audit.standard_id == audit.standard_id,
        Audit.status == AuditStatus.COMPLETED,
        Audit.id != audit.id,
    )
    if audit.completed_at is not None:
        query = query.where(Audit.completed_at < audit.completed_at)
    return db.session.scalar(query.order_by(Audit.completed_at.desc(), Audit.id.desc()).limit(1))


def previous_answers(audit: Audit) -> dict[str, AuditAnswer]:
    """Answers of the previous audit, by item code (codes are stable across versions)."""
    previous = previous_audit(audit)
    if previous is None:
        return {}
    rows = db.session.execute(
        select(StandardItem.code, AuditAnswer)
        .join(AuditAnswer, AuditAnswer.item_id == StandardItem.id)
        .where(AuditAnswer.audit_id == previous.id)
    )
    return {row[0]: row[1] for row in rows}
