"""Object scope for sales plans, store reports, their attachments and actuals uploads.

Dealer users see and edit their own dealer's plans and reports; supervisors see and review
those of their regions' dealers; admins see everything and may review like a supervisor.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from portal.access.attachments import attachment_rule
from portal.access.scope import can_view_dealer, dealer_scope, region_ids_of
from portal.extensions import db
from portal.models import (
    PLAN_LIFECYCLE,
    REPORT_LIFECYCLE,
    Attachment,
    PlanStatus,
    ReportStatus,
    SalesPlan,
    Store,
    StoreReport,
    User,
)

EDITABLE_PLAN = PLAN_LIFECYCLE.editable
EDITABLE_REPORT = REPORT_LIFECYCLE.editable
REPORT_OWNER_TYPE = "store_report"


def _reviews_dealer(user: User, dealer_id: int, region_id: int) -> bool:
    """Admins, and supervisors of the dealer's region (read from the database)."""
    if user.is_admin:
        return True
    return user.is_supervisor and region_id in region_ids_of(user)


def _is_own_dealer(user: User, dealer_id: int) -> bool:
    return user.is_dealer and user.dealer_id is not None and user.dealer_id == dealer_id


# Sales plans


def visible_plans(user: User) -> Select[tuple[SalesPlan]]:
    return select(SalesPlan).where(dealer_scope(user, SalesPlan.dealer_id))


def can_view_plan(user: User, plan: SalesPlan) -> bool:
    return can_view_dealer(user, plan.dealer)


def can_create_plan(user: User) -> bool:
    """Plans are drafted by the dealer's own users."""
    return user.is_dealer and user.dealer_id is not None


def can_edit_plan(user: User, plan: SalesPlan) -> bool:
    return _is_own_dealer(user, plan.dealer_id) and plan.status in EDITABLE_PLAN


def can_submit_plan(user: User, plan: SalesPlan) -> bool:
    return can_edit_plan(user, plan)


def can_review_plan(user: User, plan: SalesPlan) -> bool:
    """Approve or return a submitted plan."""
    return plan.status == PlanStatus.SUBMITTED and _reviews_dealer(
        user, plan.dealer_id, plan.dealer.region_id
    )


def can_reopen_plan(user: User, plan: SalesPlan) -> bool:
    """Unlock an approved plan (with a reason)."""
    return plan.status == PlanStatus.APPROVED and _reviews_dealer(
        user, plan.dealer_id, plan.dealer.region_id
    )


def get_plan_or_404(user: User, plan_id: int, *, for_update: bool = False) -> SalesPlan:
    """The plan, if `user` may see it; 404 otherwise. `for_update` locks its row (PostgreSQL)."""
    query = select(SalesPlan).where(SalesPlan.id == plan_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    plan = db.session.scalar(query)
    if plan is None or not can_view_plan(user, plan):
        abort(404)
    return plan


# Store reports


def visible_reports(user: User) -> Select[tuple[StoreReport]]:
    return select(StoreReport).where(dealer_scope(user, StoreReport.dealer_id))


def can_view_report(user: User, report: StoreReport) -> bool:
    return can_view_dealer(user, report.dealer)


def can_create_report(user: User, store: Store) -> bool:
    """Store reports are written by the users of the dealer that runs the store."""
    return _is_own_dealer(user, store.dealer_id)


def can_edit_report(user: User, report: StoreReport) -> bool:
    return _is_own_dealer(user, report.dealer_id) and report.status in EDITABLE_REPORT


def can_review_report(user: User, report: StoreReport) -> bool:
    return report.status == ReportStatus.SUBMITTED and _reviews_dealer(
        user, report.dealer_id, report.dealer.region_id
    )


def get_report_or_404(user: User, report_id: int, *, for_update: bool = False) -> StoreReport:
    query = select(StoreReport).where(StoreReport.id == report_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    report = db.session.scalar(query)
    if report is None or not can_view_report(user, report):
        abort(404)
    return report


@attachment_rule(REPORT_OWNER_TYPE)
def can_view_report_attachment(user: User, attachment: Attachment) -> bool:
    """A report's photos and PDFs are visible to whoever may see the report."""
    if attachment.owner_id is None:
        return False
    report = db.session.get(StoreReport, attachment.owner_id)
    return report is not None and can_view_report(user, report)


# Actuals uploads (CSV)


def can_upload_actuals(user: User) -> bool:
    """Dealers for their own stores, supervisors for their regions, admins for all."""
    return user.is_admin or user.is_supervisor or (user.is_dealer and user.dealer_id is not None)


def uploadable_stores(user: User) -> Select[tuple[Store]]:
    """The stores whose actuals `user` may upload."""
    return select(Store).where(dealer_scope(user, Store.dealer_id))
