"""Regions: the sales territories every dealer belongs to."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import access, activity
from portal.access import admin_only, staff_only
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models import Dealer, Region
from portal.network import services
from portal.network.editing import save_form, toggle_active
from portal.network.forms import RegionForm

bp = Blueprint("regions", __name__, url_prefix="/regions")


@bp.route("/")
@staff_only
def index():
    regions = db.session.scalars(
        access.visible_regions(current_user).options(selectinload(Region.supervisors))
    ).all()
    counts = dict(
        db.session.execute(
            select(Dealer.region_id, func.count())
            .where(Dealer.active.is_(True))
            .group_by(Dealer.region_id)
        ).all()
    )
    return render_template(
        "network/regions/index.html", regions=regions, counts=counts, button=ButtonForm()
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = RegionForm()
    region, _conflicts = save_form(form, None, services.create_region, services.update_region)
    if region is not None:
        flash(_("Region %(name)s created.", name=region.name), "success")
        return redirect(url_for("regions.index"))
    return render_template("network/regions/edit.html", form=form, region=None)


@bp.route("/<int:region_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(region_id: int):
    region = db.get_or_404(Region, region_id)
    form = RegionForm(obj=region)
    saved, conflicts = save_form(form, region, services.create_region, services.update_region)
    if saved is not None:
        flash(_("Region %(name)s saved.", name=region.name), "success")
        return redirect(url_for("regions.index"))
    return render_template(
        "network/regions/edit.html",
        form=form,
        region=region,
        conflicts=conflicts,
        history=activity.history_for(region),
    ), (409 if conflicts else 200)


@bp.route("/<int:region_id>/active", methods=["POST"])
@admin_only
def set_active(region_id: int):
    toggle_active(db.get_or_404(Region, region_id))
    return redirect(url_for("regions.index"))
