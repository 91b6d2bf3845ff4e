"""Audits on a phone with no signal: the installable app's manifest and service worker, and
what "Make available offline" downloads (the audits due soon, each as one JSON bundle).

The service worker (static/js/sw.js) is served from the site's root so that its scope covers
every page; it keeps static files and the pages the phone saved, and answers with them when
there is no connection. The phone's queue (static/js/offline.js) sends the changes made
offline to the conduct endpoints (conduct.py), each once.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.access import audits as audit_access
from portal.access import public, staff_only
from portal.audits import services
from portal.extensions import db
from portal.models import Audit, AuditAnswer, AuditStatus, StandardVersion
from portal.static_files import static_url

bp = Blueprint("offline", __name__)

OPEN = (AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS)
THEME_COLOUR = "#0d6efd"


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, at the root so its scope is the whole portal."""
    path = Path(current_app.static_folder or "") / "js" / "sw.js"
    response = current_app.response_class(path.read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """What makes the portal installable on a phone (fetched without cookies: no data)."""
    icons = [
        {"src": static_url(f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    body = {
        "name": _("Dealer Network Portal"),
        "short_name": _("Dealer Portal"),
        "lang": str(get_locale() or "en").replace("_", "-"),  # BCP 47: zh-Hans
        "start_url": url_for("dashboard.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


def _due_for_offline() -> list[Audit]:
    """The signed-in auditor's open audits due within AUDIT_OFFLINE_DAYS (overdue ones too)."""
    days = int(current_app.config["AUDIT_OFFLINE_DAYS"])
    query = (
        audit_access.visible_audits(current_user)
        .where(
            Audit.auditor_id == current_user.id,
            Audit.status.in_(OPEN),
            Audit.scheduled_for <= clock.today() + timedelta(days=days),
        )
        .order_by(Audit.scheduled_for, Audit.id)
        .limit(50)
    )
    return list(db.session.scalars(query))


@bp.route("/audits/offline/")
@staff_only
def available():
    """What "Make available offline" downloads: each audit's bundle and pages."""
    audits = [
        {
            "id": audit.id,
            "bundle": url_for("offline.bundle", audit_id=audit.id),
            "copy": url_for("conduct.offline_copy", audit_id=audit.id),
            "page": url_for("conduct.page", audit_id=audit.id),
            "detail": url_for("audits.detail", audit_id=audit.id),
        }
        for audit in _due_for_offline()
    ]
    return jsonify(audits=audits, pages=[url_for("audits.index")])


@bp.route("/audits/<int:audit_id>/offline.json")
@staff_only
def bundle(audit_id: int):
    """One audit for offline use: its standard's items with guidance, its answers so far with
    their versions, and the previous audit's findings."""
    audit = audit_access.get_audit_or_404(current_user, audit_id)
    if not audit_access.can_conduct_audit(current_user, audit):
        return jsonify(ok=False, message=_("This audit can no longer be conducted.")), 409
    services.load_for_page(audit)
    version, answers = services.planned_answers(audit)
    if version is None:
        return jsonify(ok=False, message=_("The standard has no published version.")), 409
    return jsonify(_bundle(audit, version, answers))


def _bundle(audit: Audit, version: StandardVersion, answers: list[AuditAnswer]) -> dict[str, Any]:
    started = audit.status != AuditStatus.SCHEDULED
    photos = services.photos_of(answers) if started else {}
    previous = services.previous_answers(audit)
    return {
        "id": audit.id,
        "status": audit.status.value,
        "store": f"{audit.store.code} {audit.store.name}",
        "standard": audit.standard.code,
        "standard_version": version.id,
        "version_number": version.number,
        "scheduled_for": audit.scheduled_for.isoformat(),
        "urls": {
            "start": url_for("conduct.start", audit_id=audit.id),
            "complete": url_for("conduct.complete", audit_id=audit.id),
            "copy": url_for("conduct.offline_copy", audit_id=audit.id),
            "page": url_for("conduct.page", audit_id=audit.id),
            "detail": url_for("audits.detail", audit_id=audit.id),
        },
        "max_photos": int(current_app.config["AUDIT_MAX_PHOTOS_PER_ANSWER"]),
        "max_edge": int(current_app.config["UPLOAD_MAX_EDGE"]),
        "items": [
            _item(audit, answer, photos.get(answer.id, []), previous.get(answer.item.code))
            for answer in answers
        ],
    }


def _item(audit: Audit, answer: AuditAnswer, photos: list, previous: AuditAnswer | None):
    item = answer.item
    return {
        "id": item.id,
        "code": item.code,
        "label": item.label,
        "guidance": item.guidance_label,
        "weight": item.weight,
        "critical": item.critical,
        "photo_required": item.photo_required,
        "na_allowed": item.na_allowed,
        "result": answer.result.value if answer.result else None,
        "note": answer.note,
        "version": answer.version,
        "photos": [url_for("attachments.download", attachment_id=p.id) for p in photos],
        "previous": (
            {"result": previous.result.value if previous.result else None, "note": previous.note}
            if previous is not None
            else None
        ),
        "answer_url": url_for("conduct.answer", audit_id=audit.id, item_id=item.id),
        "photos_url": url_for("conduct.add_photos", audit_id=audit.id, item_id=item.id),
    }
