"""Receivables pages: the aging of dealers and regions (staff), a dealer's statement (its
own users and staff in scope), and the invoices CSV import."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock, listing
from portal.access import receivables as rules
from portal.access import signed_in, staff_only
from portal.access.scope import visible_regions
from portal.csvio import CsvRejected, template_response
from portal.extensions import db
from portal.metrics import receivables as metrics
from portal.models import (
    CollectionTask,
    Dealer,
    DealerCredit,
    Invoice,
    Payment,
    TaskStatus,
)
from portal.receivables import csv_import
from portal.receivables.blueprint import bp
from portal.receivables.forms import HoldForm, ImportForm, TermsForm

SORTABLE = ("dealer", "open", "overdue", "late", "dso")
RECENT_PAYMENTS = 20


late_share = metrics.late_share_limit


@bp.route("/")
@signed_in
def index():
    """Staff: the aging of each dealer in scope with invoices open; a dealer: its statement."""
    if not rules.can_view_aging(current_user):
        if current_user.dealer_id is None:
            return redirect(url_for("dashboard.home"))
        return redirect(url_for("receivables.statement", dealer_id=current_user.dealer_id))
    params = listing.read_params(SORTABLE, "-late", ("region", "flagged"))
    today = clock.today()
    conditions = []
    region_id = params.id_filter("region")
    if region_id is not None:
        conditions.append(Dealer.region_id == region_id)
    scope = rules.receivables_scope(current_user)
    standings = metrics.dealer_standings(scope, today, *conditions, late_share=late_share())
    found = select(Dealer.id, Dealer.code).where(scope(Dealer.id))
    codes = dict(
        db.session.execute(listing.search(found, (Dealer.code, Dealer.name), params.q)).all()
    )
    rows = [(codes[key], s, key) for key, s in standings.items() if key in codes]
    if params.filters.get("flagged"):
        rows = [row for row in rows if row[1].flagged]
    rows.sort(key=_sort_key(params.sort), reverse=params.descending)
    page = listing.paginate_list(rows, params)
    # Only the page's dealers are loaded as records: thousands of rows are sorted as figures.
    ids = [key for _code, _s, key in page.items]
    dealers = {
        dealer.id: dealer
        for dealer in db.session.scalars(
            select(Dealer).where(Dealer.id.in_(ids)).options(selectinload(Dealer.region))
        )
    }
    return render_template(
        "receivables/index.html",
        page=page,
        rows=[(dealers[key], s) for _code, s, key in page.items],
        params=params,
        totals=_total([s.aging for _code, s, _key in rows]),
        regions=db.session.scalars(visible_regions(current_user)).all(),
        buckets=bucket_labels(),
        today=today,
    )


def _sort_key(sort: str):
    keys = {
        "dealer": lambda row: row[0],
        "open": lambda row: row[1].aging.open_minor,
        "overdue": lambda row: row[1].aging.overdue_minor,
        "late": lambda row: (row[1].aging.late_minor, row[1].aging.overdue_minor),
        "dso": lambda row: row[1].dso if row[1].dso is not None else Decimal(-1),
    }
    return keys[sort]


def _total(agings: list[metrics.Aging]) -> metrics.Aging:
    return metrics.Aging(
        {
            key: metrics.Bucket(
                sum(a.buckets[key].amount_minor for a in agings),
                sum(a.buckets[key].count for a in agings),
            )
            for key in metrics.BUCKETS
        }
    )


def bucket_labels() -> list[tuple[str, str]]:
    return metrics.bucket_labels()


@bp.route("/regions")
@staff_only
def regions():
    """The aging of each region in scope, with its DSO."""
    today = clock.today()
    scope = rules.receivables_scope(current_user)
    agings = metrics.aging_by(Dealer.region_id, scope, today)
    invoiced = metrics.invoiced_by(Dealer.region_id, scope, today)
    shown = [
        (region, agings.get(region.id, metrics.Aging()), invoiced.get(region.id, 0))
        for region in db.session.scalars(visible_regions(current_user))
    ]
    return render_template(
        "receivables/regions.html",
        rows=[
            (region, aging, metrics.dso(aging.open_minor, sales)) for region, aging, sales in shown
        ],
        totals=_total([aging for _region, aging, _sales in shown]),
        buckets=bucket_labels(),
        today=today,
    )


@bp.route("/dealers/<int:dealer_id>")
@signed_in
def statement(dealer_id: int):
    """A dealer's statement: open invoices, aging, recent payments, credit and any hold."""
    dealer = rules.get_statement_dealer_or_404(current_user, dealer_id)
    today = clock.today()
    standing = metrics.dealer_standing(dealer.id, today, late_share=late_share())
    invoices = db.session.scalars(
        select(Invoice)
        .where(*metrics.open_invoices(Invoice.dealer_id == dealer.id))
        .order_by(Invoice.due_on, Invoice.number)
    ).all()
    payments = db.session.execute(
        select(Payment, Invoice.number)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.dealer_id == dealer.id)
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
        .limit(RECENT_PAYMENTS)
    ).all()
    staff = rules.can_view_aging(current_user)
    tasks = {}
    if staff:
        tasks = {
            task.invoice_id: task
            for task in db.session.scalars(
                select(CollectionTask).where(
                    CollectionTask.dealer_id == dealer.id,
                    CollectionTask.status != TaskStatus.CLOSED,
                )
            )
        }
    credit = standing.credit or DealerCredit(limit_minor=0, terms_days=30, on_hold=False)
    terms_form = TermsForm(obj=credit) if rules.can_set_credit_terms(current_user) else None
    if terms_form is not None and standing.credit is not None:
        terms_form.adopt_version(standing.credit)
    hold_form = HoldForm(obj=credit) if rules.can_hold_credit(current_user, dealer) else None
    if hold_form is not None and standing.credit is not None:
        hold_form.adopt_version(standing.credit)
    return render_template(
        "receivables/statement.html",
        dealer=dealer,
        standing=standing,
        invoices=invoices,
        payments=payments,
        tasks=tasks,
        staff=staff,
        terms_form=terms_form,
        hold_form=hold_form,
        buckets=bucket_labels(),
        bucket_of=metrics.bucket_of,
        today=today,
    )


@bp.route("/import", methods=["GET", "POST"])
@staff_only
def import_invoices():
    """Upload, all-or-nothing import, per-row errors (422) or a summary."""
    if not rules.can_import_invoices(current_user):
        return redirect(url_for("receivables.index"))
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            result = csv_import.import_invoices(form.file.data, user=current_user)
        except CsvRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
        else:
            db.session.commit()
            flash(
                _(
                    "Invoices imported: %(created)d added, %(paid)d with new payments, "
                    "%(unchanged)d unchanged.",
                    created=result.created,
                    paid=result.paid,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for("receivables.index"))
    page = render_template(
        "receivables/import.html",
        form=form,
        errors=errors,
        columns=csv_import.COLUMNS,
        required=csv_import.REQUIRED,
    )
    return page, (422 if errors else 200)


@bp.route("/import/template.csv")
@staff_only
def import_template():
    return template_response("invoices-template.csv", csv_import.COLUMNS, csv_import.example())
