"""Dealer file pages: issue, download as issued, and region exports with progress."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wsgi import wrap_file

from portal import access, activity, downloads, jobs
from portal.access import signed_in, staff_only
from portal.access.dossiers import (
    can_issue_dealer_file,
    get_dealer_file_or_404,
    get_export_or_404,
    get_exportable_region_or_404,
    get_render_job_or_404,
)
from portal.dossiers import archive, export, renders
from portal.extensions import db
from portal.forms import ButtonForm
from portal.ids import to_id
from portal.models import Dealer, ExportJob, Job

bp = Blueprint("dossiers", __name__, url_prefix="/dealer-files")


def download_response(data: bytes | Iterable[bytes], name: str, mimetype: str) -> Response:
    """Bytes (or a stream of them) as a download the browser never sniffs or renders."""
    response = Response(data, mimetype=mimetype, direct_passthrough=not isinstance(data, bytes))
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/dealers/<int:dealer_id>/issue", methods=["POST"])
@staff_only
def issue(dealer_id: int):
    """Hand out the unchanged file again, or queue its render and show the progress."""
    dealer = access.get_dealer_or_404(current_user, dealer_id)
    if not can_issue_dealer_file(current_user, dealer):
        abort(404)
    wanted = renders.request(dealer, issuer=current_user, locale=archive.current_locale())
    if wanted.reused is not None:
        activity.record(
            "dealer_file.reuse",
            wanted.reused,
            details={"dealer": dealer.code, "sha256": wanted.reused.sha256},
        )
        document_id = wanted.reused.document_id
        db.session.commit()
        flash(
            _(
                "Nothing has changed since %(id)s was issued: that file is handed out again.",
                id=document_id,
            ),
            "info",
        )
        return redirect(url_for("dealers.detail", dealer_id=dealer_id, _anchor="dealer-files"))
    job_id, created = wanted.job.id, wanted.created
    db.session.commit()
    if created:
        jobs.enqueue(renders.KIND, job_id)
    dealer_file = renders.dealer_file_of(db.session.get(Job, job_id))
    if dealer_file is not None:  # already done (a fast worker, or an immediate queue)
        flash(_("Dealer file %(id)s issued.", id=dealer_file.document_id), "success")
        return redirect(url_for("dealers.detail", dealer_id=dealer_id, _anchor="dealer-files"))
    return redirect(url_for("dossiers.render_detail", render_id=job_id))


@bp.route("/renders/<int:render_id>")
@staff_only
def render_detail(render_id: int):
    """A dealer file being rendered: progress while it runs, the file once it is there."""
    job = get_render_job_or_404(current_user, render_id)
    dealer = db.session.get(Dealer, job.payload["dealer_id"])
    dealer_file = renders.dealer_file_of(job)
    return render_template("dossiers/render.html", job=job, dealer=dealer, dealer_file=dealer_file)


@bp.route("/renders/<int:render_id>/status.json")
@staff_only
def render_status(render_id: int):
    job = get_render_job_or_404(current_user, render_id)
    return jsonify(job_status(job))


def job_status(job: Job) -> dict:
    """What the progress boxes poll (static/js/dossiers.js)."""
    return {
        "status": job.state.value,
        "label": job.state.label,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "retrying": bool(job.error) and not job.finished,
    }


@bp.route("/<int:file_id>/download")
@signed_in
def download(file_id: int):
    dealer_file = get_dealer_file_or_404(current_user, file_id)
    response = download_response(archive.load(dealer_file), dealer_file.filename, "application/pdf")
    downloads.log_download("dealer_file.download", dealer_file)
    return response


@bp.route("/exports", methods=["GET", "POST"])
@staff_only
def exports():
    regions = db.session.scalars(access.visible_regions(current_user)).all()
    form = ButtonForm()
    if request.method == "POST":  # the CSRF token is checked for every POST by CSRFProtect
        region_id = to_id(request.form.get("region"))
        if region_id is None:
            abort(404)
        region = get_exportable_region_or_404(current_user, region_id)
        job = export.create_job(
            region=region, requested_by=current_user, locale=archive.current_locale()
        )
        export_id, queued_id = job.id, job.job_id
        db.session.commit()
        export.start(queued_id)
        return redirect(url_for("dossiers.export_detail", job_id=export_id))
    jobs = db.session.scalars(
        select(ExportJob)
        .where(ExportJob.region_id.in_([region.id for region in regions]))
        .options(joinedload(ExportJob.region), joinedload(ExportJob.requested_by))
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
        .limit(20)
    ).all()
    return render_template("dossiers/exports.html", regions=regions, jobs=jobs, form=form)


@bp.route("/exports/<int:job_id>")
@staff_only
def export_detail(job_id: int):
    job = get_export_or_404(current_user, job_id)
    return render_template("dossiers/export.html", job=job, dealers=export.listed_dealers(job))


@bp.route("/exports/<int:job_id>/status.json")
@staff_only
def export_status(job_id: int):
    job = get_export_or_404(current_user, job_id)
    download = url_for("dossiers.export_download", job_id=job.id) if job.storage_key else None
    return jsonify({**job_status(job.job), "download": download})


@bp.route("/exports/<int:job_id>/download")
@staff_only
def export_download(job_id: int):
    job = get_export_or_404(current_user, job_id)
    if job.storage_key is None:
        abort(404)
    handle = export.open_file(job)
    response = download_response(
        wrap_file(request.environ, handle), export.filename(job), "application/zip"
    )
    downloads.log_download("dossier_export.download", job, label=str(job.region))
    return response
