"""What an audit's pages and PDF show: its answers by section, photos, actions, trend."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import charts, clock, pdf, storage
from portal.audits import corrective, services
from portal.extensions import db
from portal.metrics import audits as metrics
from portal.models import ActionStep, Audit, AuditAnswer, CorrectiveAction, StandardSection


def sections_of(
    audit: Audit, answers: list[AuditAnswer] | None = None, version_id: int | None = None
) -> list[tuple[StandardSection, list[AuditAnswer]]]:
    """The audit's answers grouped by the sections of its version, in the standard's order.

    A follow-up audit only has answers for some items: empty sections are left out. A
    scheduled audit's offline copy passes the answers and version starting would lay out.
    """
    answers = audit.answers if answers is None else answers
    by_item = {answer.item_id: answer for answer in answers}
    sections = db.session.scalars(
        select(StandardSection)
        .where(StandardSection.version_id == (version_id or audit.standard_version_id))
        .options(selectinload(StandardSection.items))
        .order_by(StandardSection.position, StandardSection.id)
    ).all()
    grouped = []
    for section in sections:
        in_section = [by_item[item.id] for item in section.items if item.id in by_item]
        if in_section:
            grouped.append((section, in_section))
    return grouped


def trend_chart(audit: Audit) -> Any:
    points = metrics.score_trend(
        lambda column: column == audit.dealer_id, audit.store_id, until=audit.completed_at
    )
    if len(points) < 2:
        return None
    return charts.line_chart(
        [day.isoformat() for day, _score in points],
        [charts.Series(_("Score"), [score for _day, score in points])],
        title=_("Audit scores of %(store)s", store=str(audit.store)),
        y_min=0,
        y_max=100,
        table=False,
    )


def render(audit: Audit) -> bytes:
    """The single-audit PDF: answers, photos, score, actions. The caller checked access."""
    html, attachments = prepare(audit)
    # Rendered by a job (portal/audits/pdf_jobs.py), so with the background limits.
    limits = pdf.Limits.from_config(background=True)
    return pdf.render_html(html, attachments=attachments, limits=limits)


def prepare(audit: Audit) -> tuple[str, dict[int, tuple[str, Any]]]:
    """The PDF's HTML and its photos, read from the database now; the photos' bytes are
    loaded by storage key as the renderer takes them, so the render needs no transaction."""
    sections = sections_of(audit)
    photos = services.photos_of(audit.answers)
    actions = db.session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.audit_id == audit.id)
        .options(
            joinedload(CorrectiveAction.item),
            selectinload(CorrectiveAction.steps).joinedload(ActionStep.actor),
        )
        .order_by(CorrectiveAction.id)
    ).all()
    evidence = corrective.evidence_of(step for action in actions for step in action.steps)
    images = [a for group in (*photos.values(), *evidence.values()) for a in group if a.is_image]
    # Read one at a time as the renderer takes them; decoded only inside its limits.
    load = storage.backend().load
    attachments = {a.id: (a.content_type, partial(load, a.storage_key)) for a in images}
    context = {
        "audit": audit,
        "sections": sections,
        "photos": photos,
        "previous": services.previous_answers(audit),
        "actions": actions,
        "evidence": evidence,
        "chart": trend_chart(audit),
        "today": clock.today(),
    }
    return pdf.prepare_html("pdf/audit_report.html", context), attachments
