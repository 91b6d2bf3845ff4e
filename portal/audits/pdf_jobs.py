"""An audit's PDF report, rendered by a job (photos and all) instead of in the request.

`request()` answers with a finished render of the audit as it stands (same audit, actions,
steps, day and language), or the unfinished job that renders it — shared by everyone who
asks meanwhile. The job runs under the global render cap (portal/jobs/slots.py) and keeps
the bytes in storage; the page polls and downloads them when they are there.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import func, select

from portal import clock, jobs, pdf, storage
from portal.audits import report, services
from portal.extensions import db
from portal.jobs.slots import NoSlotFree, render_slot
from portal.models import ActionStep, Audit, CorrectiveAction, Job, JobState, User
from portal.models.base import utcnow

KIND = "audit_pdf"


@dataclass
class Requested:
    job: Job
    created: bool = False  # a new job: enqueue it after the commit

    @property
    def ready(self) -> bool:
        return self.job.state == JobState.DONE


def version_key(audit: Audit, locale: str) -> str:
    """Changes whenever what the report shows changes (its audit, actions and their steps)."""
    actions = db.session.execute(
        select(func.count(CorrectiveAction.id), func.max(CorrectiveAction.updated_at)).where(
            CorrectiveAction.audit_id == audit.id
        )
    ).one()
    steps = db.session.execute(
        select(func.count(ActionStep.id), func.max(ActionStep.at))
        .join(CorrectiveAction, ActionStep.action_id == CorrectiveAction.id)
        .where(CorrectiveAction.audit_id == audit.id)
    ).one()
    payload = [audit.updated_at, *actions, *steps, clock.today(), locale]
    digest = hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()[:32]
    return f"{KIND}:{audit.id}:{digest}"


def latest(audit_id: int) -> Job | None:
    """The newest report job of the audit (for its progress page)."""
    return db.session.scalar(
        select(Job)
        .where(Job.kind == KIND, Job.key.like(f"{KIND}:{audit_id}:%"))
        .order_by(Job.id.desc())
        .limit(1)
    )


def request(audit: Audit, *, user: User, locale: str) -> Requested:
    """A finished render of the audit as it stands, or the job making it. Flushes."""
    key = version_key(audit, locale)
    done = db.session.scalar(
        select(Job)
        .where(Job.kind == KIND, Job.key == key, Job.state == JobState.DONE)
        .order_by(Job.id.desc())
        .limit(1)
    )
    if done is not None:
        return Requested(done)
    job, created = jobs.create(
        KIND, key=key, payload={"audit_id": audit.id, "locale": locale}, started_by=user, total=1
    )
    return Requested(job, created)


def load(job: Job) -> bytes:
    return storage.backend().load(storage.checked_key(job.result["storage_key"]))


def filename(audit: Audit) -> str:
    return f"audit-{audit.id}-{audit.store.code}.pdf"


@jobs.task(KIND, priority=10)
def run(job: Job) -> None:
    audit = db.session.get(Audit, job.payload["audit_id"])
    if audit is None:
        jobs.fail(job, "AuditGone")
        return
    try:
        with force_locale(job.payload.get("locale", "en")):
            services.load_for_page(audit)
            html, attachments = report.prepare(audit)
            db.session.commit()  # end the read: SQLite writers must not wait for the render
            limits = pdf.Limits.from_config(background=True)
            with render_slot():
                data = pdf.render_html(html, attachments=attachments, limits=limits)
            key = f"{utcnow():%Y/%m}/{secrets.token_hex(16)}.pdf"
            storage.backend().save(key, data)
    except NoSlotFree:
        raise jobs.StepBack from None
    jobs.heartbeat(job, done=1, total=1)
    jobs.finish(job, {"storage_key": key, "size": len(data)})
