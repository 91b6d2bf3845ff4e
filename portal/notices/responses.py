"""Dealers' answers to notices: reading, acknowledging a version, reporting execution per store.

All are idempotent: the natural keys (notice, dealer, version) and (notice, store, version)
are unique, inserts race safely inside a savepoint, and updates are conditional, so a double
submit records one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from portal import activity, clock, notifications, storage
from portal.access import notices as notice_access
from portal.extensions import db
from portal.models import (
    ExecutionStatus,
    Notice,
    NoticeExecution,
    NoticeReceipt,
    Store,
    User,
)
from portal.models.base import utcnow
from portal.notices.services import NoticeError, notice_path

MAX_REASON = 2000

notifications.register_kind(
    "notice.execution_not_possible",
    _l("%(dealer)s cannot carry out %(title)s in store %(store)s: %(reason)s"),
)

Row = TypeVar("Row", NoticeReceipt, NoticeExecution)


def _insert_once(row: Row, find: Callable[[], Row | None]) -> tuple[Row, bool]:
    """Insert `row` unless a concurrent request already did; return (row, inserted)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing, False
    return row, True


def _check_version(notice: Notice, version: int | None) -> int:
    """Answers are for the version the dealer was shown; a newer one must be read first."""
    if version != notice.current_version:
        raise NoticeError(
            "version",
            _l(
                "This notice changed while you were reading it. Read version %(number)s "
                "and answer again.",
                number=notice.current_version,
            ),
        )
    return version


def _receipt(notice: Notice, dealer_id: int, user: User) -> tuple[NoticeReceipt, bool]:
    """The dealer's receipt of the current version (made on first reading); (receipt, new)."""

    def find() -> NoticeReceipt | None:
        return db.session.scalar(
            select(NoticeReceipt).where(
                NoticeReceipt.notice_id == notice.id,
                NoticeReceipt.dealer_id == dealer_id,
                NoticeReceipt.version_number == notice.current_version,
            )
        )

    existing = find()
    if existing is not None:
        return existing, False
    receipt, inserted = _insert_once(
        NoticeReceipt(
            notice_id=notice.id,
            dealer_id=dealer_id,
            version_number=notice.current_version,
            read_at=utcnow(),
            read_by_id=user.id,
        ),
        find,
    )
    if inserted:
        activity.record(
            "notice.read", notice, actor=user, details={"version": notice.current_version}
        )
    return receipt, inserted


def mark_read(notice: Notice, *, user: User) -> bool:
    """A dealer user opened the current version. True the first time for their dealer."""
    if not notice.is_published or user.dealer_id is None:
        return False
    return _receipt(notice, user.dealer_id, user)[1]


def acknowledge(notice: Notice, *, user: User, version: int | None) -> bool:
    """Record that the user's dealer acknowledges `version`. False when it already had."""
    if not notice.is_published:
        raise NoticeError("version", _l("This notice no longer takes acknowledgements."))
    _check_version(notice, version)
    receipt, _new = _receipt(notice, user.dealer_id, user)
    now = utcnow()
    result = db.session.execute(
        update(NoticeReceipt)
        .where(NoticeReceipt.id == receipt.id, NoticeReceipt.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(receipt)
    if not result.rowcount:
        return False
    activity.record(
        "notice.acknowledge",
        notice,
        actor=user,
        details={"version": version, "dealer_id": user.dealer_id},
    )
    return True


def check_photo(photo: FileStorage | None) -> storage.CheckedUpload | None:
    """An execution photo decoded before the answer is written or its notice locked: the
    request's transaction ends first (`storage.check_before_writing`, check S20)."""
    try:
        checked = storage.check_before_writing([photo], storage.IMAGES)
    except storage.UploadRejected as rejected:
        raise NoticeError("photo", str(rejected)) from None
    return checked[0] if checked else None


def report_execution(
    notice: Notice,
    store: Store,
    *,
    user: User,
    version: int | None,
    status: ExecutionStatus,
    reason: str = "",
    photo: FileStorage | storage.CheckedUpload | None = None,
    today: date | None = None,
) -> tuple[NoticeExecution, bool]:
    """A store's answer to the current version of a promotion. Returns (execution, changed).

    Confirmed execution is final for the version; "not possible" can later become executed.
    Reports after the deadline are accepted and marked late; after the promotion, refused.
    """
    today = today or clock.today()
    _check_open_for_execution(notice, today)
    _check_version(notice, version)
    status = ExecutionStatus(status)
    reason = (reason or "").strip()[:MAX_REASON]
    if status == ExecutionStatus.NOT_POSSIBLE and not reason:
        raise NoticeError("reason", _l("Say why the promotion cannot be carried out here."))

    def find() -> NoticeExecution | None:
        return db.session.scalar(
            select(NoticeExecution).where(
                NoticeExecution.notice_id == notice.id,
                NoticeExecution.store_id == store.id,
                NoticeExecution.version_number == notice.current_version,
            )
        )

    late = notice.execution_deadline is not None and today > notice.execution_deadline
    execution = find()
    if execution is None:
        execution, inserted = _insert_once(
            NoticeExecution(
                notice_id=notice.id,
                store_id=store.id,
                dealer_id=store.dealer_id,
                version_number=notice.current_version,
                status=status,
                reason=reason if status == ExecutionStatus.NOT_POSSIBLE else "",
                late=late,
                reported_by_id=user.id,
            ),
            find,
        )
        if not inserted:
            return execution, False
    elif not _upgrade(execution, status, late, user):
        return execution, False
    if photo is not None and photo.filename:
        _attach_photo(execution, photo, user)
    activity.record(
        "notice.execution",
        notice,
        actor=user,
        details={
            "version": execution.version_number,
            "store": store.code,
            "status": status,
            "late": late,
            "reason": execution.reason,
        },
    )
    if status == ExecutionStatus.NOT_POSSIBLE:
        notifications.notify_supervisors_of(
            store.dealer_id,
            "notice.execution_not_possible",
            link=notice_path(notice),
            dealer=store.dealer.code,
            title=notice.title,
            store=store.code,
            reason=reason,
        )
    return execution, True


def _check_open_for_execution(notice: Notice, today: date) -> None:
    if not notice.is_published or not notice.is_promotion:
        raise NoticeError("status", _l("This notice does not take execution reports."))
    if notice.promotion_end is not None and today > notice.promotion_end:
        raise NoticeError("status", _l("The promotion is over; reports are closed."))


def _upgrade(execution: NoticeExecution, status: ExecutionStatus, late: bool, user: User) -> bool:
    """An earlier "not possible" turns into executed; anything else is a repeat (no change)."""
    if execution.status != ExecutionStatus.NOT_POSSIBLE or status != ExecutionStatus.DONE:
        return False
    result = db.session.execute(
        update(NoticeExecution)
        .where(
            NoticeExecution.id == execution.id,
            NoticeExecution.status == ExecutionStatus.NOT_POSSIBLE,
        )
        .values(status=status, late=late, reported_at=utcnow(), reported_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(execution)
    return bool(result.rowcount)


def _attach_photo(
    execution: NoticeExecution, photo: FileStorage | storage.CheckedUpload, user: User
) -> None:
    try:
        attachment = storage.save_upload(
            photo,
            owner_type=notice_access.EXECUTION_PHOTO,
            owner_id=execution.id,
            dealer_id=execution.dealer_id,
            uploaded_by=user,
            allowed=storage.IMAGES,
        )
    except storage.UploadRejected as rejected:
        raise NoticeError("photo", str(rejected)) from None
    execution.photo_id = attachment.id
    db.session.flush()
