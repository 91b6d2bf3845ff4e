"""New photos of an audit answer or of a corrective action's evidence, checked first."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import current_app
from werkzeug.datastructures import FileStorage

from portal import storage


def check_photos(
    files: Sequence[FileStorage | None] | None, too_many: Callable[[int], str]
) -> list[storage.CheckedUpload]:
    """The chosen photos, at most AUDIT_MAX_PHOTOS_PER_ANSWER of them, decoded before the
    view writes anything: the request's transaction ends first, so no lock is held while
    children decode (`storage.check_before_writing`, check S20). Raises UploadRejected
    with `too_many(limit)` or the refused file's name and problem."""
    photos = [photo for photo in files or [] if photo is not None and photo.filename]
    limit = int(current_app.config["AUDIT_MAX_PHOTOS_PER_ANSWER"])
    if len(photos) > limit:
        raise storage.UploadRejected(too_many(limit))
    return storage.check_before_writing(photos, storage.IMAGES)
