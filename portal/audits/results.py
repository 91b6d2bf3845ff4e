"""Audit results: a store's history with its score trend, and a region's weak points."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import access, charts, clock
from portal.access import audits as audit_access
from portal.access import signed_in, staff_only
from portal.extensions import db
from portal.ids import to_id
from portal.metrics import audits as metrics
from portal.models import ActionStatus, Audit, AuditStatus, CorrectiveAction

bp = Blueprint("audit_results", __name__, url_prefix="/audits")

PERIODS = (90, 180, 365)


@bp.route("/stores/<int:store_id>")
@signed_in
def store(store_id: int):
    store = access.get_store_or_404(current_user, store_id)
    audits = db.session.scalars(
        audit_access.visible_audits(current_user)
        .where(Audit.store_id == store.id, Audit.status != AuditStatus.CANCELLED)
        .options(joinedload(Audit.standard), joinedload(Audit.standard_version))
        .order_by(Audit.scheduled_for.desc(), Audit.id.desc())
    ).all()
    counts = _action_counts([a.id for a in audits])
    points = metrics.score_trend(partial(access.dealer_scope, current_user), store.id)
    chart = None
    if points:
        chart = charts.line_chart(
            [day.isoformat() for day, _score in points],
            [charts.Series(_("Score"), [score for _day, score in points])],
            title=_("Audit scores of %(store)s", store=str(store)),
            y_min=0,
            y_max=100,
        )
    return render_template(
        "audits/store.html",
        store=store,
        audits=audits,
        counts=counts,
        chart=chart,
        today=clock.today(),
    )


def _action_counts(audit_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per audit: (all actions, actions not verified yet)."""
    if not audit_ids:
        return {}
    rows = db.session.execute(
        select(
            CorrectiveAction.audit_id,
            func.count(),
            func.sum(db.case((CorrectiveAction.status != ActionStatus.VERIFIED, 1), else_=0)),
        )
        .where(CorrectiveAction.audit_id.in_(audit_ids))
        .group_by(CorrectiveAction.audit_id)
    )
    return {audit_id: (total, int(open_ or 0)) for audit_id, total, open_ in rows}


@bp.route("/findings")
@staff_only
def findings():
    regions = db.session.scalars(access.visible_regions(current_user)).all()
    region_id = to_id(request.args.get("region"))
    region = next((r for r in regions if r.id == region_id), None)
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else PERIODS[-1]
    today = clock.today()
    since = today - timedelta(days=days)
    scope = partial(access.dealer_scope, current_user)
    region_filter = region.id if region else None
    return render_template(
        "audits/findings.html",
        regions=regions,
        region=region,
        days=days,
        periods=PERIODS,
        since=since,
        summary=metrics.audit_summary(scope, since=since, region_id=region_filter),
        failed_items=metrics.most_failed_items(
            scope, region_id=region_filter, since=since, limit=15
        ),
        averages=metrics.audit_averages(scope, since=since, region_id=region_filter),
        timeliness=metrics.action_timeliness(
            scope, today=today, since=since, region_id=region_filter
        ),
    )
