"""The inbox: notifications for the signed-in user, with the unread count in the navigation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import listing, notifications
from portal.access import signed_in
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import Notification
from portal.security import is_safe_redirect

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.app_context_processor
def _unread() -> dict[str, object]:
    counted: list[int] = []  # counted once per page (the badge and the inbox both ask)

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        if not counted:
            counted.append(notifications.unread_count(current_user))
        return counted[0]

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@signed_in
def index():
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = db.paginate(query, page=listing.page_arg(), per_page=30, error_out=False)
    return render_template(
        "inbox/index.html", page=page, render=notifications.render, button=ButtonForm()
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@signed_in
def open_item(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    notifications.mark_read(current_user, [notification.id])
    db.session.commit()
    target = notification.link
    return redirect(target if is_safe_redirect(target) else url_for("inbox.index"))


@bp.route("/read-all", methods=["POST"])
@signed_in
def read_all():
    if not ButtonForm().validate_on_submit():
        abort(400)
    notifications.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("inbox.index"))
