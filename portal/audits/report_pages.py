"""The page an audit's PDF is prepared on: progress by polling, then the download."""

from __future__ import annotations

from flask import abort, jsonify, render_template, url_for
from flask_login import current_user

from portal.access import audits as audit_access
from portal.access import signed_in
from portal.audits import pdf_jobs
from portal.audits.blueprint import bp
from portal.models import Audit, Job


def _audit(audit_id: int) -> tuple[Audit, Job]:
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_see_answers(current_user, audit) or audit.standard_version is None:
        abort(404)
    job = pdf_jobs.latest(audit.id)
    if job is None:
        abort(404)
    return audit, job


@bp.route("/<int:audit_id>/report")
@signed_in
def report_progress(audit_id: int):
    audit, job = _audit(audit_id)
    return render_template("audits/report_progress.html", audit=audit, job=job)


@bp.route("/<int:audit_id>/report/status.json")
@signed_in
def report_status(audit_id: int):
    audit, job = _audit(audit_id)
    return jsonify(
        status=job.state.value,
        label=job.state.label,
        done=job.done,
        total=job.total,
        percent=job.percent,
        finished=job.finished,
        download=url_for("audits.report_pdf", audit_id=audit.id) if job.result else None,
    )
