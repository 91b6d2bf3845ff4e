"""A dealer's credit: its limit and payment terms (admins) and a credit hold (staff in
scope), both posted from the statement page."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import admin_only, staff_only
from portal.access import receivables as rules
from portal.extensions import db
from portal.receivables import services
from portal.receivables.blueprint import bp
from portal.receivables.forms import HoldForm, TermsForm


def _refused(form, error: services.ReceivablesError | None = None):
    db.session.rollback()
    messages = [str(error.message)] if error is not None else []
    for field_errors in form.errors.values():
        messages += [str(message) for message in field_errors]
    flash(" ".join(messages) or _("Check the form and try again."), "danger")


@bp.route("/dealers/<int:dealer_id>/terms", methods=["POST"])
@admin_only
def terms(dealer_id: int):
    dealer = rules.get_statement_dealer_or_404(current_user, dealer_id)
    if not rules.can_set_credit_terms(current_user):
        abort(403)
    form = TermsForm()
    if not form.validate_on_submit():
        _refused(form)
    else:
        try:
            services.set_terms(
                dealer,
                limit_minor=form.limit_minor.data,
                terms_days=form.terms_days.data,
                version=form.version.data,
                actor=current_user,
            )
        except services.ReceivablesError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Credit limit and payment terms saved."), "success")
    return redirect(url_for("receivables.statement", dealer_id=dealer.id))


@bp.route("/dealers/<int:dealer_id>/hold", methods=["POST"])
@staff_only
def hold(dealer_id: int):
    dealer = rules.get_statement_dealer_or_404(current_user, dealer_id)
    if not rules.can_hold_credit(current_user, dealer):
        abort(404)
    form = HoldForm()
    if not form.validate_on_submit():
        _refused(form)
    else:
        try:
            services.set_hold(
                dealer,
                on_hold=form.on_hold.data,
                reason=form.reason.data or "",
                version=form.version.data,
                actor=current_user,
            )
        except services.ReceivablesError as error:
            _refused(form, error)
        else:
            db.session.commit()
            if form.on_hold.data:
                flash(_("The dealer's credit is on hold."), "success")
            else:
                flash(_("The credit hold is lifted."), "success")
    return redirect(url_for("receivables.statement", dealer_id=dealer.id))
