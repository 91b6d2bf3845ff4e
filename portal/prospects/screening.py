"""A prospect's screening: the published screening standard's criteria (capital, experience in
the category, premises, team, local reputation, credit…), each answered pass, fail or not
applicable with a note and documents, scored by the audits' one scoring rule
(`portal.audits.scoring`: weights, critical criteria, grade bands).

The standard is an ordinary audit standard whose purpose is screening: admins build, version
and publish it on the Standards pages; a prospect answers the version current when its
screening started, whatever is published later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import activity, storage
from portal.access.prospects import ANSWER_DOCUMENT
from portal.audits.scoring import RESULTS, Score, ScoredItem, bands_from_config, score
from portal.extensions import db
from portal.models import (
    AnswerResult,
    Attachment,
    Prospect,
    ProspectAction,
    ProspectAnswer,
    ProspectStatus,
    Standard,
    StandardPurpose,
    StandardVersion,
    User,
    VersionStatus,
)
from portal.models.base import utcnow
from portal.prospects.services import PROSPECTS, ProspectError

NOTE_MAX = 2000
DOCUMENTS_MAX = 6  # per criterion


def grade_bands():
    return bands_from_config(current_app.config["SCREENING_GRADE_BANDS"])


def current_screening_version() -> StandardVersion | None:
    """The latest published version of the active screening standards (the newest one)."""
    return db.session.scalar(
        select(StandardVersion)
        .join(Standard, Standard.id == StandardVersion.standard_id)
        .where(
            Standard.purpose == StandardPurpose.SCREENING,
            Standard.active.is_(True),
            StandardVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(StandardVersion.published_at.desc(), StandardVersion.id.desc())
        .limit(1)
    )


def start(prospect: Prospect, *, actor: User, comment: str = "") -> None:
    """contacted → screening: lay out the current screening standard's criteria, unanswered."""
    PROSPECTS.check(prospect, ProspectAction.SCREEN)
    version = current_screening_version()
    if version is None:
        raise ProspectError(
            _l("No screening standard is published yet: an admin publishes one under Standards.")
        )
    prospect.standard_version_id = version.id
    prospect.answers = [ProspectAnswer(item_id=item.id) for item in version.items]
    PROSPECTS.move(prospect, ProspectAction.SCREEN, actor=actor, comment=comment)


def score_of(prospect: Prospect) -> Score | None:
    """The screening's score once every criterion is answered (None before)."""
    answers = prospect.answers
    if not answers or any(answer.result is None for answer in answers):
        return None
    items = [ScoredItem(a.item_id, a.item.weight, a.item.critical) for a in answers]
    return score({a.item_id: a.result.value for a in answers}, items, grade_bands())


def save_answers(
    prospect: Prospect,
    values: Mapping[int, tuple[str, str]],
    *,
    actor: User,
    now: datetime | None = None,
) -> int:
    """Set criteria's results ("pass", "fail", "na" or "" for none yet) and notes, while the
    prospect is in screening; keeps the score when every criterion is answered."""
    if prospect.status != ProspectStatus.SCREENING:
        raise ProspectError(_l("The screening can be changed only while the prospect is in it."))
    now = now or utcnow()
    changed = 0
    for answer in prospect.answers:
        if answer.item_id not in values:
            continue
        result, note = values[answer.item_id]
        result, note = (result or "").strip(), (note or "").strip()
        if result and result not in RESULTS:
            raise ProspectError(_l("Choose pass, fail or not applicable."), "answers")
        if result == AnswerResult.NA and not answer.item.na_allowed:
            raise ProspectError(
                _l("“%(item)s” cannot be marked not applicable.", item=answer.item.label),
                "answers",
            )
        if len(note) > NOTE_MAX:
            raise ProspectError(_l("Keep notes under %(max)d characters.", max=NOTE_MAX), "answers")
        new_result = AnswerResult(result) if result else None
        if (new_result, note) != (answer.result, answer.note):
            answer.result, answer.note = new_result, note
            answer.answered_at, answer.answered_by_id = now, actor.id
            changed += 1
    if changed:
        _keep_score(prospect)
        prospect.updated_at = now
        db.session.flush()
        activity.record(
            "prospect.screening",
            prospect,
            actor=actor,
            details={"answers": changed, "score": prospect.screening_score},
        )
    return changed


def _keep_score(prospect: Prospect) -> None:
    result = score_of(prospect)
    prospect.screening_score = result.percentage if result else None
    prospect.screening_grade = result.grade if result else ""
    prospect.screening_passed = result.passed if result else None


def add_documents(
    prospect: Prospect,
    answer: ProspectAnswer,
    uploads: Sequence[storage.CheckedUpload],
    *,
    actor: User,
    existing: int = 0,
) -> list[Attachment]:
    """Attach checked files (PDF or photos) to one criterion's answer."""
    if prospect.status != ProspectStatus.SCREENING or answer.prospect_id != prospect.id:
        raise ProspectError(_l("The screening can be changed only while the prospect is in it."))
    if existing + len(uploads) > DOCUMENTS_MAX:
        raise ProspectError(
            _l("At most %(max)d documents per criterion.", max=DOCUMENTS_MAX), "answers"
        )
    saved = [
        storage.save_upload(
            upload,
            owner_type=ANSWER_DOCUMENT,
            owner_id=answer.id,
            dealer_id=None,
            uploaded_by=actor,
        )
        for upload in uploads
    ]
    if saved:
        activity.record(
            "prospect.document",
            prospect,
            actor=actor,
            details={"item": answer.item.code, "files": [a.filename for a in saved]},
        )
    return saved


def documents_of(prospect: Prospect) -> dict[int, list[Attachment]]:
    """answer id -> its documents, in one query."""
    ids = [answer.id for answer in prospect.answers]
    found: dict[int, list[Attachment]] = defaultdict(list)
    if not ids:
        return found
    for attachment in db.session.scalars(
        select(Attachment)
        .where(Attachment.owner_type == ANSWER_DOCUMENT, Attachment.owner_id.in_(ids))
        .order_by(Attachment.id)
    ):
        found[attachment.owner_id].append(attachment)
    return found


def screening_problems(prospect: Prospect) -> list[Any]:
    """Why the screening does not let the prospect go on to the site visit (empty if it does)."""
    open_items = sum(1 for answer in prospect.answers if answer.result is None)
    if not prospect.answers or open_items:
        return [_l("Answer every screening criterion first.")]
    if not prospect.screening_passed:
        return [_l("The screening did not pass: the prospect can only be lost.")]
    return []


def finish_visit(prospect: Prospect, *, actor: User, comment: str) -> None:
    """screening → site visit: the screening must be complete and passed; the comment says
    what the visit found."""
    PROSPECTS.check(prospect, ProspectAction.VISIT)
    problems = screening_problems(prospect)
    if problems:
        raise ProspectError(problems[0])
    PROSPECTS.move(prospect, ProspectAction.VISIT, actor=actor, comment=comment)
