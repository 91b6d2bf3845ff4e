"""A region's dealer files as one ZIP, built in the background with two renders at a time.

The job's state lives in its `ExportJob` row, so the progress page survives a reload and
any app server can answer it. `start()` launches a daemon thread (or runs the job at once
when DOSSIER_EXPORT_SYNC is set, as tests do). The thread does all database work itself;
only `archive.render` (WeasyPrint in a limited child process, no database) runs in the
pool, two at a time, so both CPU cores render while files are prepared and stored.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import threading
import zipfile
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g
from flask_babel import force_locale
from sqlalchemy import select

from portal import activity, pdf, storage
from portal.dossiers import archive
from portal.extensions import db
from portal.models import Dealer, DealerFile, ExportJob, ExportStatus, Region, User
from portal.models.base import utcnow

logger = logging.getLogger(__name__)


def create_job(*, region: Region, requested_by: User, locale: str) -> ExportJob:
    """A queued export of the region's active dealers (flushed)."""
    job = ExportJob(
        region_id=region.id,
        requested_by_id=requested_by.id,
        locale=locale,
        total=len(_dealer_ids(region.id)),
    )
    db.session.add(job)
    db.session.flush()
    activity.record("dossier_export.start", job, actor=requested_by, label=str(region))
    return job


def _dealer_ids(region_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Dealer.id)
            .where(Dealer.region_id == region_id, Dealer.active.is_(True))
            .order_by(Dealer.code)
        )
    )


def start(job_id: int) -> None:
    """Run a committed job in the background, or right now when configured so (tests).

    Takes the id, not the row: touching a committed row would open a new transaction in
    the caller's session, and on SQLite the job's own writes would wait for it.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("DOSSIER_EXPORT_SYNC"):
        run(app, job_id)
        return
    threading.Thread(target=run, args=(app, job_id), daemon=True, name=f"export-{job_id}").start()


def run(app: Flask, job_id: int) -> None:
    """Build the ZIP for one job in a fresh app context; record failure on the job."""
    with app.app_context():
        g.dossier_export = job_id  # an empty `g` would make force_locale a no-op
        job = db.session.get(ExportJob, job_id)
        if job is None or job.status != ExportStatus.QUEUED:
            return
        try:
            with force_locale(job.locale):
                _build(job)
        except Exception as error:  # any failure ends the job visibly, never silently
            logger.exception("dealer file export %s failed", job_id)
            db.session.rollback()
            job = db.session.get(ExportJob, job_id)
            job.status = ExportStatus.FAILED
            job.error = type(error).__name__
            job.finished_at = utcnow()
            activity.record("dossier_export.finish", job, outcome="failure", actor=job.requested_by)
            db.session.commit()
        finally:
            db.session.remove()


def stalled(job: ExportJob, now: datetime | None = None) -> bool:
    """True when an unfinished job stopped moving: its worker died (a restart, a crash).

    Read-only: pages show such a job as interrupted; the user starts a new export.
    """
    if job.finished:
        return False
    last = job.progress_at or job.created_at
    limit = timedelta(minutes=current_app.config["DOSSIER_EXPORT_STALLED_MINUTES"])
    return (now or utcnow()) - _aware(last) > limit


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _build(job: ExportJob) -> None:
    job.status, job.started_at = ExportStatus.RUNNING, utcnow()
    job.progress_at = job.started_at
    dealer_ids = _dealer_ids(job.region_id)
    job.total, job.done = len(dealer_ids), 0
    db.session.commit()
    issuer = job.requested_by
    limits = pdf.Limits.from_config()
    workers = int(current_app.config.get("DOSSIER_EXPORT_WORKERS", 2))
    files: list[DealerFile] = []
    running: dict[Future[pdf.Rendered], archive.Pending] = {}

    def collect(finished) -> None:
        for future in finished:
            dealer_file = archive.store(running.pop(future), future.result(), issuer=issuer)
            activity.record("dealer_file.issue", dealer_file, actor=issuer)
            files.append(dealer_file)
            _advance(job)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for dealer_id in dealer_ids:
            pending = archive.prepare(db.session.get(Dealer, dealer_id), issuer=issuer)
            db.session.commit()  # end the read: SQLite writers must not wait for renders
            if pending.reused is not None:
                files.append(pending.reused)
                _advance(job)
            else:
                running[pool.submit(archive.render, pending, limits)] = pending
            while len(running) >= 2 * workers:  # keep the pool fed, store as renders finish
                collect(wait(running, return_when=FIRST_COMPLETED).done)
        collect(as_completed(list(running)))
    _finish(job, files)


def _advance(job: ExportJob) -> None:
    job.done += 1
    job.progress_at = utcnow()
    db.session.commit()


def _finish(job: ExportJob, files: list[DealerFile]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for dealer_file in sorted(files, key=lambda f: f.document_id):
            bundle.writestr(dealer_file.filename, archive.load(dealer_file))
    data = buffer.getvalue()
    key = f"{utcnow():%Y/%m}/{secrets.token_hex(16)}.zip"
    storage.backend().save(key, data)
    job.storage_key, job.size = key, len(data)
    job.sha256 = hashlib.sha256(data).hexdigest()
    job.status, job.finished_at = ExportStatus.DONE, utcnow()
    activity.record("dossier_export.finish", job, actor=job.requested_by)
    db.session.commit()


def load(job: ExportJob) -> bytes:
    if job.storage_key is None:
        raise ValueError("the export has no file yet")
    return storage.backend().load(storage.checked_key(job.storage_key))


def filename(job: ExportJob) -> str:
    return f"dealer-files-{job.region.code}-{job.id}.zip"
