"""Token pages: personal tokens on My account, service tokens in the administration, and the
`api-token` command. A new token's secret is shown once, on the answer to the POST that made
it (no redirect: it is never stored, so it could not be shown again)."""

from __future__ import annotations

import click
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import admin_only, signed_in
from portal.api import pages, services
from portal.api.forms import ServiceTokenForm, TokenForm
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import ApiToken, Dealer, Region, TokenKind
from portal.models.base import utcnow


def _max_days() -> int:
    return int(current_app.config["API_TOKEN_MAX_DAYS"])


def _show_error(form, error: services.TokenError) -> None:
    target = getattr(form, error.field or "", None)
    if target is not None:
        target.errors = [*target.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")


@pages.route("/account/api-tokens", methods=["GET", "POST"])
@signed_in
def personal():
    form = TokenForm(data={"days": current_app.config["API_TOKEN_DAYS"]})
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, secret = services.create_personal_token(
                current_user,
                name=form.name.data,
                days=form.days.data,
                read_only=form.read_only,
                max_days=_max_days(),
            )
        except services.TokenError as error:
            db.session.rollback()
            _show_error(form, error)
            status = 422
        else:
            db.session.commit()
            form = TokenForm(formdata=None, data={"days": current_app.config["API_TOKEN_DAYS"]})
    elif form.is_submitted():
        status = 422
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=services.tokens_of(current_user),
        secret=secret,
        now=utcnow(),
        button=ButtonForm(),
    ), status


@pages.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_personal(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id or token.kind != TokenKind.PERSONAL:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if services.revoke_token(token, actor=current_user):
        db.session.commit()
        flash(_("Token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("api_pages.personal"))


def _service_form() -> ServiceTokenForm:
    form = ServiceTokenForm(data={"days": current_app.config["API_TOKEN_DAYS"]})
    form.dealer_id.choices = [(0, "—")] + [
        (dealer.id, f"{dealer.code} {dealer.name}")
        for dealer in db.session.scalars(select(Dealer).order_by(Dealer.code))
    ]
    form.region_ids.choices = [
        (region.id, region.name)
        for region in db.session.scalars(select(Region).order_by(Region.name))
    ]
    return form


@pages.route("/admin/api-tokens", methods=["GET", "POST"])
@admin_only
def service():
    form = _service_form()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, secret = services.create_service_token(
                name=form.name.data,
                role=form.role.data,
                dealer=db.session.get(Dealer, form.dealer_id.data or 0),
                regions=db.session.scalars(
                    select(Region).where(Region.id.in_(form.region_ids.data or []))
                ).all(),
                days=form.days.data,
                read_only=form.read_only,
                actor=current_user,
                max_days=_max_days(),
            )
        except services.TokenError as error:
            db.session.rollback()
            _show_error(form, error)
            status = 422
        else:
            db.session.commit()
    elif form.is_submitted():
        status = 422
    return render_template(
        "api/service_tokens.html",
        form=form,
        tokens=services.service_tokens(),
        secret=secret,
        now=utcnow(),
        button=ButtonForm(),
    ), status


@pages.route("/admin/api-tokens/<int:token_id>/revoke", methods=["POST"])
@admin_only
def revoke_service(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if services.revoke_token(token, actor=current_user):
        db.session.commit()
        flash(_("Token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("api_pages.service"))


@pages.cli.command("api-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--read-only", is_flag=True, help="Refuse every write with this token.")
@click.option("--days", type=int, default=None, help="Days until it expires (default 90).")
def api_token(email: str, name: str, read_only: bool, days: int | None) -> None:
    """Create a personal API token for EMAIL and print it (it is shown only this once)."""
    user = services.user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no active user {email}")
    try:
        _token, secret = services.create_personal_token(
            user,
            name=name,
            days=int(current_app.config["API_TOKEN_DAYS"]) if days is None else days,
            read_only=read_only,
            max_days=_max_days(),
        )
    except services.TokenError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(secret)
