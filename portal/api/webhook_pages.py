"""Administration → Webhooks: register https endpoints for events, see the deliveries."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.access import admin_only
from portal.api import outbound, pages, webhooks
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import Webhook

EVENT_LABELS = {
    "plan.submitted": _l("Plan submitted"),
    "plan.approved": _l("Plan approved"),
    "plan.returned": _l("Plan returned"),
    "report.submitted": _l("Store report submitted"),
    "audit.completed": _l("Audit completed"),
    "notice.acknowledged": _l("Notice acknowledged"),
}


class WebhookForm(FlaskForm):
    url = URLField(_l("Address (https)"), [DataRequired(), Length(max=500)])
    events = SelectMultipleField(
        _l("Events"),
        choices=[(event, EVENT_LABELS[event]) for event in webhooks.EVENTS],
        validators=[DataRequired()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    description = StringField(_l("Description"), [Length(max=200)])


@pages.route("/admin/webhooks", methods=["GET", "POST"])
@admin_only
def webhooks_index():
    form = WebhookForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _hook, secret = webhooks.register(
                url=form.url.data,
                events=form.events.data,
                description=form.description.data or "",
                actor=current_user,
            )
        except outbound.UrlRefused as refused:
            db.session.rollback()
            form.url.errors = [str(refused.message)]
            status = 422
        else:
            db.session.commit()
    elif form.is_submitted():
        status = 422
    hooks = db.session.scalars(db.select(Webhook).order_by(Webhook.id)).all()
    return render_template(
        "api/webhooks.html",
        form=form,
        hooks=hooks,
        secret=secret,
        deliveries=webhooks.recent_deliveries(),
        labels=EVENT_LABELS,
        button=ButtonForm(),
        allow_http=current_app.config["WEBHOOK_ALLOW_HTTP"],
    ), status


@pages.route("/admin/webhooks/<int:webhook_id>/delete", methods=["POST"])
@admin_only
def webhooks_delete(webhook_id: int):
    hook = db.session.get(Webhook, webhook_id)
    if hook is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    webhooks.remove(hook, actor=current_user)
    db.session.commit()
    flash(_("Webhook removed."), "success")
    return redirect(url_for("api_pages.webhooks_index"))
