"""Signing: an approved prospect becomes an active dealer, in one transaction.

The dealer (its code, name, kind, region, contact and contract dates), its stores (planned
or open) are created from the proposal through the registry's own rules
(`portal.network.services`), and its first contract, in force, through the contracts' own
(`portal.contracts.services.create_contract`, numbered `<dealer code>-<start year>` like the
demo's), so nothing is typed twice; the prospect keeps its history and
its first-year targets and points at the dealer it became. The caller loads the prospect
with its row locked (`for_update`) and checks the version its page posted: two signings at
once make one dealer, the second sees the prospect already signed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.contracts.services import ContractError, create_contract
from portal.models import (
    ContractKind,
    Dealer,
    DealerKind,
    DealerStatus,
    Prospect,
    ProspectAction,
    User,
)
from portal.network.services import RegistryError, create_dealer, create_store
from portal.prospects.services import PROSPECTS, ProspectError, proposal_problems

# The contract a dealer of each kind signs.
CONTRACT_KINDS = {
    DealerKind.FRANCHISEE: ContractKind.FRANCHISE,
    DealerKind.DEALER: ContractKind.DEALERSHIP,
    DealerKind.DISTRIBUTOR: ContractKind.DISTRIBUTION,
}


def store_code(dealer_code: str, position: int) -> str:
    return f"{dealer_code}-{position:02d}"


def contract_number(prospect: Prospect) -> str:
    start = prospect.contract_start
    return f"{prospect.dealer_code}-{start.year}" if start else prospect.dealer_code


def sign(prospect: Prospect, *, actor: User, comment: str = "") -> Dealer:
    """approved → signed: create the dealer and its stores from the proposal."""
    PROSPECTS.check(prospect, ProspectAction.SIGN)
    problems = proposal_problems(prospect)
    if problems:
        raise ProspectError(problems[0])
    try:
        dealer = create_dealer(
            {
                "code": prospect.dealer_code,
                "name": prospect.name,
                "kind": prospect.kind,
                "status": DealerStatus.ACTIVE,
                "region_id": prospect.region_id,
                "contact_person": prospect.contact_person,
                "phone": prospect.phone,
                "email": prospect.email,
                "address": prospect.address,
                "city": prospect.city,
                "city_alias": prospect.city_alias,
                "contract_start": prospect.contract_start,
                "contract_end": prospect.contract_end,
            }
        )
        for planned in prospect.stores:
            same_city = planned.city == prospect.city
            planned.store = create_store(
                {
                    "code": store_code(dealer.code, planned.position),
                    "name": planned.name,
                    "dealer_id": dealer.id,
                    "address": planned.address,
                    "city": planned.city,
                    "city_alias": prospect.city_alias if same_city else "",
                    "format": planned.format,
                    "opened_on": planned.opens_on,
                    "status": planned.status,
                }
            )
    except RegistryError as error:
        field = "dealer_code" if error.field == "code" else None
        raise ProspectError(
            _l(
                "The dealer or one of its stores cannot be created: %(problem)s",
                problem=error.message,
            ),
            field,
        ) from None
    try:
        create_contract(
            dealer,
            number=contract_number(prospect),
            kind=CONTRACT_KINDS[prospect.kind],
            starts_on=prospect.contract_start,
            ends_on=prospect.contract_end,
            terms=prospect.contract_terms,
            actor=actor,
        )
    except ContractError as error:
        raise ProspectError(
            _l("The dealer's contract cannot be recorded: %(problem)s", problem=error.message)
        ) from None
    prospect.dealer = dealer
    PROSPECTS.move(prospect, ProspectAction.SIGN, actor=actor, comment=comment)
    return dealer
