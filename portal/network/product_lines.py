"""Product lines: the categories plans and reports are broken down by."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import activity
from portal.access import admin_only
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import ProductLine
from portal.network import services
from portal.network.editing import save_form, toggle_active
from portal.network.forms import ProductLineForm

bp = Blueprint("product_lines", __name__, url_prefix="/product-lines")


@bp.route("/")
@admin_only
def index():
    lines = db.session.scalars(
        select(ProductLine).order_by(ProductLine.sort_order, ProductLine.code)
    ).all()
    return render_template("network/product_lines/index.html", lines=lines, button=ButtonForm())


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = ProductLineForm()
    line, _conflicts = save_form(
        form, None, services.create_product_line, services.update_product_line
    )
    if line is not None:
        flash(_("Product line %(name)s created.", name=line.name), "success")
        return redirect(url_for("product_lines.index"))
    return render_template("network/product_lines/edit.html", form=form, line=None)


@bp.route("/<int:line_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(line_id: int):
    line = db.get_or_404(ProductLine, line_id)
    form = ProductLineForm(obj=line)
    saved, conflicts = save_form(
        form, line, services.create_product_line, services.update_product_line
    )
    if saved is not None:
        flash(_("Product line %(name)s saved.", name=line.name), "success")
        return redirect(url_for("product_lines.index"))
    return render_template(
        "network/product_lines/edit.html",
        form=form,
        line=line,
        conflicts=conflicts,
        history=activity.history_for(line),
    ), (409 if conflicts else 200)


@bp.route("/<int:line_id>/active", methods=["POST"])
@admin_only
def set_active(line_id: int):
    toggle_active(db.get_or_404(ProductLine, line_id))
    return redirect(url_for("product_lines.index"))
