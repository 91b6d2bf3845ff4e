"""Each role's home page: who you are and where to go."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal import access
from portal.access import public, signed_in
from portal.extensions import db
from portal.metrics import audits as audit_metrics
from portal.metrics import notices as notice_metrics
from portal.metrics import plans as plan_metrics
from portal.models import ActivityEntry, Dealer, DealerStatus, ProductLine, Region, Store, User
from portal.models.base import utcnow

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    return redirect(url_for("auth.sign_in"))


@bp.route("/home")
@signed_in
def home():
    if current_user.is_dealer:
        return _dealer_home()
    if current_user.is_supervisor:
        return _supervisor_home()
    return _admin_home()


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def _admin_home():
    counts = {
        "regions": _count(Region, Region.active.is_(True)),
        "dealers": _count(Dealer, Dealer.active.is_(True)),
        "stores": _count(Store, Store.active.is_(True)),
        "product_lines": _count(ProductLine, ProductLine.active.is_(True)),
        "users": _count(User, User.active.is_(True)),
    }
    recent = db.session.scalars(
        select(ActivityEntry).order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc()).limit(10)
    ).all()
    return render_template("dashboard/admin.html", counts=counts, recent=recent)


def _supervisor_home():
    regions = db.session.scalars(access.visible_regions(current_user)).all()
    rows = db.session.execute(
        select(Dealer.region_id, Dealer.status, func.count())
        .where(access.dealer_scope(current_user, Dealer.id), Dealer.active.is_(True))
        .group_by(Dealer.region_id, Dealer.status)
    ).all()
    by_region: dict[int, dict[str, int]] = {region.id: {} for region in regions}
    for region_id, status, count in rows:
        by_region.setdefault(region_id, {})[DealerStatus(status).value] = count
    store_count = db.session.scalar(
        select(func.count()).select_from(
            access.visible_stores(current_user).where(Store.active.is_(True)).subquery()
        )
    )
    active_dealers = db.session.scalars(
        select(Dealer.id).where(
            access.dealer_scope(current_user, Dealer.id),
            Dealer.active.is_(True),
            Dealer.status == DealerStatus.ACTIVE,
        )
    ).all()
    due = plan_metrics.supervisor_due_now(
        active_dealers,
        date.today(),
        due_day=current_app.config["PLAN_DUE_DAY"],
        due_days=current_app.config["REPORT_DUE_DAYS"],
    )
    return render_template(
        "dashboard/supervisor.html",
        due=due,
        regions=regions,
        by_region=by_region,
        store_count=store_count,
        statuses=DealerStatus,
        overdue_notices=notice_metrics.overdue_notices(current_user),
        audit_card=_audit_card(),
    )


def _audit_card() -> dict[str, int]:
    """Audits and corrective actions needing attention (issue 7 redoes dashboards)."""
    scope = partial(access.dealer_scope, current_user)
    today = utcnow().date()
    card = audit_metrics.open_action_counts(scope, today=today)
    if not current_user.is_dealer:
        window = int(current_app.config["AUDIT_DUE_WINDOW_DAYS"])
        due = audit_metrics.due_counts(scope, today=today, window_days=window)
        card.update({"audits_overdue": due["overdue"], "audits_due": due["due"]})
    return card


def _dealer_home():
    dealer = current_user.dealer
    stores = db.session.scalars(
        select(Store)
        .where(Store.dealer_id == current_user.dealer_id, Store.active.is_(True))
        .order_by(Store.code)
    ).all()
    due = plan_metrics.dealer_due_now(
        dealer.id,
        date.today(),
        due_day=current_app.config["PLAN_DUE_DAY"],
        due_days=current_app.config["REPORT_DUE_DAYS"],
    )
    return render_template(
        "dashboard/dealer.html", dealer=dealer, stores=stores, due=due, audit_card=_audit_card()
    )
