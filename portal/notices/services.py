"""Authoring notices: drafts, publication, typo fixes, material changes, archiving.

Each function validates what forms cannot, flushes, logs and never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from portal import activity, clock, notifications, richtext, storage
from portal.access import notices as notice_access
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    Dealer,
    Notice,
    NoticeKind,
    NoticeStatus,
    NoticeVersion,
    Role,
    User,
)
from portal.models.base import utcnow
from portal.notices import files as notice_files
from portal.notices import rules
from portal.notices.rules import NoticeError

__all__ = [
    "NoticeError",
    "archive",
    "authoring_history",
    "correct_typo",
    "create_notice",
    "delete_draft",
    "make_material_change",
    "notice_path",
    "publish",
    "update_draft",
]

notifications.register_kind(
    "notice.policy_published",
    _l("New policy: %(title)s. Read and acknowledge it by %(due)s."),
)
notifications.register_kind(
    "notice.promotion_published",
    _l(
        "New promotion: %(title)s. Acknowledge it by %(due)s and confirm execution "
        "in your stores by %(deadline)s."
    ),
)
notifications.register_kind(
    "notice.changed",
    _l(
        "%(title)s has changed (version %(version)s); read and acknowledge it again. "
        "What changed: %(note)s"
    ),
)


def notice_path(notice: Notice) -> str:
    """The notice's page, for notification links (built without a request)."""
    return f"/notices/{notice.id}"


# Creating and editing drafts


def create_notice(
    values: Mapping[str, Any],
    *,
    author: User,
    files: Sequence[FileStorage | storage.CheckedUpload] = (),
    token: str | None = None,
) -> tuple[Notice, bool]:
    """A new draft. Returns (notice, created); a repeated form token returns the first one."""
    if token:
        existing = db.session.scalar(select(Notice).where(Notice.submission_token == token))
        if existing is not None:
            return existing, False
    kind = NoticeKind(values["kind"])
    notice = Notice(kind=kind, created_by=author, submission_token=token or None)
    _apply_content(notice, values)
    rules.apply_audience(notice, values, author)
    try:
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError:
        # The same form was submitted concurrently and the other request got in first.
        existing = db.session.scalar(select(Notice).where(Notice.submission_token == token))
        if token and existing is not None:
            return existing, False
        raise
    rules.check_stores_in_audience(notice)
    notice_files.add_files(notice, files, author, version=1)
    activity.record("notice.create", notice, actor=author, details=_summary(notice))
    return notice, True


def update_draft(
    notice: Notice,
    values: Mapping[str, Any],
    *,
    actor: User,
    files: Sequence[FileStorage | storage.CheckedUpload] = (),
    remove_file_ids: Collection[int] = (),
) -> dict[str, Any]:
    """Change a draft freely (nobody has seen it yet)."""
    if not notice.is_draft:
        raise NoticeError("title", _l("Only drafts can be edited this way."))
    changed = _apply_content(notice, values)
    changed.update(rules.apply_audience(notice, values, actor))
    db.session.flush()
    rules.check_stores_in_audience(notice)
    removed = notice_files.remove_unpublished(notice, remove_file_ids)
    added = notice_files.add_files(notice, files, actor, version=notice.current_version + 1)
    if removed or added:
        changed["files"] = {"added": added, "removed": removed}
    if changed:
        activity.record("notice.update", notice, actor=actor, details=changed)
    return changed


def delete_draft(notice: Notice, *, actor: User) -> None:
    if not notice.is_draft or notice.current_version:
        raise NoticeError("status", _l("Only drafts that were never published can be deleted."))
    activity.record("notice.delete", notice, actor=actor, details=_summary(notice))
    notice_files.delete_all(notice)
    db.session.delete(notice)
    db.session.flush()


# Publication and later changes


def publish(notice: Notice, *, actor: User, today: date | None = None) -> NoticeVersion:
    """Draft → published as version 1; the audience is told."""
    if not notice.is_draft:
        raise NoticeError("status", _l("This notice is already published."))
    today = today or clock.today()
    rules.check_publishable(notice, today)
    notice.body_html = _rendered_body(notice, notice.body)
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = utcnow()
    version = _new_version(notice, actor=actor, today=today, change_note="")
    kind = "notice.promotion_published" if notice.is_promotion else "notice.policy_published"
    _notify_audience(
        notice,
        kind,
        title=notice.title,
        due=version.acknowledge_due_on.isoformat(),
        deadline=notice.execution_deadline.isoformat() if notice.execution_deadline else "",
    )
    activity.record("notice.publish", notice, actor=actor, details=_summary(notice))
    return version


def correct_typo(notice: Notice, values: Mapping[str, Any], *, actor: User) -> dict[str, Any]:
    """Fix wording of the current version: same version, nobody acknowledges again, logged."""
    _check_published(notice)
    wanted = {**rules.clean_content(notice.kind, values), **rules.clean_audience(values, notice)}
    current = {**rules.content_values(notice), **rules.audience_values(notice)}
    if any(wanted[k] != current[k] for k in wanted if k not in rules.TYPO_FIELDS):
        raise NoticeError(
            "change",
            _l(
                "A typo fix may only correct the title and the text. To change dates, "
                "audience, stores or files, make a material change."
            ),
        )
    html = _rendered_body(notice, wanted["body"])
    changed = activity.apply_changes(notice, {k: wanted[k] for k in rules.TYPO_FIELDS})
    if not changed:
        return {}
    notice.body_html = html
    version = notice.versions[-1]
    version.title, version.body, version.body_html = notice.title, notice.body, html
    version.corrections += 1
    version.corrected_at = utcnow()
    db.session.flush()
    activity.record(
        "notice.correct",
        notice,
        actor=actor,
        details={"version": version.number, **changed},
    )
    return changed


def make_material_change(
    notice: Notice,
    values: Mapping[str, Any],
    *,
    actor: User,
    change_note: str,
    files: Sequence[FileStorage | storage.CheckedUpload] = (),
    remove_file_ids: Collection[int] = (),
    today: date | None = None,
) -> NoticeVersion:
    """A new version of a published notice that the whole audience acknowledges again."""
    _check_published(notice)
    change_note = (change_note or "").strip()
    if not change_note:
        raise NoticeError("change_note", _l("Say what changed: dealers see it with the notice."))
    today = today or clock.today()
    changed = _apply_content(notice, values)
    changed.update(rules.apply_audience(notice, values, actor))
    db.session.flush()
    rules.check_stores_in_audience(notice)
    number = notice.current_version + 1
    removed = notice_files.retire(notice, remove_file_ids, number)
    added = notice_files.add_files(notice, files, actor, version=number)
    if not (changed or removed or added):
        raise NoticeError("change", _l("Nothing was changed."))
    rules.check_publishable(notice, today)
    version = _new_version(notice, actor=actor, today=today, change_note=change_note)
    _notify_audience(notice, "notice.changed", title=notice.title, version=number, note=change_note)
    details = {"version": number, "note": change_note, **changed}
    if removed or added:
        details["files"] = {"added": added, "removed": removed}
    activity.record("notice.revise", notice, actor=actor, details=details)
    return version


def archive(notice: Notice, *, actor: User) -> bool:
    """Published → archived: no more answers are taken. False when already archived."""
    if notice.status == NoticeStatus.ARCHIVED:
        return False
    _check_published(notice)
    notice.status = NoticeStatus.ARCHIVED
    notice.archived_at = utcnow()
    db.session.flush()
    activity.record(
        "notice.archive", notice, actor=actor, details={"version": notice.current_version}
    )
    return True


AUTHORING_ACTIONS = (
    "notice.create",
    "notice.update",
    "notice.publish",
    "notice.correct",
    "notice.revise",
    "notice.archive",
)


def authoring_history(notice: Notice, limit: int = 100) -> list[ActivityEntry]:
    """Who wrote, published and changed the notice (dealers' answers are on the tracking page,
    where they are limited to the dealers the viewer may see)."""
    query = (
        select(ActivityEntry)
        .where(
            ActivityEntry.object_type == activity.object_type_of(notice),
            ActivityEntry.object_id == notice.id,
            ActivityEntry.action.in_(AUTHORING_ACTIONS),
        )
        .order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# Helpers


def _check_published(notice: Notice) -> None:
    if not notice.is_published:
        raise NoticeError("status", _l("Only published notices can be changed this way."))


def _apply_content(notice: Notice, values: Mapping[str, Any]) -> dict[str, Any]:
    content = rules.clean_content(notice.kind, values)
    html = _rendered_body(notice, content["body"])
    changed = activity.apply_changes(notice, content)
    notice.body_html = html
    return changed


def _rendered_body(notice: Notice, body: str) -> str:
    """The body's HTML, rendered (bounded) only when the text changed: done before anything
    is changed, so a refused text leaves the notice as it was."""
    if body == notice.body and notice.body_html:
        return notice.body_html
    try:
        return richtext.render(body)
    except richtext.RichTextError as error:
        raise NoticeError("body", error.message) from None


def _new_version(notice: Notice, *, actor: User, today: date, change_note: str) -> NoticeVersion:
    notice.current_version += 1
    notice.acknowledge_due_on = today + timedelta(days=notice.acknowledge_days)
    version = NoticeVersion(
        number=notice.current_version,
        title=notice.title,
        body=notice.body,
        body_html=notice.body_html,
        effective_from=notice.effective_from,
        effective_to=notice.effective_to,
        promotion_start=notice.promotion_start,
        promotion_end=notice.promotion_end,
        execution_deadline=notice.execution_deadline,
        acknowledge_due_on=notice.acknowledge_due_on,
        change_note=change_note,
        published_by=actor,
    )
    notice.versions.append(version)
    db.session.flush()
    return version


def _notify_audience(notice: Notice, kind: str, **params: Any) -> int:
    users = db.session.scalars(
        select(User)
        .join(Dealer, User.dealer_id == Dealer.id)
        .join(Notice, notice_access.reaches())
        .where(
            Notice.id == notice.id,
            User.active.is_(True),
            User.role == Role.DEALER,
            notifications.people(),
        )
    )
    return notifications.notify_users(users, kind, link=notice_path(notice), **params)


def _summary(notice: Notice) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "version": notice.current_version,
        "audience": notice.audience,
        "audience_kind": notice.audience_kind,
        "regions": [r.code for r in notice.regions],
        "dealers": [d.code for d in notice.dealers],
        "stores": [s.code for s in notice.stores],
    }
