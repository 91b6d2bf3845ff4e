"""Authoring notices: drafts, publication, typo fixes, material changes, archiving.

Each function validates what forms cannot, flushes, logs and never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import activity, notifications, storage
from portal.access import notices as notice_access
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    Audience,
    Dealer,
    DealerKind,
    Notice,
    NoticeFile,
    NoticeKind,
    NoticeStatus,
    NoticeVersion,
    Region,
    Role,
    Store,
    User,
)
from portal.models.base import utcnow

CONTENT_FIELDS = (
    "title",
    "body",
    "effective_from",
    "effective_to",
    "acknowledge_days",
    "promotion_start",
    "promotion_end",
    "execution_deadline",
)
PROMOTION_FIELDS = ("promotion_start", "promotion_end", "execution_deadline")
TYPO_FIELDS = ("title", "body")
AUDIENCE_FIELDS = ("audience", "audience_kind", "region_ids", "dealer_ids", "store_ids")
MAX_FILES = 10

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
    _l("%(title)s has changed (version %(version)s): %(note)s. Read and acknowledge it again."),
)


class NoticeError(ValueError):
    """A change refused; `field` names the form field to show the message on."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(message)  # kept lazy: translated when shown, in the reader's language
        self.field = field
        self.message = message


def notice_path(notice: Notice) -> str:
    """The notice's page, for notification links (built without a request)."""
    return f"/notices/{notice.id}"


# Creating and editing drafts


def create_notice(
    values: Mapping[str, Any],
    *,
    author: User,
    files: Sequence[FileStorage] = (),
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
    _apply_audience(notice, values, author)
    db.session.add(notice)
    db.session.flush()
    _check_stores_in_audience(notice)
    _add_files(notice, files, author, version=1)
    activity.record("notice.create", notice, actor=author, details=_summary(notice))
    return notice, True


def update_draft(
    notice: Notice,
    values: Mapping[str, Any],
    *,
    actor: User,
    files: Sequence[FileStorage] = (),
    remove_file_ids: Collection[int] = (),
) -> dict[str, Any]:
    """Change a draft freely (nobody has seen it yet)."""
    if not notice.is_draft:
        raise NoticeError("title", _l("Only drafts can be edited this way."))
    changed = _apply_content(notice, values)
    changed.update(_apply_audience(notice, values, actor))
    db.session.flush()
    _check_stores_in_audience(notice)
    removed = _remove_draft_files(notice, remove_file_ids)
    added = _add_files(notice, files, actor, version=notice.current_version + 1)
    if removed or added:
        changed["files"] = {"added": added, "removed": removed}
    if changed:
        activity.record("notice.update", notice, actor=actor, details=changed)
    return changed


def delete_draft(notice: Notice, *, actor: User) -> None:
    if not notice.is_draft or notice.current_version:
        raise NoticeError("status", _l("Only drafts that were never published can be deleted."))
    activity.record("notice.delete", notice, actor=actor, details=_summary(notice))
    for notice_file in list(notice.files):
        attachment = notice_file.attachment
        db.session.delete(notice_file)
        db.session.flush()
        storage.discard(attachment)
    db.session.delete(notice)
    db.session.flush()


# Publication and later changes


def publish(notice: Notice, *, actor: User, today: date | None = None) -> NoticeVersion:
    """Draft → published as version 1; the audience is told."""
    if not notice.is_draft:
        raise NoticeError("status", _l("This notice is already published."))
    today = today or utcnow().date()
    _check_publishable(notice, today)
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
    wanted = {**_clean_content(notice.kind, values), **_clean_audience(values, notice)}
    current = {**_content_values(notice), **_audience_values(notice)}
    if any(wanted[k] != current[k] for k in wanted if k not in TYPO_FIELDS):
        raise NoticeError(
            "change",
            _l(
                "A typo fix may only correct the title and the text. To change dates, "
                "audience, stores or files, make a material change."
            ),
        )
    changed = activity.apply_changes(notice, {k: wanted[k] for k in TYPO_FIELDS})
    if not changed:
        return {}
    version = notice.versions[-1]
    version.title, version.body = notice.title, notice.body
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
    files: Sequence[FileStorage] = (),
    remove_file_ids: Collection[int] = (),
    today: date | None = None,
) -> NoticeVersion:
    """A new version of a published notice that the whole audience acknowledges again."""
    _check_published(notice)
    change_note = (change_note or "").strip()
    if not change_note:
        raise NoticeError("change_note", _l("Say what changed: dealers see it with the notice."))
    today = today or utcnow().date()
    changed = _apply_content(notice, values)
    changed.update(_apply_audience(notice, values, actor))
    db.session.flush()
    _check_stores_in_audience(notice)
    number = notice.current_version + 1
    removed = _retire_files(notice, remove_file_ids, number)
    added = _add_files(notice, files, actor, version=number)
    if not (changed or removed or added):
        raise NoticeError("change", _l("Nothing was changed."))
    _check_publishable(notice, today)
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


def _content_values(notice: Notice) -> dict[str, Any]:
    return {name: getattr(notice, name) for name in CONTENT_FIELDS}


def _audience_values(notice: Notice) -> dict[str, Any]:
    return {
        "audience": notice.audience,
        "audience_kind": notice.audience_kind,
        "region_ids": sorted(r.id for r in notice.regions),
        "dealer_ids": sorted(d.id for d in notice.dealers),
        "store_ids": sorted(s.id for s in notice.stores),
    }


def _clean_content(kind: NoticeKind, values: Mapping[str, Any]) -> dict[str, Any]:
    """The content fields as they would be stored, validated (promotion dates only for
    promotions)."""
    content = {name: values.get(name) for name in CONTENT_FIELDS}
    content["title"] = (content["title"] or "").strip()
    content["body"] = (content["body"] or "").strip()
    if not content["title"]:
        raise NoticeError("title", _l("Give the notice a title."))
    if not content["body"]:
        raise NoticeError("body", _l("Write the text of the notice."))
    days = content["acknowledge_days"] or 7
    if not 1 <= int(days) <= 90:
        raise NoticeError("acknowledge_days", _l("Between 1 and 90 days."))
    content["acknowledge_days"] = int(days)
    if kind != NoticeKind.PROMOTION:
        for name in PROMOTION_FIELDS:
            content[name] = None
    _check_dates(kind, content)
    return content


def _apply_content(notice: Notice, values: Mapping[str, Any]) -> dict[str, Any]:
    return activity.apply_changes(notice, _clean_content(notice.kind, values))


def _clean_audience(values: Mapping[str, Any], notice: Notice) -> dict[str, Any]:
    """The audience as it would be stored: only the choices that matter for its type."""
    audience = Audience(values.get("audience") or Audience.NETWORK)
    region_ids = sorted({int(i) for i in values.get("region_ids") or []})
    dealer_ids = sorted({int(i) for i in values.get("dealer_ids") or []})
    kind = values.get("audience_kind") or None
    if audience == Audience.REGIONS and not region_ids:
        raise NoticeError("region_ids", _l("Choose at least one region."))
    if audience == Audience.DEALERS and not dealer_ids:
        raise NoticeError("dealer_ids", _l("Choose at least one dealer."))
    if audience == Audience.KIND and not kind:
        raise NoticeError("audience_kind", _l("Choose a kind of dealer."))
    store_ids = sorted({int(i) for i in values.get("store_ids") or []})
    return {
        "audience": audience,
        "audience_kind": DealerKind(kind) if audience == Audience.KIND else None,
        "region_ids": region_ids if audience in (Audience.REGIONS, Audience.KIND) else [],
        "dealer_ids": dealer_ids if audience == Audience.DEALERS else [],
        "store_ids": store_ids if notice.is_promotion else [],
    }


def _apply_audience(notice: Notice, values: Mapping[str, Any], actor: User) -> dict[str, Any]:
    """Set who the notice is for, refusing what `actor` may not target (check S5)."""
    before = _audience_values(notice) if notice.id else {}
    wanted = _clean_audience(values, notice)
    problem = notice_access.targeting_problem(
        actor, wanted["audience"], wanted["region_ids"], wanted["dealer_ids"]
    )
    if problem is not None:
        field = problem if problem in ("region_ids", "dealer_ids") else "audience"
        raise NoticeError(field, _l("You can address only your own regions and their dealers."))
    notice.audience = wanted["audience"]
    notice.audience_kind = wanted["audience_kind"]
    notice.regions = _load(Region, wanted["region_ids"], "region_ids")
    notice.dealers = _load(Dealer, wanted["dealer_ids"], "dealer_ids")
    notice.stores = _load(Store, wanted["store_ids"], "store_ids")
    return {k: [before.get(k), v] for k, v in wanted.items() if before.get(k) != v}


def _check_dates(kind: NoticeKind, values: Mapping[str, Any]) -> None:
    start, end = values.get("effective_from"), values.get("effective_to")
    if start is None:
        raise NoticeError("effective_from", _l("Say from when the notice applies."))
    if end is not None and end < start:
        raise NoticeError("effective_to", _l("The notice cannot end before it starts."))
    if kind != NoticeKind.PROMOTION:
        return
    p_start, p_end = values.get("promotion_start"), values.get("promotion_end")
    deadline = values.get("execution_deadline")
    if p_start is None:
        raise NoticeError("promotion_start", _l("Say when the promotion starts."))
    if p_end is None:
        raise NoticeError("promotion_end", _l("Say when the promotion ends."))
    if p_end < p_start:
        raise NoticeError("promotion_end", _l("The promotion cannot end before it starts."))
    if deadline is None:
        raise NoticeError("execution_deadline", _l("Set a deadline for stores to confirm."))
    if deadline > p_end:
        raise NoticeError(
            "execution_deadline", _l("The deadline must fall before the promotion ends.")
        )


def _check_publishable(notice: Notice, today: date) -> None:
    if notice.effective_to is not None and notice.effective_to < today:
        raise NoticeError("effective_to", _l("This notice would already have expired."))
    if notice.is_promotion:
        if notice.promotion_end is not None and notice.promotion_end < today:
            raise NoticeError("promotion_end", _l("This promotion would already be over."))
        if notice.execution_deadline is not None and notice.execution_deadline < today:
            raise NoticeError(
                "execution_deadline", _l("The execution deadline has passed; choose a later one.")
            )


def _apply_audience(notice: Notice, values: Mapping[str, Any], actor: User) -> dict[str, Any]:
    """Set who the notice is for, refusing what `actor` may not target (check S5)."""
    before = _audience_values(notice) if notice.id else {}
    audience = Audience(values.get("audience") or Audience.NETWORK)
    region_ids = sorted({int(i) for i in values.get("region_ids") or []})
    dealer_ids = sorted({int(i) for i in values.get("dealer_ids") or []})
    kind = values.get("audience_kind") or None
    if audience == Audience.REGIONS and not region_ids:
        raise NoticeError("region_ids", _l("Choose at least one region."))
    if audience == Audience.DEALERS and not dealer_ids:
        raise NoticeError("dealer_ids", _l("Choose at least one dealer."))
    if audience == Audience.KIND and not kind:
        raise NoticeError("audience_kind", _l("Choose a kind of dealer."))
    if audience not in (Audience.REGIONS, Audience.KIND):
        region_ids = []
    if audience != Audience.DEALERS:
        dealer_ids = []
    if audience != Audience.KIND:
        kind = None
    problem = notice_access.targeting_problem(actor, audience, region_ids, dealer_ids)
    if problem is not None:
        field = problem if problem in ("region_ids", "dealer_ids") else "audience"
        raise NoticeError(field, _l("You can address only your own regions and their dealers."))
    notice.audience = audience
    notice.audience_kind = DealerKind(kind) if kind else None
    notice.regions = _load(Region, region_ids, "region_ids")
    notice.dealers = _load(Dealer, dealer_ids, "dealer_ids")
    store_ids = sorted({int(i) for i in values.get("store_ids") or []})
    notice.stores = _load(Store, store_ids, "store_ids") if notice.is_promotion else []
    after = _audience_values(notice)
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _load(model: type, ids: list[int], field: str) -> list:
    if not ids:
        return []
    rows = db.session.scalars(select(model).where(model.id.in_(ids))).all()
    if len(rows) != len(ids):
        raise NoticeError(field, _l("Choose from the list."))
    return list(rows)


def _check_stores_in_audience(notice: Notice) -> None:
    """Chosen stores must belong to dealers in the audience."""
    if not notice.stores:
        return
    ids = {s.id for s in notice.stores}
    inside = set(
        db.session.scalars(
            select(Store.id)
            .join(Dealer, Store.dealer_id == Dealer.id)
            .join(Notice, notice_access.reaches())
            .where(Notice.id == notice.id, Store.id.in_(ids))
        )
    )
    if inside != ids:
        raise NoticeError("store_ids", _l("Choose only stores of dealers in the audience."))


def _new_version(notice: Notice, *, actor: User, today: date, change_note: str) -> NoticeVersion:
    notice.current_version += 1
    notice.acknowledge_due_on = today + timedelta(days=notice.acknowledge_days)
    version = NoticeVersion(
        number=notice.current_version,
        title=notice.title,
        body=notice.body,
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


def _add_files(
    notice: Notice, files: Sequence[FileStorage], actor: User, *, version: int
) -> list[str]:
    uploads = [f for f in files if f and f.filename]
    if len(notice.current_files()) + len(uploads) > MAX_FILES:
        raise NoticeError("files", _l("A notice can have at most %(n)s files.", n=MAX_FILES))
    names = []
    for upload in uploads:
        try:
            attachment = storage.save_upload(
                upload,
                owner_type=notice_access.NOTICE_FILE,
                owner_id=notice.id,
                dealer_id=None,
                uploaded_by=actor,
            )
        except storage.UploadRejected as rejected:
            raise NoticeError("files", f"{upload.filename}: {rejected}") from None
        notice.files.append(NoticeFile(attachment=attachment, added_in_version=version))
        names.append(attachment.filename)
    db.session.flush()
    return names


def _remove_draft_files(notice: Notice, file_ids: Collection[int]) -> list[str]:
    """Files nobody has seen yet are deleted outright."""
    names = []
    for notice_file in list(notice.files):
        if notice_file.id in file_ids and notice_file.added_in_version > notice.current_version:
            names.append(notice_file.attachment.filename)
            attachment = notice_file.attachment
            notice.files.remove(notice_file)
            db.session.flush()
            storage.discard(attachment)
    return names


def _retire_files(notice: Notice, file_ids: Collection[int], number: int) -> list[str]:
    """Files of earlier versions stay with those versions; the new version drops them."""
    names = []
    for notice_file in notice.current_files():
        if notice_file.id in file_ids:
            notice_file.removed_in_version = number
            names.append(notice_file.attachment.filename)
    return names


def _notify_audience(notice: Notice, kind: str, **params: Any) -> int:
    users = db.session.scalars(
        select(User)
        .join(Dealer, User.dealer_id == Dealer.id)
        .join(Notice, notice_access.reaches())
        .where(Notice.id == notice.id, User.active.is_(True), User.role == Role.DEALER)
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
