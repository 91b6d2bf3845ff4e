"""Who sees and handles contracts and qualification documents.

- A dealer's contracts (in force, renewals under way, history) and documents: staff of the
  dealer's scope (admins all, supervisors their regions) and the dealer's own users.
  Anything else answers 404, their files included.
- Documents are uploaded by the dealer's users and by staff in scope; reviewed (accepted,
  or rejected saying why) by staff in scope.
- A contract is recorded by an admin; its renewal is proposed by staff in scope, approved
  or declined by an admin, and signed (its signed document uploaded) by staff in scope.
- Document kinds, and which dealer kinds require them: admins.
- Nothing is changed by a user whose dealer is suspended (read-only), like everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import abort
from sqlalchemy import ColumnElement, Select, select

from portal.access.attachments import attachment_rule
from portal.access.scope import can_view_dealer, dealer_scope, fetch
from portal.access.standing import is_read_only
from portal.extensions import db
from portal.models import (
    Attachment,
    Contract,
    ContractStatus,
    Dealer,
    DocumentStatus,
    QualificationDocument,
    User,
)

CONTRACT_FILE = "contract"  # an attachment: a contract's signed document
DOCUMENT_FILE = "qualification_document"  # an attachment: a qualification document's scan


def contracts_scope(user: User) -> Callable[[ColumnElement[int]], ColumnElement[bool]]:
    """The dealer-id clause maker for `user`, as the metrics take it."""
    return partial(dealer_scope, user)


def _staff(user: User) -> bool:
    return user.is_admin or user.is_supervisor


def visible_contracts(user: User) -> Select[tuple[Contract]]:
    return select(Contract).where(dealer_scope(user, Contract.dealer_id))


def visible_documents(user: User) -> Select[tuple[QualificationDocument]]:
    return select(QualificationDocument).where(dealer_scope(user, QualificationDocument.dealer_id))


def can_view_contract(user: User, contract: Contract) -> bool:
    return can_view_dealer(user, contract.dealer)


def can_view_document(user: User, document: QualificationDocument) -> bool:
    return can_view_dealer(user, document.dealer)


def can_upload_document(user: User, dealer: Dealer) -> bool:
    return can_view_dealer(user, dealer) and not is_read_only(user)


def can_review_document(user: User, document: QualificationDocument) -> bool:
    return (
        _staff(user)
        and can_view_document(user, document)
        and not is_read_only(user)
        and document.status == DocumentStatus.SUBMITTED
    )


def can_record_contract(user: User, dealer: Dealer) -> bool:
    return user.is_admin and can_view_dealer(user, dealer)


def can_propose_renewal(user: User, contract: Contract) -> bool:
    return (
        _staff(user)
        and can_view_contract(user, contract)
        and not is_read_only(user)
        and contract.status == ContractStatus.ACTIVE
    )


def can_decide_renewal(user: User, contract: Contract) -> bool:
    return user.is_admin and contract.status == ContractStatus.PROPOSED


def can_sign_renewal(user: User, contract: Contract) -> bool:
    return (
        _staff(user)
        and can_view_contract(user, contract)
        and not is_read_only(user)
        and contract.status == ContractStatus.APPROVED
    )


def can_manage_document_kinds(user: User) -> bool:
    return user.is_admin


def get_contract_or_404(user: User, contract_id: int, *, for_update: bool = False) -> Contract:
    contract = fetch(Contract, contract_id, for_update)
    if contract is None or not can_view_contract(user, contract):
        abort(404)
    return contract


def get_document_or_404(
    user: User, document_id: int, *, for_update: bool = False
) -> QualificationDocument:
    document = fetch(QualificationDocument, document_id, for_update)
    if document is None or not can_view_document(user, document):
        abort(404)
    return document


@attachment_rule(CONTRACT_FILE)
def _may_view_contract_file(user: User, attachment: Attachment) -> bool:
    contract = db.session.get(Contract, attachment.owner_id or 0)
    return contract is not None and can_view_contract(user, contract)


@attachment_rule(DOCUMENT_FILE)
def _may_view_document_file(user: User, attachment: Attachment) -> bool:
    document = db.session.get(QualificationDocument, attachment.owner_id or 0)
    return document is not None and can_view_document(user, document)
