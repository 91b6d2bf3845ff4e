"""One dealer's file rendered by a job: asked for once, rendered once, under the render cap.

`request()` hands out an earlier identical file when one exists; otherwise it returns the
unfinished render job for the dealer's current data (key: dealer + fingerprint), creating
it if nobody asked yet. So duplicate issue or export requests for an unchanged dealer share
one render. `run()` is the job: it prepares the file, renders it in the limited child
process while it holds a render slot (portal/jobs/slots.py), and archives it. A render
asked for by region exports lists their job ids in its payload ("exports"); when it ends it
nudges each of them (portal/dossiers/export.py), so an export writes its ZIP as soon as its
last file is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale

from portal import activity, clock, jobs, pdf
from portal.dossiers import archive
from portal.extensions import db
from portal.jobs.slots import NoSlotFree, render_slot
from portal.models import Dealer, DealerFile, Job, User

KIND = "dealer_file"
NUDGE_EXPORT = "dossier_export.nudge"  # registered by portal/dossiers/export.py


@dataclass
class Requested:
    """Either an archived file to hand out again, or the job that will render one."""

    reused: DealerFile | None = None
    job: Job | None = None
    created: bool = False  # a new job: enqueue it after the commit


def job_key(dealer_id: int, fingerprint: str) -> str:
    return f"{KIND}:{dealer_id}:{fingerprint}"


def request(
    dealer: Dealer, *, issuer: User | None, locale: str, export_job_id: int | None = None
) -> Requested:
    """The file for the dealer's current data: reused, or a render job. Flushes.

    `export_job_id`: the region export that waits for the file, nudged when it is rendered.
    """
    fingerprint = archive.fingerprint(dealer.id, on=clock.today(), locale=locale)
    earlier = archive.reusable(dealer.id, fingerprint)
    if earlier is not None:
        return Requested(reused=earlier)
    waiting = [export_job_id] if export_job_id is not None else []
    job, created = jobs.create(
        KIND,
        key=job_key(dealer.id, fingerprint),
        payload={
            "dealer_id": dealer.id,
            "locale": locale,
            "dealer": dealer.code,
            "exports": waiting,
        },
        started_by=issuer,
        total=1,
    )
    known = job.payload.get("exports", [])
    if not created and export_job_id is not None and export_job_id not in known:
        # A render someone else asked for. Should it end before this commits, it reads the
        # list without this export, which then notices the file at its next regular look.
        job.payload = {**job.payload, "exports": [*known, export_job_id]}
        db.session.flush()
    return Requested(job=job, created=created)


def dealer_file_of(job: Job) -> DealerFile | None:
    file_id = (job.result or {}).get("dealer_file_id")
    return db.session.get(DealerFile, file_id) if file_id else None


@jobs.task(KIND, priority=10)
def run(job: Job) -> None:
    """Render and archive the dealer's file (or find that an identical one exists)."""
    dealer = db.session.get(Dealer, job.payload["dealer_id"])
    issuer = db.session.get(User, job.started_by_id) if job.started_by_id else None
    if dealer is None:
        jobs.fail(job, "DealerGone")
        return
    try:
        with force_locale(job.payload.get("locale", "en")):
            pending = archive.prepare(dealer, issuer=issuer)
            db.session.commit()  # end the read: SQLite writers must not wait for the render
            if pending.reused is not None:
                dealer_file, reused = pending.reused, True
            else:
                with render_slot():
                    rendered = archive.render(pending, pdf.Limits.from_config(background=True))
                dealer_file, reused = archive.store(pending, rendered, issuer=issuer), False
                activity.record(
                    "dealer_file.issue",
                    dealer_file,
                    actor=issuer,
                    details={"dealer": dealer.code, "sha256": dealer_file.sha256},
                )
    except NoSlotFree:
        raise jobs.StepBack from None
    jobs.heartbeat(job, done=1, total=1)
    jobs.finish(job, {"dealer_file_id": dealer_file.id, "reused": reused})
    db.session.commit()
    for export_job_id in job.payload.get("exports", []):  # read again after the commit
        jobs.enqueue(NUDGE_EXPORT, export_job_id)
