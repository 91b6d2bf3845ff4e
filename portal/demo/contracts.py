"""Demo contracts and qualifications: the document kinds head office asks for, each trading
dealer's contract in force (two of them renewals, their first contract kept in the history),
renewals under way, and its documents, accepted and valid for most, with some expiring in 90,
30 and 7 days, one expired and renewed (waiting for review), one rejected and sent again,
and one dealer missing a required document.

Dates are relative to the clock's today, so that the demo always has something expiring.
"""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.contracts import services
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.models import (
    ContractAction,
    ContractKind,
    DealerKind,
    DealerStatus,
    DocumentKind,
    DocumentRequirement,
    DocumentStatus,
    QualificationDocument,
    User,
)

F, D, X = DealerKind.FRANCHISEE, DealerKind.DEALER, DealerKind.DISTRIBUTOR
# code, English name, Chinese name, expires, required of
DOCUMENT_KINDS = [
    ("BIZ", "Business licence", "营业执照", True, (F, D, X)),
    ("TAX", "Tax registration", "税务登记证", False, (F, D, X)),
    ("FOOD", "Food business licence", "食品经营许可证", True, (F,)),
    ("ALC", "Alcohol retail licence", "酒类零售许可证", True, ()),
    ("AUTH", "Brand authorisation letter", "品牌授权书", True, (D, X)),
]
CONTRACT_KINDS = {
    F: ContractKind.FRANCHISE,
    D: ContractKind.DEALERSHIP,
    X: ContractKind.DISTRIBUTION,
}
FIVE_YEARS = timedelta(days=5 * 365)
# Days from today to the end of a dealer's contract in force (others: years away).
CONTRACT_ENDS = {"N02": 20, "E02": 75, "E04": 5, "S04": -12}
RENEWED = ("N01", "E01")  # their contract in force renewed a first one
# (dealer, kind): days from today to the accepted document's expiry
DOCUMENT_ENDS = {("N02", "BIZ"): 25, ("E04", "AUTH"): 6, ("N04", "AUTH"): 70, ("S01", "FOOD"): -3}
MISSING = {("S02", "AUTH")}


def seed_document_kinds() -> dict[str, DocumentKind]:
    kinds = {}
    for order, (code, name, name_zh, expires, required) in enumerate(DOCUMENT_KINDS):
        kinds[code] = DocumentKind(
            code=code,
            name=name,
            name_zh=name_zh,
            expires=expires,
            sort_order=order * 10,
            requirements=[DocumentRequirement(dealer_kind=kind) for kind in required],
        )
    db.session.add_all(kinds.values())
    db.session.flush()
    return kinds


def seed_contracts(demo: DemoNetwork) -> None:
    today = clock.today()
    admin = demo.users["admin@demo.example"]
    kinds = seed_document_kinds()
    trading = [
        dealer
        for dealer in demo.dealers.values()
        if dealer.status in (DealerStatus.ACTIVE, DealerStatus.SUSPENDED)
    ]
    for index, dealer in enumerate(trading):
        supervisor = _supervisor(demo, dealer.region.code)
        _contract(dealer, index, today, admin, supervisor)
        _documents(demo, dealer, kinds, index, today, supervisor)
    db.session.flush()


def _supervisor(demo: DemoNetwork, region: str) -> User:
    return demo.users[
        "north.supervisor@demo.example" if region == "NORTH" else "south.supervisor@demo.example"
    ]


def _contract(dealer, index: int, today: date, admin: User, supervisor: User) -> None:
    end = today + timedelta(days=CONTRACT_ENDS.get(dealer.code, 400 + 150 * index))
    start = min(dealer.contract_start or end, end - timedelta(days=365 * 3))
    kind = CONTRACT_KINDS[dealer.kind]
    number = f"{dealer.code}-{start.year}"
    if dealer.code not in RENEWED:
        services.create_contract(
            dealer,
            number=number,
            kind=kind,
            starts_on=start,
            ends_on=end,
            terms="Renewable for five years on the same terms, notice six months ahead.",
            actor=admin,
        )
    else:
        first = services.create_contract(
            dealer,
            number=f"{dealer.code}-{start.year - 5}",
            kind=kind,
            starts_on=start - FIVE_YEARS,
            ends_on=start - timedelta(days=1),
            terms="Five years; renewal on the brand's standard terms.",
            actor=admin,
        )
        renewal = _propose(first, number, start, end, supervisor)
        services.decide_renewal(
            renewal, approve=True, comment="", version=renewal.version, actor=admin
        )
        # The signed copy is on paper in the demo: the steps the upload would take.
        services.CONTRACTS.move(first, ContractAction.SUPERSEDE, actor=supervisor)
        services.CONTRACTS.move(renewal, ContractAction.SIGN, actor=supervisor)
        services.sync_dealer(dealer)
    current = services.active_contract(dealer)
    if dealer.code == "N02":  # ends in 20 days: a renewal waits for head office
        next_start = end + timedelta(days=1)
        _propose(current, f"{dealer.code}-{end.year}R", next_start, end + FIVE_YEARS, supervisor)
    if dealer.code == "E02":  # ends in 75 days: approved, waiting for the signed copy
        renewal = _propose(
            current, f"{dealer.code}-{end.year}R", end + timedelta(days=1),
            end + FIVE_YEARS, supervisor,
        )  # fmt: skip
        services.decide_renewal(
            renewal, approve=True, comment="Approved as proposed.", version=renewal.version,
            actor=admin,
        )  # fmt: skip


def _propose(contract, number: str, start: date, end: date, supervisor: User):
    return services.propose_renewal(
        contract,
        number=number,
        starts_on=start,
        ends_on=end,
        terms="Five more years; targets raised by 8 % a year; two new stores by year two.",
        actor=supervisor,
    )


def _documents(demo, dealer, kinds, index: int, today: date, supervisor: User) -> None:
    user = demo.users[f"{dealer.code.lower()}@demo.example"]
    for code, kind in kinds.items():
        required = dealer.kind in {r.dealer_kind for r in kind.requirements}
        held = required or (code == "ALC" and dealer.code == "N01")
        if not held or (dealer.code, code) in MISSING:
            continue
        issued = today - timedelta(days=300 + 20 * index)
        days = DOCUMENT_ENDS.get((dealer.code, code), 500 + 60 * index)
        expires = today + timedelta(days=days) if kind.expires else None
        number = f"{code}-{dealer.code}-{issued.year}"
        _document(dealer, kind, number, issued, expires, user, supervisor, DocumentStatus.ACCEPTED)
        if (dealer.code, code) == ("S01", "FOOD"):  # expired; the renewed one waits for review
            renewed = today + timedelta(days=3 * 365)
            _document(
                dealer, kind, f"{number}-R", today - timedelta(days=2), renewed, user, None,
                DocumentStatus.SUBMITTED,
            )  # fmt: skip
        if (dealer.code, code) == ("E01", "BIZ"):  # a scan refused, then sent again
            _document(
                dealer, kind, f"{number}-2", issued, expires, user, supervisor,
                DocumentStatus.REJECTED, "The scan is cut off: send all four corners.",
            )  # fmt: skip


def _document(dealer, kind, number, issued, expires, user, reviewer, status, reason="") -> None:
    now = clock.now()
    db.session.add(
        QualificationDocument(
            dealer_id=dealer.id,
            kind_id=kind.id,
            number=number,
            issued_on=issued,
            expires_on=expires,
            status=status,
            reason=reason,
            submitted_at=now - timedelta(days=30 if status != DocumentStatus.SUBMITTED else 1),
            submitted_by_id=user.id,
            reviewed_at=now - timedelta(days=28) if reviewer is not None else None,
            reviewed_by_id=reviewer.id if reviewer is not None else None,
        )
    )
