"""Who may issue, list and download dealer files, and run region exports."""

from __future__ import annotations

from flask import abort

from portal.access.scope import can_view_dealer, region_ids_of
from portal.extensions import db
from portal.models import Dealer, DealerFile, ExportJob, Job, Region, User


def can_issue_dealer_file(user: User, dealer: Dealer) -> bool:
    """Admins, and supervisors of the dealer's region."""
    return (user.is_admin or user.is_supervisor) and can_view_dealer(user, dealer)


def can_export_region(user: User, region: Region) -> bool:
    return user.is_admin or (user.is_supervisor and region.id in region_ids_of(user))


def get_dealer_file_or_404(user: User, file_id: int) -> DealerFile:
    """An issued file of a dealer the user may see (dealer users: their own dealer only)."""
    dealer_file = db.session.get(DealerFile, file_id)
    if dealer_file is None or not can_view_dealer(user, dealer_file.dealer):
        abort(404)
    return dealer_file


def get_export_or_404(user: User, job_id: int) -> ExportJob:
    """An export of a region the user may export (still checked against today's regions)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or not can_export_region(user, job.region):
        abort(404)
    return job


def get_exportable_region_or_404(user: User, region_id: int) -> Region:
    region = db.session.get(Region, region_id)
    if region is None or not can_export_region(user, region):
        abort(404)
    return region


def get_render_job_or_404(user: User, job_id: int) -> Job:
    """A dealer-file render job of a dealer whose files the user may issue."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != "dealer_file":
        abort(404)
    dealer = db.session.get(Dealer, job.payload.get("dealer_id"))
    if dealer is None or not can_issue_dealer_file(user, dealer):
        abort(404)
    return job
