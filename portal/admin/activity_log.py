"""Browse and filter the activity log (admins only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from portal import activity_text
from portal.access import admin_only
from portal.admin.forms import ActivityFilterForm
from portal.extensions import db
from portal.listing import like_pattern, page_arg
from portal.models import ActivityEntry

bp = Blueprint("activity", __name__, url_prefix="/admin/activity")


@bp.route("/")
@admin_only
def index():
    form = ActivityFilterForm(request.args)
    query = select(ActivityEntry)
    if form.validate():
        if form.actor.data:
            query = query.where(
                ActivityEntry.actor_email.ilike(like_pattern(form.actor.data), escape="\\")
            )
        if form.action.data:
            query = query.where(
                ActivityEntry.action.ilike(like_pattern(form.action.data), escape="\\")
            )
        if form.object_type.data:
            query = query.where(ActivityEntry.object_type == form.object_type.data)
        if form.outcome.data:
            query = query.where(ActivityEntry.outcome == form.outcome.data)
        if form.since.data:
            query = query.where(ActivityEntry.at >= datetime.combine(form.since.data, time(), UTC))
        if form.until.data and form.until.data < date.max:  # else: no end at all
            end = datetime.combine(form.until.data + timedelta(days=1), time(), UTC)
            query = query.where(ActivityEntry.at < end)
    query = query.order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
    page = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    activity_text.prefetch(page.items)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/activity/index.html", form=form, page=page, args=args)
