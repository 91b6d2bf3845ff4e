"""Attachments: validated by content, re-encoded, stored outside static (check S14).

`save_upload()` is the only way a file enters the portal: it checks the real type (JPEG,
PNG, WebP, PDF) from the bytes, enforces the size limit, refuses pixel bombs, re-encodes
images without EXIF, refuses PDFs with scripts, actions or embedded files, and stores
the bytes under a generated key through a backend: `LocalStorage` on disk under instance/
(the default), or `S3Storage` in an S3-compatible bucket (STORAGE_BACKEND = "s3"); any
object with the same three methods can replace them via `app.extensions["storage"]`.

Photos are decoded and PDFs parsed only in a limited child process (portal/untrusted.py
through portal/sandbox.py), and one request decodes at most UPLOAD_MAX_PIXELS_PER_REQUEST
pixels across all its files (check S20): a file over either limit, or whose check fails
or runs out of time, is refused with a message for the form.

Bytes follow the database transaction that names them: bytes stored in a transaction that
rolls back are removed, and bytes discarded in one are removed only once it commits.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import Flask, current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from portal import sandbox
from portal.extensions import db
from portal.models import Attachment, User
from portal.models.base import utcnow

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}

IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
IMAGES_AND_PDF = IMAGES | {"application/pdf"}

logger = logging.getLogger(__name__)


class UploadRejected(ValueError):
    """The file is not acceptable; the message says why, for the form."""


class StorageBackend(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def load(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def save_stream(self, key: str, source: BinaryIO) -> None: ...
    def open_stream(self, key: str) -> BinaryIO: ...


KEY_PATTERN = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9a-f]{32}\.[a-z]{3,4}")


def checked_key(key: str) -> str:
    """Only keys this module generates reach a backend (no paths, no traversal)."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError("malformed storage key")
    return key


class LocalStorage:
    """Files on local disk under one root directory (never under static/)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)

    def load(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def save_stream(self, key: str, source: BinaryIO) -> None:
        """Copy a file in chunks (large files never sit in memory whole)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            shutil.copyfileobj(source, handle, 1024 * 1024)

    def open_stream(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph…), private, under a prefix.

    Credentials come from boto3's usual chain (environment, profile, instance role), never
    from the portal's configuration files.
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def save(self, key: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType="application/octet-stream",  # served only through the portal
        )

    def load(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def save_stream(self, key: str, source: BinaryIO) -> None:
        self.client.upload_fileobj(
            source,
            self.bucket,
            self._key(key),
            ExtraArgs={"ContentType": "application/octet-stream"},
        )

    def open_stream(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def init_storage(app: Flask) -> None:
    if "storage" in app.extensions:
        return
    if app.config.get("STORAGE_BACKEND", "local") == "s3":
        app.extensions["storage"] = _s3_storage(app.config)
        return
    root = Path(app.config.get("UPLOAD_DIR") or Path(app.instance_path) / "uploads")
    app.extensions["storage"] = LocalStorage(root)


def _s3_storage(config: Any) -> S3Storage:
    import boto3  # optional: only deployments that store files in a bucket install it

    if not config.get("S3_BUCKET"):
        raise RuntimeError("STORAGE_BACKEND is 's3' but S3_BUCKET is not set")
    client = boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or None,
    )
    return S3Storage(client, config["S3_BUCKET"], config.get("S3_PREFIX") or "")


def backend() -> StorageBackend:
    return current_app.extensions["storage"]


def save_stream(key: str, source: BinaryIO) -> None:
    """Store a generated file from an open file (a region export's ZIP), in chunks."""
    backend().save_stream(checked_key(key), source)


def open_stream(key: str) -> BinaryIO:
    return backend().open_stream(checked_key(key))


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (not what the name or browser claims)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def read_limited(upload: FileStorage) -> bytes:
    """Read the upload, refusing (413) anything over UPLOAD_MAX_BYTES."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    return data


def clean(data: bytes, allowed: frozenset[str]) -> CleanFile:
    """Validate bytes by content and return a safe version of them."""
    if not data:
        raise UploadRejected(_("The file is empty."))
    kind = sniff(data)
    if kind is None or kind not in allowed:
        raise UploadRejected(_accepted_message(allowed))
    if kind == "application/pdf":
        return CleanFile(_check_pdf(data), kind)
    return _reencode(data, kind)


def _accepted_message(allowed: frozenset[str]) -> str:
    if "application/pdf" in allowed:
        return _("Only JPEG, PNG or WebP photos and PDF documents are accepted.")
    return _("Only JPEG, PNG or WebP photos are accepted.")


def _check_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRejected(_("This PDF is damaged or incomplete."))
    refused = _in_child("pdf_check", {}, data).result.get("refused")
    if refused == "encrypted":
        raise UploadRejected(_("Password-protected PDFs are not accepted."))
    if refused == "damaged":
        raise UploadRejected(_("This PDF is damaged or incomplete."))
    if refused:
        raise UploadRejected(_("PDFs with scripts or embedded files are not accepted."))
    return data


def _reencode(data: bytes, kind: str) -> CleanFile:
    """Decode and re-encode the pixels in a limited child, within the request's budget."""
    config = current_app.config
    header = {
        "kind": kind,
        "max_pixels": int(config["UPLOAD_MAX_PIXELS"]),
        "budget": _pixels_left(),
        "max_edge": int(config["UPLOAD_MAX_EDGE"]),
    }
    outcome = _in_child("image", header, data)
    result = outcome.result
    refused = result.get("refused")
    if refused == "mismatch":
        raise UploadRejected(_("The file's content does not match an image type."))
    if refused == "pixels":
        raise UploadRejected(_("The image has too many pixels."))
    if refused == "budget":
        raise UploadRejected(
            _(
                "The photos sent together have too many pixels in total. "
                "Send fewer photos at a time, or smaller ones."
            )
        )
    if refused or not outcome.blobs:
        raise UploadRejected(_("The image could not be read."))
    _spend_pixels(int(result["pixels"]))
    return CleanFile(
        outcome.blobs[0], result["content_type"], int(result["width"]), int(result["height"])
    )


def _in_child(task: str, header: dict[str, Any], data: bytes) -> sandbox.Outcome:
    """Run an upload check in a limited child; its failure or timeout refuses the file."""
    config = current_app.config
    limits = sandbox.ChildLimits(
        timeout_seconds=float(config["UPLOAD_CHECK_TIMEOUT_SECONDS"]),
        cpu_seconds=int(config["UPLOAD_CHECK_CPU_SECONDS"]),
        memory_mb=int(config["UPLOAD_CHECK_MEMORY_MB"]),
    )
    try:
        return sandbox.run(task, header, [data], limits=limits, log=logger)
    except sandbox.ChildError as error:
        logger.warning("upload refused: its check failed in the child process: %s", error)
        raise UploadRejected(
            _("The file could not be processed. Try a smaller or simpler file.")
        ) from None


# The pixels one request may decode, across all its files (check S20). Outside a request
# (commands, the demo's seed) each file only has the per-file limit.
_PIXELS_SPENT = "upload_pixels_spent"


def _pixels_left() -> int:
    if not has_request_context():
        return int(current_app.config["UPLOAD_MAX_PIXELS"])
    budget = int(current_app.config["UPLOAD_MAX_PIXELS_PER_REQUEST"])
    return max(budget - g.get(_PIXELS_SPENT, 0), 0)


def _spend_pixels(pixels: int) -> None:
    if has_request_context():
        setattr(g, _PIXELS_SPENT, g.get(_PIXELS_SPENT, 0) + pixels)


def safe_filename(name: str | None, content_type: str) -> str:
    """A display name for downloads: no path, no control characters, the true extension."""
    stem = Path(unicodedata.normalize("NFC", name or "")).stem
    stem = re.sub(r"[^\w\- ]+", "_", stem, flags=re.UNICODE).strip(" ._")[:80] or "file"
    return f"{stem}.{EXTENSIONS[content_type]}"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload validated and cleaned by `check_upload()`, not stored yet."""

    filename: str | None
    cleaned: CleanFile


def check_upload(upload: FileStorage, allowed: frozenset[str] = IMAGES_AND_PDF) -> CheckedUpload:
    """Validate and clean an upload without the database (decoding runs in a child).

    Large photos take seconds to decode: a view that must not hold a write transaction
    meanwhile (SQLite's write lock, check S20) checks its files first, then saves them."""
    return CheckedUpload(upload.filename, clean(read_limited(upload), allowed))


def check_before_writing(
    uploads: Sequence[FileStorage | None], allowed: frozenset[str] = IMAGES_AND_PDF
) -> list[CheckedUpload]:
    """Check the chosen files of a form before its view writes anything.

    Decoding runs for seconds in a child process. A POST's transaction takes SQLite's write
    lock with its first statement (BEGIN IMMEDIATE, portal/database.py), so the view's
    reads so far are committed first: no lock is held while a child decodes (check S20).
    Raises UploadRejected naming the refused file. Objects the view loaded are expired by
    the commit and load again, under their access rules, when next used."""
    chosen = [upload for upload in uploads if upload is not None and upload.filename]
    if not chosen:
        return []
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("check_before_writing() must run before the view changes anything")
    session.commit()
    return check_uploads(chosen, allowed)


def check_uploads(
    uploads: Sequence[FileStorage], allowed: frozenset[str] = IMAGES_AND_PDF
) -> list[CheckedUpload]:
    """`check_upload()` for each file; a refusal names the file."""
    checked = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, allowed))
        except UploadRejected as rejected:
            raise UploadRejected(
                _("%(file)s: %(problem)s", file=upload.filename, problem=str(rejected))
            ) from None
    return checked


def save_upload(
    upload: FileStorage | CheckedUpload,
    *,
    owner_type: str,
    owner_id: int | None,
    dealer_id: int | None,
    uploaded_by: User | None,
    allowed: frozenset[str] = IMAGES_AND_PDF,
) -> Attachment:
    """Validate, clean (unless `check_upload()` did) and store one upload; add its
    Attachment row (flushed)."""
    checked = upload if isinstance(upload, CheckedUpload) else check_upload(upload, allowed)
    cleaned = checked.cleaned
    if cleaned.content_type not in allowed:
        raise UploadRejected(_accepted_message(allowed))
    now = utcnow()
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}.{EXTENSIONS[cleaned.content_type]}"
    store = backend()
    _pending(db.session()).stored.append((store, key))  # first: a failed save leaves nothing
    store.save(key, cleaned.data)
    attachment = Attachment(
        storage_key=key,
        owner_type=owner_type,
        owner_id=owner_id,
        dealer_id=dealer_id,
        filename=safe_filename(checked.filename, cleaned.content_type),
        content_type=cleaned.content_type,
        size=len(cleaned.data),
        sha256=hashlib.sha256(cleaned.data).hexdigest(),
        width=cleaned.width,
        height=cleaned.height,
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def load(attachment: Attachment) -> bytes:
    return backend().load(attachment.storage_key)


def discard(attachment: Attachment) -> None:
    """Remove an attachment's row, and its bytes once the transaction commits (for replaced
    drafts, never for frozen records)."""
    _pending(db.session()).discarded.append((backend(), attachment.storage_key))
    db.session.delete(attachment)


# Bytes live outside the database, so a rollback cannot restore or remove them by itself.
# Each transaction (savepoints included) queues its byte changes in `session.info`: a
# savepoint released hands its queue to its parent, one rolled back settles it at once, and
# only the outermost COMMIT carries out the discards.

_PENDING = "storage.pending"
Stored = tuple[StorageBackend, str]


@dataclass
class _Pending:
    """Byte changes of one transaction, settled when it ends."""

    stored: list[Stored] = field(default_factory=list)
    discarded: list[Stored] = field(default_factory=list)


def _pending(session: Session) -> _Pending:
    """The queue of the innermost transaction in progress (begun now if there is none)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        transaction = session.begin()
    queues: dict[SessionTransaction, _Pending] = session.info.setdefault(_PENDING, {})
    return queues.setdefault(transaction, _Pending())


def _boundary(transaction: SessionTransaction) -> SessionTransaction:
    """The savepoint or outermost transaction that `transaction` commits or rolls back with."""
    while not transaction.nested and transaction.parent is not None:
        transaction = transaction.parent
    return transaction


def _delete_quietly(entries: list[Stored]) -> None:
    """Delete bytes nothing refers to any more; a failure leaves an orphan, not an error."""
    for store, key in entries:
        try:
            store.delete(key)
        except Exception:
            logger.exception("could not delete stored file %s", key)


def settle_commit(session: Session) -> None:
    queues = session.info.get(_PENDING)
    if not queues:
        return
    # Still the committing transaction: it is closed only after this event.
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        return
    pending = queues.pop(transaction, None)
    if pending is None:
        return
    if transaction.nested and transaction.parent is not None:
        parent = queues.setdefault(_boundary(transaction.parent), _Pending())
        parent.stored.extend(pending.stored)
        parent.discarded.extend(pending.discarded)
    else:
        _delete_quietly(pending.discarded)


def settle_rollback(session: Session, transaction: SessionTransaction) -> None:
    """A transaction ending with its queue still there did not commit: its new bytes go,
    its discards are forgotten (their rows are back)."""
    queues = session.info.get(_PENDING)
    if not queues:
        return
    pending = queues.pop(transaction, None)
    if pending is not None:
        _delete_quietly(pending.stored)
