"""The admins' outbox (every mail and how its delivery went) and each user's mail choices."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import activity, listing
from portal.access import admin_only, signed_in
from portal.extensions import db
from portal.forms import ButtonForm
from portal.mail import choices, forms, kinds, outbox
from portal.models import MailMode, MailState, OutgoingMail

bp = Blueprint("mail", __name__)

LISTED_STATES = [s for s in MailState if s != MailState.NEW]


@bp.route("/admin/outbox")
@admin_only
def outbox_index():
    params = listing.read_params(("created",), "-created", ("state",))
    query = select(OutgoingMail).options(joinedload(OutgoingMail.user))
    state = params.filters.get("state")
    if state in {s.value for s in LISTED_STATES}:
        query = query.where(OutgoingMail.state == state)
    else:
        query = query.where(OutgoingMail.state != MailState.NEW)
    query = listing.search(query, [OutgoingMail.subject, OutgoingMail.to_address], params.q)
    query = query.order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    page = listing.paginate(query, params)
    return render_template(
        "mail/outbox/index.html",
        page=page,
        params=params,
        states=LISTED_STATES,
        mode=outbox.mode(),
        kinds=kinds,
    )


@bp.route("/admin/outbox/<int:mail_id>")
@admin_only
def outbox_detail(mail_id: int):
    mail = db.get_or_404(OutgoingMail, mail_id)
    bundled = outbox.bundled_in(mail) if mail.kind == "digest" else []
    return render_template(
        "mail/outbox/detail.html", mail=mail, bundled=bundled, button=ButtonForm(), kinds=kinds
    )


@bp.route("/admin/outbox/<int:mail_id>/retry", methods=["POST"])
@admin_only
def outbox_retry(mail_id: int):
    mail = db.get_or_404(OutgoingMail, mail_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if outbox.retry_now(mail):
        activity.record("mail.retry", mail.user, details={"mail": mail.id})
        db.session.commit()
        flash(_("The mail will be sent again."), "success")
    else:
        flash(_("Only a failed mail can be sent again."), "warning")
    return redirect(url_for("mail.outbox_detail", mail_id=mail.id))


@bp.route("/account/mail", methods=["GET", "POST"])
@signed_in
def preferences():
    chosen = choices.preferences_of([current_user.id])
    current = {
        topic: choices.effective_mode(topic, chosen.get((current_user.id, topic)))
        for topic in kinds.topics_for(current_user)
    }
    form = forms.preferences_form(current_user, current)
    if form.validate_on_submit():
        chosen_now = {t: MailMode(form[t].data) for t in kinds.topics_for(current_user)}
        changed = choices.set_preferences(current_user, chosen_now)
        if changed:
            activity.record("mail.preferences", current_user, details={"topics": changed})
        db.session.commit()
        flash(_("Your mail choices were saved."), "success")
        return redirect(url_for("mail.preferences"))
    if request.method == "GET":
        for topic, mode in current.items():
            form[topic].data = mode.value
    return render_template(
        "mail/preferences.html",
        form=form,
        topics=kinds.topics_for(current_user),
        enabled=outbox.enabled(),
    )
