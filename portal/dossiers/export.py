"""A region's dealer files as one ZIP, built by jobs on the queue (portal/jobs/).

Which dealers: every dealer of the region whose record is active and whose status is
active or suspended (a suspended dealer still holds a contract and a history worth
filing); prospects, terminated dealers and archived records are left out. The page that
starts an export says exactly this, and each export lists its dealers with their status.

The export job (`dossier_export`) fingerprints each dealer: an unchanged dealer's earlier
file is reused, the others get a render job each — shared with any other export or issue
request for the same unchanged dealer (portal/dossiers/renders.py), so no file renders
twice, and renders run on every worker within the global render cap. Renders go on the
queue while the rest of the region is still being planned (after 4 new ones, then 8, 16…).
When all files are there, one `dossier_export.zip` job writes the ZIP to a temporary file,
never to memory, and stores it. Two things look for that moment: each render of the export
nudges it as it ends (`dossier_export.nudge`), and a continuation
(`dossier_export.assemble`) looks every EXPORT_POLL_SECONDS, moving the progress bar, in
case a nudge was missed. Whichever sees it first creates the ZIP job; its key allows one
unfinished ZIP job per export, so the ZIP is written once.
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import zipfile
from typing import IO, Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from portal import activity, jobs, storage
from portal.dossiers import archive, renders
from portal.extensions import db
from portal.models import (
    Dealer,
    DealerFile,
    DealerStatus,
    ExportJob,
    Job,
    JobState,
    Region,
    User,
)
from portal.models.base import utcnow

KIND = "dossier_export"
ASSEMBLE = "dossier_export.assemble"
NUDGE = renders.NUDGE_EXPORT
ZIP = "dossier_export.zip"
FIRST_CHUNK = 4  # renders queued during planning: after this many new ones, then twice as many
EXPORTED_STATUSES = (DealerStatus.ACTIVE, DealerStatus.SUSPENDED)


def exported_dealers(region_id: int) -> list[Dealer]:
    """The dealers a region export files, by code: active records, trading or suspended."""
    return list(
        db.session.scalars(
            select(Dealer)
            .where(
                Dealer.region_id == region_id,
                Dealer.active.is_(True),
                Dealer.status.in_(EXPORTED_STATUSES),
            )
            .order_by(Dealer.code)
        )
    )


def create_job(*, region: Region, requested_by: User, locale: str) -> ExportJob:
    """A queued export of the region's dealers (flushed); enqueue it after the commit."""
    job, _created = jobs.create(
        KIND, started_by=requested_by, total=len(exported_dealers(region.id))
    )
    export = ExportJob(region_id=region.id, requested_by_id=requested_by.id, locale=locale, job=job)
    db.session.add(export)
    db.session.flush()
    job.payload = {"export_id": export.id}
    activity.record("dossier_export.start", export, actor=requested_by, label=str(region))
    return export


def start(job_id: int) -> None:
    """Put a committed export on the queue: the id of its job (read before the commit, so
    that no transaction is open here while an immediate queue runs the job)."""
    jobs.enqueue(KIND, job_id)


def export_of(job: Job) -> ExportJob:
    return db.session.scalars(select(ExportJob).where(ExportJob.job_id == job.id)).one()


@jobs.task(KIND)
def plan(job: Job) -> None:
    """Reuse or request each dealer's file, then hand over to the assembling step."""
    export = export_of(job)
    job_id, locale, issuer = job.id, export.locale, export.requested_by
    items: list[dict[str, Any]] = []
    new_jobs: list[int] = []
    chunk = FIRST_CHUNK
    with force_locale(locale):
        for dealer in exported_dealers(export.region_id):
            item = {"dealer_id": dealer.id, "code": dealer.code, "name": dealer.name}
            item["status"] = dealer.status.value
            wanted = renders.request(dealer, issuer=issuer, locale=locale, export_job_id=job_id)
            if wanted.reused is not None:
                item["file_id"] = wanted.reused.id
            else:
                item["job_id"] = wanted.job.id
                if wanted.created:
                    new_jobs.append(wanted.job.id)
            items.append(item)
            if len(new_jobs) >= chunk:  # let the renders start while the rest is planned
                _start_renders(new_jobs)
                new_jobs, chunk = [], chunk * 2
    job.payload = {**job.payload, "items": items}
    jobs.heartbeat(job, done=sum("file_id" in item for item in items), total=len(items))
    _start_renders(new_jobs)
    jobs.enqueue(ASSEMBLE, job_id)


def _start_renders(job_ids: list[int]) -> None:
    """Commit, then queue the render jobs (nothing is read after the commit here: an
    immediate queue runs the jobs in this call)."""
    db.session.commit()
    for render_id in job_ids:
        jobs.enqueue(renders.KIND, render_id)


@jobs.task(ASSEMBLE, claims=False)
def assemble(job: Job) -> None:
    """The regular look: the ZIP when every file is there; until then, progress and another
    look soon."""
    if not _zip_when_ready(job, progress=True):
        raise jobs.Retry(delay=float(current_app.config["EXPORT_POLL_SECONDS"]))


@jobs.task(NUDGE, claims=False)
def nudge(job: Job) -> None:
    """A render of the export has ended: the ZIP if it was the last one."""
    _zip_when_ready(job, progress=False)


def _zip_when_ready(job: Job, *, progress: bool) -> bool:
    """Start the ZIP job once every file is there; False while some are still rendering.

    Only the regular look (`progress`) moves the progress bar and fails the export when a
    render failed for good, so no two steps record the same failure."""
    if job.state != JobState.RUNNING or "items" not in job.payload:
        return True  # finished, failed, or still planning (which starts its own look)
    items = job.payload["items"]
    render_ids = [item["job_id"] for item in items if "job_id" in item]
    render_jobs = {
        render.id: render
        for render in db.session.scalars(select(Job).where(Job.id.in_(render_ids)))
    }
    file_ids: list[int] = []
    for item in items:
        if "file_id" in item:
            file_ids.append(item["file_id"])
            continue
        render = render_jobs.get(item["job_id"])
        if render is None or render.state == JobState.FAILED:
            if not progress:
                return True
            jobs.fail(job, render.error if render is not None else "RenderLost")
            _record_finish(job, "failure")
            return True
        if render.state == JobState.DONE:
            file_ids.append(render.result["dealer_file_id"])
    if len(file_ids) < len(items):
        if progress:
            jobs.heartbeat(job, done=len(file_ids), total=len(items))
        return False
    writer, created = jobs.create(
        ZIP,
        key=f"{ZIP}:{job.id}",
        payload={"export_job_id": job.id, "file_ids": file_ids},
        total=1,
    )
    jobs.heartbeat(job, done=len(file_ids), total=len(items))
    writer_id = writer.id
    db.session.commit()
    if created:
        jobs.enqueue(ZIP, writer_id)
    return True


def _zip_failed(writer: Job) -> None:
    """The ZIP could not be written, retries included: the export fails, visibly."""
    job = db.session.get(Job, writer.payload["export_job_id"])
    if job is not None and not job.finished:
        jobs.fail(job, writer.error or "ZipFailed")
        _record_finish(job, "failure")


@jobs.task(ZIP, priority=20, on_failure=_zip_failed)
def write_zip(writer: Job) -> None:
    """Write and store the export's ZIP (ahead of renders: its supervisor is waiting)."""
    job = db.session.get(Job, writer.payload["export_job_id"])
    if job is not None and job.state == JobState.RUNNING:
        _write_zip(job, writer.payload["file_ids"])
    jobs.finish(writer)


def _write_zip(job: Job, file_ids: list[int]) -> None:
    export = export_of(job)
    files = db.session.scalars(select(DealerFile).where(DealerFile.id.in_(file_ids))).all()
    with tempfile.TemporaryFile(dir=current_app.config.get("EXPORT_TMP_DIR")) as spool:
        digest = _zip_into(spool, sorted(files, key=lambda f: f.document_id))
        size = spool.tell()
        spool.seek(0)
        key = f"{utcnow():%Y/%m}/{secrets.token_hex(16)}.zip"
        storage.save_stream(key, spool)
    export.storage_key, export.size, export.sha256 = key, size, digest
    jobs.finish(job, {"export_id": export.id})
    _record_finish(job, "success")


class _Hashing:
    """A write-only file that hashes what passes through it (zipfile needs tell())."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target, self.hash, self.position = target, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.position += len(data)
        return self.target.write(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        self.target.flush()


def _zip_into(target: IO[bytes], files: list[DealerFile]) -> str:
    """Write the files into a ZIP on `target` one at a time; returns its SHA-256."""
    sink = _Hashing(target)
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as bundle:  # type: ignore[arg-type]
        for dealer_file in files:
            bundle.writestr(dealer_file.filename, archive.load(dealer_file))
    return sink.hash.hexdigest()


def _record_finish(job: Job, outcome: str) -> None:
    export = export_of(job)
    activity.record("dossier_export.finish", export, outcome=outcome, actor=export.requested_by)


def listed_dealers(export: ExportJob) -> list[dict[str, Any]]:
    """The dealers an export files (once it has planned), with their status then."""
    items = export.job.payload.get("items", [])
    return [
        {"code": item["code"], "name": item["name"], "status": DealerStatus(item["status"])}
        for item in items
    ]


def open_file(export: ExportJob) -> IO[bytes]:
    if export.storage_key is None:
        raise ValueError("the export has no file yet")
    return storage.open_stream(export.storage_key)


def load(export: ExportJob) -> bytes:
    with open_file(export) as handle:
        return handle.read()


def filename(export: ExportJob) -> str:
    return f"dealer-files-{export.region.code}-{export.id}.zip"
