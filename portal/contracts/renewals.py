"""A contract's pages: recording one (admins), its page with its history, and its renewal:
proposed (staff in scope), approved or declined (admins), signed (staff in scope)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import storage
from portal.access import admin_only, signed_in, staff_only
from portal.access import contracts as rules
from portal.access.scope import get_dealer_or_404
from portal.contracts import services
from portal.contracts.blueprint import bp
from portal.contracts.forms import ContractForm, DecisionForm, RenewalForm, SignForm
from portal.contracts.pages import show_error
from portal.extensions import db
from portal.models import OPEN_RENEWAL, Contract, ContractKind, ContractTransition


@bp.route("/dealers/<int:dealer_id>/new", methods=["GET", "POST"])
@admin_only
def new(dealer_id: int):
    dealer = get_dealer_or_404(current_user, dealer_id)
    if not rules.can_record_contract(current_user, dealer):
        abort(403)
    form = ContractForm()

    def render(status: int = 200):
        return render_template("contracts/new.html", dealer=dealer, form=form), status

    if not form.validate_on_submit():
        return render(422 if form.is_submitted() else 200)
    checked = None
    if form.document.data and form.document.data.filename:
        try:
            (checked,) = storage.check_before_writing([form.document.data])
        except storage.UploadRejected as rejected:
            form.document.errors = [str(rejected)]
            return render(422)
    try:
        contract = services.create_contract(
            dealer,
            number=form.number.data,
            kind=ContractKind(form.kind.data),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            terms=form.terms.data or "",
            actor=current_user,
            document=checked,
        )
    except services.ContractError as error:
        db.session.rollback()
        show_error(form, error, "number")
        return render(422)
    db.session.commit()
    flash(_("Contract %(number)s recorded.", number=contract.number), "success")
    return redirect(url_for("contracts.detail", contract_id=contract.id))


def _render_detail(contract: Contract, form=None, sign_form=None, status: int = 200):
    history = services.history(contract)
    renewal = db.session.scalar(
        select(Contract).where(Contract.renews_id == contract.id, Contract.status.in_(OPEN_RENEWAL))
    )
    renewed_by = db.session.scalars(
        select(Contract).where(Contract.renews_id == contract.id).order_by(Contract.id)
    ).all()
    transitions = db.session.scalars(
        select(ContractTransition)
        .where(ContractTransition.contract_id.in_([c.id for c in history]))
        .options(selectinload(ContractTransition.actor))
        .order_by(ContractTransition.at, ContractTransition.id)
    ).all()
    if form is None:
        form = DecisionForm()
        form.adopt_version(contract)
    if sign_form is None:
        sign_form = SignForm()
        sign_form.adopt_version(contract)
    return (
        render_template(
            "contracts/detail.html",
            contract=contract,
            history=history,
            renewal=renewal,
            renewed_by=renewed_by,
            transitions=transitions,
            form=form,
            sign_form=sign_form,
            can_renew=rules.can_propose_renewal(current_user, contract) and renewal is None,
            can_decide=rules.can_decide_renewal(current_user, contract),
            can_sign=rules.can_sign_renewal(current_user, contract),
        ),
        status,
    )


@bp.route("/<int:contract_id>")
@signed_in
def detail(contract_id: int):
    return _render_detail(rules.get_contract_or_404(current_user, contract_id))


@bp.route("/<int:contract_id>/renew", methods=["GET", "POST"])
@staff_only
def renew(contract_id: int):
    contract = rules.get_contract_or_404(current_user, contract_id)
    if not rules.can_propose_renewal(current_user, contract):
        abort(403)
    form = RenewalForm()

    def render(status: int = 200):
        return render_template("contracts/renew.html", contract=contract, form=form), status

    if not form.is_submitted():
        years = max(1, (contract.ends_on - contract.starts_on).days // 365)
        form.starts_on.data = contract.ends_on + timedelta(days=1)
        form.ends_on.data = form.starts_on.data + timedelta(days=365 * years - 1)
        form.terms.data = contract.terms
        return render()
    if not form.validate():
        return render(422)
    try:
        renewal = services.propose_renewal(
            contract,
            number=form.number.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            terms=form.terms.data,
            actor=current_user,
        )
    except services.ContractExists as exists:
        renewal_id = exists.record.id
        db.session.rollback()
        flash(_("A renewal of this contract is already under way."), "info")
        return redirect(url_for("contracts.detail", contract_id=renewal_id))
    except services.ContractError as error:
        db.session.rollback()
        show_error(form, error, "terms")
        return render(422)
    db.session.commit()
    flash(_("Renewal proposed; an admin will approve it."), "success")
    return redirect(url_for("contracts.detail", contract_id=renewal.id))


@bp.route("/<int:contract_id>/decide", methods=["POST"])
@admin_only
def decide(contract_id: int):
    contract = rules.get_contract_or_404(current_user, contract_id, for_update=True)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_detail(contract, form=form, status=422)
    if not rules.can_decide_renewal(current_user, contract):
        form.comment.errors = [_("This renewal was already decided.")]
        return _render_detail(contract, form=form, status=409)
    approve = form.decision.data == "approve"
    try:
        services.decide_renewal(
            contract,
            approve=approve,
            comment=form.comment.data or "",
            version=form.version.data,
            actor=current_user,
        )
    except services.ContractError as error:
        db.session.rollback()
        contract = rules.get_contract_or_404(current_user, contract_id)
        show_error(form, error, "comment")
        return _render_detail(contract, form=form, status=409 if error.field == "version" else 422)
    db.session.commit()
    if approve:
        flash(_("Renewal approved; upload the signed contract to put it in force."), "success")
    else:
        flash(_("Renewal declined."), "success")
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@bp.route("/<int:contract_id>/sign", methods=["POST"])
@staff_only
def sign(contract_id: int):
    contract = rules.get_contract_or_404(current_user, contract_id)
    if not rules.can_sign_renewal(current_user, contract):
        abort(403)
    form = SignForm()
    if not form.validate_on_submit():
        return _render_detail(contract, sign_form=form, status=422)
    try:
        (checked,) = storage.check_before_writing([form.document.data])
    except storage.UploadRejected as rejected:
        form.document.errors = [str(rejected)]
        return _render_detail(contract, sign_form=form, status=422)
    contract = rules.get_contract_or_404(current_user, contract_id, for_update=True)
    try:
        services.sign_renewal(
            contract, document=checked, version=form.version.data, actor=current_user
        )
    except services.ContractError as error:
        db.session.rollback()
        contract = rules.get_contract_or_404(current_user, contract_id)
        show_error(form, error, "document")
        return _render_detail(
            contract, sign_form=form, status=409 if error.field == "version" else 422
        )
    db.session.commit()
    flash(_("Contract %(number)s signed and in force.", number=contract.number), "success")
    return redirect(url_for("contracts.detail", contract_id=contract.id))
