"""The rules of contracts and qualification documents: recording a contract, its renewal
(proposed, approved or declined, signed), documents submitted and reviewed, and the
document kinds admins configure.

Every function flushes and never commits. A contract in force is copied onto its dealer
(`contract_start`, `contract_end`), which the alerts and the registry read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from portal import activity, clock, lifecycle, notifications, storage
from portal.access.contracts import CONTRACT_FILE, DOCUMENT_FILE
from portal.database import insert_unique
from portal.extensions import db
from portal.metrics import upkeep
from portal.models import (
    CONTRACT_LIFECYCLE,
    OPEN_RENEWAL,
    Contract,
    ContractAction,
    ContractKind,
    ContractStatus,
    Dealer,
    DealerKind,
    DocumentKind,
    DocumentRequirement,
    DocumentStatus,
    QualificationDocument,
    Role,
    User,
)
from portal.models.lifecycle import COMMENT_MAX

Upload = FileStorage | storage.CheckedUpload

notifications.register_kind(
    "contract.proposed", _l("%(dealer)s: renewal %(number)s of its contract waits for approval.")
)
notifications.register_kind(
    "document.submitted", _l("%(dealer)s submitted a document to review: %(document)s.")
)
notifications.register_kind("document.accepted", _l("Your document %(document)s was accepted."))
notifications.register_kind(
    "document.rejected", _l("Your document %(document)s was rejected: %(reason)s")
)


class ContractError(lifecycle.LifecycleError):
    """A change the rules refuse; `field` names the form field to show it on."""


class ContractExists(lifecycle.RecordExists):
    """A renewal of this contract is already under way (a resent or concurrent proposal)."""


class DocumentExists(lifecycle.RecordExists):
    """The upload form was already sent: `record` is the document it submitted."""


CONTRACTS = lifecycle.Lifecycle(
    CONTRACT_LIFECYCLE,
    error=ContractError,
    exists=ContractExists,
    about=lambda contract: {"number": contract.number},
    decided=lambda contract: {"number": contract.number, "dealer": contract.dealer.name},
    summary=lambda contract: {
        "number": contract.number,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
    },
    link=lambda contract: f"/contracts/{contract.id}",
)


def link_of_dealer(dealer_id: int) -> str:
    return f"/contracts/dealers/{dealer_id}"


# Contracts


def active_contract(dealer: Dealer) -> Contract | None:
    return db.session.scalar(
        select(Contract).where(
            Contract.dealer_id == dealer.id, Contract.status == ContractStatus.ACTIVE
        )
    )


def sync_dealer(dealer: Dealer) -> None:
    """Copy the dates of the dealer's contract in force onto the dealer (nothing without one)."""
    current = active_contract(dealer)
    if current is None:
        return
    if (dealer.contract_start, dealer.contract_end) != (current.starts_on, current.ends_on):
        dealer.contract_start = current.starts_on
        dealer.contract_end = current.ends_on
        db.session.flush()


def _check_terms(number: str, starts_on: date, ends_on: date, terms: str) -> str:
    number = number.strip()
    if not number:
        raise ContractError(_l("Give the contract's number."), "number")
    if len(number) > 40:
        raise ContractError(_l("Keep it under %(max)d characters.", max=40), "number")
    if ends_on < starts_on:
        raise ContractError(_l("The contract cannot end before it starts."), "ends_on")
    if len(terms) > COMMENT_MAX:
        raise ContractError(_l("Keep it under %(max)d characters.", max=COMMENT_MAX), "terms")
    _check_number_free(number)
    return number


def _number_taken(number: str) -> bool:
    with db.session.no_autoflush:
        return db.session.scalar(select(Contract.id).where(Contract.number == number)) is not None


def _check_number_free(number: str) -> None:
    """Run before the INSERT, and again when it conflicts (another request took the number
    meanwhile, R3): the conflict becomes this form error, not a server error."""
    if _number_taken(number):
        raise ContractError(_l("Another contract has this number."), "number")


def _attach(contract: Contract, upload: Upload, actor: User) -> None:
    try:
        attachment = storage.save_upload(
            upload,
            owner_type=CONTRACT_FILE,
            owner_id=contract.id,
            dealer_id=contract.dealer_id,
            uploaded_by=actor,
        )
    except storage.UploadRejected as rejected:
        raise ContractError(str(rejected), "document") from None
    contract.document_id = attachment.id
    db.session.flush()


def create_contract(
    dealer: Dealer,
    *,
    number: str,
    kind: ContractKind,
    starts_on: date,
    ends_on: date,
    terms: str = "",
    actor: User,
    document: Upload | None = None,
) -> Contract:
    """Record a signed contract in force for `dealer` (its signed document when given) and
    copy its dates onto the dealer. Refused while the dealer has one in force: renew that."""
    number = _check_terms(number, starts_on, ends_on, terms.strip())

    def check_free() -> None:
        if active_contract(dealer) is not None:
            raise ContractError(_l("This dealer has a contract in force: renew it instead."))
        _check_number_free(number)

    check_free()
    contract = Contract(
        dealer_id=dealer.id,
        number=number,
        kind=kind,
        status=ContractStatus.ACTIVE,
        starts_on=starts_on,
        ends_on=ends_on,
        terms=terms.strip(),
        created_by_id=actor.id,
    )
    contract.dealer = dealer
    insert_unique(contract, check_free)  # one in force per dealer, even at once (R3)
    CONTRACTS.move(contract, ContractAction.CREATE, actor=actor)
    if document is not None:
        _attach(contract, document, actor)
    sync_dealer(dealer)
    return contract


def propose_renewal(
    contract: Contract,
    *,
    number: str,
    starts_on: date,
    ends_on: date,
    terms: str,
    actor: User,
) -> Contract:
    """Propose the terms of renewing the contract in force; an admin approves them."""
    if contract.status != ContractStatus.ACTIVE:
        raise ContractError(_l("Only a contract in force can be renewed."))
    terms = terms.strip()
    if not terms:
        raise ContractError(_l("Give the renewal terms."), "terms")
    if starts_on <= contract.starts_on:
        raise ContractError(_l("The renewal must start after the contract it renews."), "starts_on")

    def under_way() -> Contract | None:
        return db.session.scalar(
            select(Contract).where(
                Contract.renews_id == contract.id, Contract.status.in_(OPEN_RENEWAL)
            )
        )

    found = under_way()
    if found is not None:
        raise ContractExists(found)
    number = _check_terms(number, starts_on, ends_on, terms)
    renewal = Contract(
        dealer_id=contract.dealer_id,
        number=number,
        kind=contract.kind,
        status=ContractStatus.PROPOSED,
        starts_on=starts_on,
        ends_on=ends_on,
        terms=terms,
        renews_id=contract.id,
        created_by_id=actor.id,
    )
    renewal.dealer = contract.dealer

    def existing() -> Contract | None:
        found = under_way()
        if found is None:
            _check_number_free(number)
        return found

    CONTRACTS.create(renewal, existing=existing)
    CONTRACTS.move(renewal, ContractAction.PROPOSE, actor=actor)
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True), notifications.people())
    )
    notifications.notify_users(
        admins,
        "contract.proposed",
        link=CONTRACTS.link(renewal),
        number=renewal.number,
        dealer=f"{renewal.dealer.code} {renewal.dealer.name}",
    )
    return renewal


def _check_version(record: Contract | QualificationDocument, version: int | None) -> None:
    """A form built on an older version of the record must not overwrite what changed since."""
    if version is None or record.version != version:
        raise ContractError(
            _l("Someone changed this meanwhile; check it and decide again."), "version"
        )


def decide_renewal(
    renewal: Contract, *, approve: bool, comment: str, version: int | None, actor: User
) -> None:
    """An admin approves the proposed renewal, or declines it saying why."""
    _check_version(renewal, version)
    action = ContractAction.APPROVE if approve else ContractAction.DECLINE
    CONTRACTS.move(renewal, action, actor=actor, comment=comment)


def sign_renewal(renewal: Contract, *, document: Upload, version: int | None, actor: User) -> None:
    """The approved renewal's signed document: the renewal is in force, the contract it
    renews is superseded (kept in the history), and the dealer's dates follow."""
    _check_version(renewal, version)
    CONTRACTS.check(renewal, ContractAction.SIGN)
    _attach(renewal, document, actor)
    old = renewal.renews
    if old is not None and old.status == ContractStatus.ACTIVE:
        CONTRACTS.move(old, ContractAction.SUPERSEDE, actor=actor)  # first: one in force
    CONTRACTS.move(renewal, ContractAction.SIGN, actor=actor)
    sync_dealer(renewal.dealer)


def history(contract: Contract) -> list[Contract]:
    """The contracts this one renews, newest first (it included)."""
    chain, seen = [contract], {contract.id}
    while chain[-1].renews is not None and chain[-1].renews_id not in seen:
        seen.add(chain[-1].renews_id)
        chain.append(chain[-1].renews)
    return chain


# Qualification documents


def submit_document(
    dealer: Dealer,
    *,
    kind: DocumentKind,
    number: str,
    issued_on: date,
    expires_on: date | None,
    file: Upload,
    actor: User,
    client_key: str | None = None,
) -> QualificationDocument:
    """A document submitted for review, with its scan (PDF or image): a first one or a
    renewal. The region's supervisors are told. `client_key` makes a resent form submit it
    once: `DocumentExists` names the one already there."""
    today = clock.today()

    def check_free() -> None:
        found = client_key and db.session.scalar(
            select(QualificationDocument).where(QualificationDocument.client_key == client_key)
        )
        if found:
            raise DocumentExists(found)

    check_free()
    if not kind.active:
        raise ContractError(_l("This kind of document is no longer asked for."), "kind_id")
    if issued_on > today:
        raise ContractError(_l("The issue date cannot be in the future."), "issued_on")
    if kind.expires and expires_on is None:
        raise ContractError(_l("Give the expiry date of this document."), "expires_on")
    if expires_on is not None and expires_on < issued_on:
        raise ContractError(_l("The document cannot expire before it was issued."), "expires_on")
    document = QualificationDocument(
        client_key=client_key or None,
        dealer_id=dealer.id,
        kind_id=kind.id,
        number=number.strip()[:60],
        issued_on=issued_on,
        expires_on=expires_on,
        status=DocumentStatus.SUBMITTED,
        submitted_at=clock.now(),
        submitted_by_id=actor.id,
    )
    insert_unique(document, check_free)
    try:
        attachment = storage.save_upload(
            file,
            owner_type=DOCUMENT_FILE,
            owner_id=document.id,
            dealer_id=dealer.id,
            uploaded_by=actor,
        )
    except storage.UploadRejected as rejected:
        raise ContractError(str(rejected), "file") from None
    document.file_id = attachment.id
    db.session.flush()
    activity.record(
        "qualification_document.submit",
        document,
        details={"dealer": dealer.code, "kind": kind.code, "expires_on": _iso(expires_on)},
        actor=actor,
    )
    notifications.notify_supervisors_of(
        dealer.id,
        "document.submitted",
        link=f"/contracts/documents/{document.id}",
        dealer=f"{dealer.code} {dealer.name}",
        document=kind.label,
    )
    return document


def review_document(
    document: QualificationDocument,
    *,
    accept: bool,
    reason: str,
    version: int | None,
    actor: User,
) -> None:
    """Accept the submitted document, or reject it saying why; the dealer is told."""
    _check_version(document, version)
    if document.status != DocumentStatus.SUBMITTED:
        raise ContractError(_l("This document was already reviewed."))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ContractError(_l("Say why the document is rejected."), "reason")
    if len(reason) > COMMENT_MAX:
        raise ContractError(_l("Keep it under %(max)d characters.", max=COMMENT_MAX), "reason")
    document.status = DocumentStatus.ACCEPTED if accept else DocumentStatus.REJECTED
    document.reason = "" if accept else reason
    document.reviewed_at = clock.now()
    document.reviewed_by_id = actor.id
    db.session.flush()
    action = "qualification_document.accept" if accept else "qualification_document.reject"
    activity.record(
        action,
        document,
        details={"reason": reason} if not accept else {"kind": document.kind.code},
        actor=actor,
    )
    kind = "document.accepted" if accept else "document.rejected"
    params = {"document": document.kind.label}
    if not accept:
        params["reason"] = reason[:200]
    notifications.notify_dealer(
        document.dealer_id, kind, link=f"/contracts/documents/{document.id}", **params
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# Document kinds


def _kind_with_code(code: str) -> int | None:
    with db.session.no_autoflush:
        return db.session.scalar(select(DocumentKind.id).where(DocumentKind.code == code))


def save_document_kind(
    kind: DocumentKind | None,
    *,
    code: str,
    name: str,
    name_zh: str,
    expires: bool,
    active: bool,
    required_for: Iterable[DealerKind],
    version: int | None,
    actor: User,
) -> DocumentKind:
    """Create or change a document kind and the dealer kinds that require it. The health
    of the dealers whose requirements changed is recomputed."""
    code = code.strip().upper()

    def check_code_free() -> None:
        taken = _kind_with_code(code)
        if taken is not None and (kind is None or taken != kind.id):
            raise ContractError(_l("Another kind of document has this code."), "code")

    check_code_free()
    if kind is None:
        before: set[DealerKind] = set()
        was_active = False
    else:
        if version is None or kind.version != version:
            raise ContractError(
                _l("Someone changed this kind of document meanwhile; check it and save again."),
                "version",
            )
        before, was_active = kind.required_for, kind.active
    wanted = set(required_for)
    try:  # changed in a savepoint: another request may have taken the code since the check (R3)
        with db.session.begin_nested():
            if kind is None:
                kind = DocumentKind(code=code, name=name.strip(), name_zh=name_zh.strip())
                db.session.add(kind)
            kind.code, kind.name, kind.name_zh = code, name.strip(), name_zh.strip()
            kind.expires, kind.active = expires, active
            kind.updated_at = clock.now()  # a new version even when only requirements change
            kind.requirements = [
                *(r for r in kind.requirements if r.dealer_kind in wanted),
                *(DocumentRequirement(dealer_kind=k) for k in wanted - before),
            ]
            db.session.flush()
    except IntegrityError:
        check_code_free()
        raise
    touched = (before if was_active else set()) ^ (wanted if active else set())
    if touched:
        dealers = db.session.scalars(select(Dealer.id).where(Dealer.kind.in_(touched)))
        upkeep.mark_stale(list(dealers))
    activity.record(
        "document_kind.save",
        kind,
        details={"code": code, "required_for": sorted(k.value for k in wanted)},
        actor=actor,
    )
    return kind
