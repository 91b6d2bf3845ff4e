"""A notice's attachments: added to a version, kept with the versions that had them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal import storage
from portal.access import notices as notice_access
from portal.extensions import db
from portal.models import Notice, NoticeFile, User
from portal.notices.rules import NoticeError

MAX_FILES = 10


def check_files(files: Sequence[object]) -> list[storage.CheckedUpload]:
    """A form's newly chosen files, checked before the notice is written: decoding runs in
    children with no transaction open (`storage.check_before_writing`, check S20). Only
    uploads count: a form built from a notice holds its stored files when none is chosen."""
    uploads = [f for f in files if isinstance(f, FileStorage) and f.filename]
    if len(uploads) > MAX_FILES:
        raise NoticeError("files", _l("A notice can have at most %(n)s files.", n=MAX_FILES))
    try:
        return storage.check_before_writing(uploads)
    except storage.UploadRejected as rejected:
        raise NoticeError("files", str(rejected)) from None


def add_files(
    notice: Notice,
    files: Sequence[FileStorage | storage.CheckedUpload],
    actor: User,
    *,
    version: int,
) -> list[str]:
    """Store uploads as files of `version` onwards; returns their names."""
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


def remove_unpublished(notice: Notice, file_ids: Collection[int]) -> list[str]:
    """Files nobody has seen yet (of a draft) are deleted outright."""
    names = []
    for notice_file in list(notice.files):
        if notice_file.id in file_ids and notice_file.added_in_version > notice.current_version:
            attachment = notice_file.attachment
            names.append(attachment.filename)
            notice.files.remove(notice_file)
            db.session.flush()
            storage.discard(attachment)
    return names


def retire(notice: Notice, file_ids: Collection[int], number: int) -> list[str]:
    """Files of earlier versions stay with those versions; version `number` drops them."""
    names = []
    for notice_file in notice.current_files():
        if notice_file.id in file_ids:
            notice_file.removed_in_version = number
            names.append(notice_file.attachment.filename)
    return names


def delete_all(notice: Notice) -> None:
    """A deleted draft takes its files with it."""
    for notice_file in list(notice.files):
        attachment = notice_file.attachment
        db.session.delete(notice_file)
        db.session.flush()
        storage.discard(attachment)
