"""Attachments are only ever served here: access-checked, as downloads, never sniffed."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response
from flask_login import current_user

from portal import storage
from portal.access import signed_in
from portal.access.attachments import get_attachment_or_404

bp = Blueprint("attachments", __name__, url_prefix="/attachments")


@bp.route("/<int:attachment_id>")
@signed_in
def download(attachment_id: int):
    attachment = get_attachment_or_404(current_user, attachment_id)
    response = Response(storage.load(attachment), mimetype=attachment.content_type)
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace('"', "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; object-src 'none'; frame-ancestors 'none'; sandbox"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
