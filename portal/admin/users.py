"""User administration pages (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import activity, listing
from portal.access import admin_only
from portal.admin import services
from portal.admin.forms import ResetPasswordForm, UserCreateForm, UserEditForm
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import Region, Role, User
from portal.network.services import dealer_choices

bp = Blueprint("users", __name__, url_prefix="/admin/users")

SORTABLE = {
    "email": User.email,
    "name": User.name,
    "role": User.role,
    "last_sign_in": User.last_sign_in_at,
}
FILTERS = ("role", "inactive")


def _fill_choices(form) -> None:
    form.dealer_id.choices = [
        (0, "—"),
        *dealer_choices(include=getattr(form.dealer_id, "data", None)),
    ]
    form.region_ids.choices = [
        (r.id, r.name) for r in db.session.scalars(select(Region).order_by(Region.name))
    ]


@bp.route("/")
@admin_only
def index():
    params = listing.read_params(SORTABLE, "email", FILTERS)
    query = listing.search(select(User), [User.email, User.name], params.q)
    if params.filters.get("role") in Role.__members__.values():
        query = query.where(User.role == params.filters["role"])
    if params.filters.get("inactive") != "1":
        query = query.where(User.active.is_(True))
    query = listing.order(query, params, SORTABLE, User.id).options(
        selectinload(User.dealer), selectinload(User.regions)
    )
    page = listing.paginate(query, params)
    return render_template("admin/users/index.html", page=page, params=params, roles=Role)


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = UserCreateForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            user = services.create_user(form.data)
        except services.UserError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _(
                    "User %(email)s created. They must choose a new password at first sign-in.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("admin/users/edit.html", form=form, user=None)


@bp.route("/<int:user_id>")
@admin_only
def detail(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template(
        "admin/users/detail.html",
        user=user,
        history=activity.history_for(user),
        reset_form=ResetPasswordForm(obj=user),
        button=ButtonForm(),
    )


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.region_ids.data = [r.id for r in user.regions]
        form.dealer_id.data = user.dealer_id or 0
    _fill_choices(form)
    conflicts = []
    if form.validate_on_submit():
        if form.is_stale(user):
            conflicts = form.conflicts(user)
            form.adopt_version(user)
        else:
            try:
                services.update_user(user, form.data, acting=current_user)
            except services.UserError as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(error.message)
            else:
                db.session.commit()
                flash(_("User %(email)s saved.", email=user.email), "success")
                return redirect(url_for("users.detail", user_id=user.id))
    return render_template("admin/users/edit.html", form=form, user=user, conflicts=conflicts), (
        409 if conflicts else 200
    )


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@admin_only
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except services.UserError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(
                _(
                    "Password reset. %(email)s must choose a new one at next sign-in.",
                    email=user.email,
                ),
                "success",
            )
    else:
        flash(_("Enter a temporary password."), "danger")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/active", methods=["POST"])
@admin_only
def set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.set_active(user, request.form.get("active") == "1", acting=current_user)
    except services.UserError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(
            _("User reactivated.")
            if user.active
            else _("User deactivated; their sessions were ended."),
            "success",
        )
    return redirect(url_for("users.detail", user_id=user.id))
