"""Contracts and documents pages: the staff overview (documents to review, renewals under
way, what expires), a dealer's contracts and documents, uploading a document and reviewing
one."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import clock, storage
from portal.access import contracts as rules
from portal.access import signed_in, staff_only
from portal.access.scope import get_dealer_or_404
from portal.contracts import services
from portal.contracts.blueprint import bp
from portal.contracts.forms import DocumentForm, ReviewForm
from portal.extensions import db
from portal.forms import new_client_key
from portal.metrics import contracts as metrics
from portal.models import (
    OPEN_RENEWAL,
    Contract,
    ContractStatus,
    Dealer,
    DocumentKind,
    DocumentStatus,
    QualificationDocument,
)

LISTED = 50  # rows per table on the overview (each says how many more there are)
DEALER_DOCUMENTS = 200  # a dealer's documents shown, newest first


def _within() -> int:
    return int(current_app.config["CONTRACT_WARNING_DAYS"])


@bp.route("/")
@signed_in
def index():
    """Staff: documents waiting for review, renewals under way, contracts and documents
    expiring or expired in scope. A dealer: its own contracts and documents."""
    if not (current_user.is_admin or current_user.is_supervisor):
        if current_user.dealer_id is None:
            return redirect(url_for("dashboard.home"))
        return redirect(url_for("contracts.dealer", dealer_id=current_user.dealer_id))
    today = clock.today()
    scope = rules.contracts_scope(current_user)
    waiting_query = rules.visible_documents(current_user).where(
        QualificationDocument.status == DocumentStatus.SUBMITTED
    )
    waiting = db.session.scalars(
        waiting_query.options(
            joinedload(QualificationDocument.dealer), joinedload(QualificationDocument.kind)
        )
        .order_by(QualificationDocument.submitted_at, QualificationDocument.id)
        .limit(LISTED)
    ).all()
    waiting_total = db.session.scalar(select(func.count()).select_from(waiting_query.subquery()))
    renewals = db.session.scalars(
        rules.visible_contracts(current_user)
        .where(Contract.status.in_(OPEN_RENEWAL))
        .options(joinedload(Contract.dealer))
        .order_by(Contract.created_at, Contract.id)
        .limit(LISTED)
    ).all()
    contract_alerts, contract_total = metrics.contract_alerts(
        scope, today=today, within_days=_within(), limit=LISTED
    )
    document_alerts, document_total = metrics.document_alerts(
        scope, today=today, within_days=_within(), limit=LISTED
    )
    return render_template(
        "contracts/index.html",
        waiting=waiting,
        waiting_total=waiting_total or 0,
        renewals=renewals,
        contract_alerts=contract_alerts,
        contract_total=contract_total,
        document_alerts=document_alerts,
        document_total=document_total,
        today=today,
        listed=LISTED,
    )


def dealer_documents(dealer: Dealer) -> dict[str, Any]:
    """A dealer's documents (newest first), the kinds it must hold, and what it must renew."""
    today = clock.today()
    documents = db.session.scalars(
        select(QualificationDocument)
        .where(QualificationDocument.dealer_id == dealer.id)
        .options(
            joinedload(QualificationDocument.kind),
            joinedload(QualificationDocument.file),
            joinedload(QualificationDocument.reviewed_by),
        )
        .order_by(QualificationDocument.submitted_at.desc(), QualificationDocument.id.desc())
        .limit(DEALER_DOCUMENTS)
    ).all()
    return {
        "documents": documents,
        "required": metrics.required_kinds(dealer.kind),
        "standing": metrics.dealer_standing(dealer, today=today, within_days=_within()),
    }


def dealer_contracts(dealer: Dealer) -> list[Contract]:
    """A dealer's contracts: in force and under way first, then the history, newest first."""
    order = {
        ContractStatus.ACTIVE: 0,
        ContractStatus.APPROVED: 1,
        ContractStatus.PROPOSED: 2,
        ContractStatus.SUPERSEDED: 3,
        ContractStatus.DECLINED: 4,
    }
    found = db.session.scalars(
        select(Contract)
        .where(Contract.dealer_id == dealer.id)
        .options(joinedload(Contract.document))
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
    ).all()
    return sorted(found, key=lambda contract: order[contract.status])


@bp.route("/dealers/<int:dealer_id>")
@signed_in
def dealer(dealer_id: int):
    dealer = get_dealer_or_404(current_user, dealer_id)
    today = clock.today()
    contracts = dealer_contracts(dealer)
    return render_template(
        "contracts/dealer.html",
        dealer=dealer,
        contracts=contracts,
        today=today,
        can_upload=rules.can_upload_document(current_user, dealer),
        can_record=rules.can_record_contract(current_user, dealer)
        and not any(c.status == ContractStatus.ACTIVE for c in contracts),
        can_renew={c.id for c in contracts if rules.can_propose_renewal(current_user, c)},
        renewing={c.renews_id for c in contracts if c.status in OPEN_RENEWAL},
        **dealer_documents(dealer),
    )


def _kinds() -> list[DocumentKind]:
    return list(
        db.session.scalars(
            select(DocumentKind)
            .where(DocumentKind.active.is_(True))
            .order_by(DocumentKind.sort_order, DocumentKind.name)
        )
    )


def _render_new_document(dealer: Dealer, form: DocumentForm, status: int = 200):
    return render_template("contracts/new_document.html", dealer=dealer, form=form), status


def show_error(form: Any, error: services.ContractError, default: str) -> None:
    """The refusal under its field (a stale version under `default`)."""
    name = error.field if error.field in form and error.field != "version" else default
    form[name].errors = [*form[name].errors, error.message]


@bp.route("/dealers/<int:dealer_id>/documents/new", methods=["GET", "POST"])
@signed_in
def new_document(dealer_id: int):
    dealer = get_dealer_or_404(current_user, dealer_id)
    if not rules.can_upload_document(current_user, dealer):
        abort(403)
    kinds = _kinds()
    form = DocumentForm()
    form.kind_id.choices = [(kind.id, kind.label) for kind in kinds]
    if not form.is_submitted() or not form.client_key.data:
        form.client_key.data = new_client_key()
    if not form.validate_on_submit():
        return _render_new_document(dealer, form, 422 if form.is_submitted() else 200)
    kind = next((kind for kind in kinds if kind.id == form.kind_id.data), None)
    if kind is None:
        form.kind_id.errors = [_("Choose a kind of document.")]
        return _render_new_document(dealer, form, 422)
    try:  # decoded before anything is written (no lock held meanwhile, S20)
        (checked,) = storage.check_before_writing([form.file.data])
    except storage.UploadRejected as rejected:
        form.file.errors = [str(rejected)]
        return _render_new_document(dealer, form, 422)
    try:
        document = services.submit_document(
            dealer,
            kind=kind,
            number=form.number.data or "",
            issued_on=form.issued_on.data,
            expires_on=form.expires_on.data,
            file=checked,
            actor=current_user,
            client_key=form.client_key.data,
        )
    except services.DocumentExists as exists:
        document_id = exists.record.id
        db.session.rollback()
        flash(_("This document was already submitted."), "info")
        return redirect(url_for("contracts.document", document_id=document_id))
    except services.ContractError as error:
        db.session.rollback()
        show_error(form, error, "file")
        return _render_new_document(dealer, form, 422)
    db.session.commit()
    flash(_("%(kind)s submitted for review.", kind=kind.label), "success")
    return redirect(url_for("contracts.document", document_id=document.id))


def _render_document(document: QualificationDocument, form: ReviewForm, status: int = 200):
    return (
        render_template(
            "contracts/document.html",
            document=document,
            form=form,
            can_review=rules.can_review_document(current_user, document),
            today=clock.today(),
        ),
        status,
    )


@bp.route("/documents/<int:document_id>")
@signed_in
def document(document_id: int):
    document = rules.get_document_or_404(current_user, document_id)
    form = ReviewForm()
    form.adopt_version(document)
    return _render_document(document, form)


@bp.route("/documents/<int:document_id>/review", methods=["POST"])
@staff_only
def review(document_id: int):
    document = rules.get_document_or_404(current_user, document_id, for_update=True)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_document(document, form, 422)
    if not rules.can_review_document(current_user, document):
        if document.status != DocumentStatus.SUBMITTED:
            form.reason.errors = [_("This document was already reviewed.")]
            return _render_document(document, form, 409)
        abort(403)
    accept = form.decision.data == "accept"
    try:
        services.review_document(
            document,
            accept=accept,
            reason=form.reason.data or "",
            version=form.version.data,
            actor=current_user,
        )
    except services.ContractError as error:
        db.session.rollback()
        document = rules.get_document_or_404(current_user, document_id)
        show_error(form, error, "reason")
        return _render_document(document, form, 409 if error.field == "version" else 422)
    db.session.commit()
    if accept:
        flash(_("Document accepted."), "success")
    else:
        flash(_("Document rejected; the dealer is told why."), "success")
    return redirect(url_for("contracts.dealer", dealer_id=document.dealer_id))
