"""Prospects: record one, edit its details, take it a step on, lose it, draft its proposal.

Every step goes through the shared lifecycle (`portal.lifecycle`): it is refused from any
other status (no stage is skipped), stamped, logged with its actor and comment, and
recorded in the activity log. The screening lives in screening.py, signing in signing.py.
Functions take plain values and model instances, flush, never commit, and raise
`ProspectError` with a message for the form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import activity, lifecycle, notifications
from portal.extensions import db
from portal.models import (
    PROSPECT_LIFECYCLE,
    Dealer,
    DealerKind,
    ProductLine,
    Prospect,
    ProspectAction,
    ProspectStatus,
    ProspectStore,
    ProspectTarget,
    Region,
    Role,
    StoreFormat,
    StoreStatus,
    User,
)
from portal.models.base import utcnow

PROSPECT_FIELDS = (
    "name",
    "kind",
    "contact_person",
    "phone",
    "email",
    "address",
    "city",
    "city_alias",
    "source",
    "notes",
)
notifications.register_kind(
    "prospect.proposed",
    _l("The proposal for %(prospect)s (%(region)s) waits for your approval."),
)

# Store codes are the dealer's code and a number (N07-01): the code leaves room for it.
DEALER_CODE_MAX = 17
STORE_STATUSES = (StoreStatus.PLANNED, StoreStatus.OPEN)
# A proposal's rows: the form's planned-store rows, and at most this many product lines.
PLANNED_STORES_MAX = 6
TARGET_LINES_MAX = 100
# Head office decides on (or approved) the details as they are: signing uses them.
DETAILS_LOCKED = (ProspectStatus.PROPOSAL, ProspectStatus.APPROVED)


class ProspectError(lifecycle.LifecycleError):
    """A change the prospect rules refuse."""


class ProspectExists(lifecycle.RecordExists):
    """The new-prospect form was already sent: `record` is the prospect it recorded."""


PROSPECTS = lifecycle.Lifecycle(
    PROSPECT_LIFECYCLE,
    error=ProspectError,
    exists=ProspectExists,
    about=lambda prospect: {"prospect": prospect.name},
    decided=lambda prospect: {"prospect": prospect.name, "region": prospect.region.name},
    summary=lambda prospect: {"region": prospect.region_id, "name": prospect.name},
    link=lambda prospect: f"/prospects/{prospect.id}",
)


def _pick(values: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Only the named fields: anything else a client posts is ignored (check S5)."""
    picked = {name: values[name] for name in allowed if name in values}
    if "kind" in picked:
        picked["kind"] = DealerKind(picked["kind"])
    for name, value in picked.items():
        if isinstance(value, str):
            picked[name] = value.strip()
    return picked


def find_by_key(client_key: str | None) -> Prospect | None:
    if not client_key:
        return None
    return db.session.scalar(select(Prospect).where(Prospect.client_key == client_key))


def create_prospect(
    *,
    region: Region,
    values: Mapping[str, Any],
    actor: User,
    client_key: str | None = None,
    comment: str = "",
) -> Prospect:
    """A new lead in `region`; `client_key` makes a resent form record it once."""
    if not region.active:
        raise ProspectError(_l("This region is deactivated."), "region_id")
    values = _pick(values, PROSPECT_FIELDS)
    if not values.get("name"):
        raise ProspectError(_l("Give the prospect's business name."), "name")
    prospect = Prospect(
        client_key=client_key or None,
        region_id=region.id,
        status=ProspectStatus.LEAD,
        created_by_id=actor.id,
        **values,
    )
    prospect.region = region
    PROSPECTS.create(prospect, existing=lambda: find_by_key(client_key))
    PROSPECTS.move(prospect, ProspectAction.CREATE, actor=actor, comment=comment)
    return prospect


def update_prospect(
    prospect: Prospect, values: Mapping[str, Any], *, actor: User
) -> dict[str, list[Any]]:
    """Change the details of an open prospect (its business, contact and city)."""
    if not prospect.is_open:
        raise ProspectError(_l("This prospect is %(status)s.", status=prospect.status.label))
    if prospect.status in DETAILS_LOCKED:
        raise ProspectError(
            _l(
                "The details cannot be changed while the proposal is with head office or "
                "after it was approved."
            )
        )
    values = _pick(values, PROSPECT_FIELDS)
    if "name" in values and not values["name"]:
        raise ProspectError(_l("Give the prospect's business name."), "name")
    changed = activity.apply_changes(prospect, values)
    if changed:
        db.session.flush()
        activity.record("prospect.update", prospect, actor=actor, details=changed)
    return changed


def lose(prospect: Prospect, *, actor: User, reason: str) -> None:
    """The prospect will not become a dealer: say why (kept, and shown in the lists)."""
    entry = PROSPECTS.move(prospect, ProspectAction.LOSE, actor=actor, comment=reason)
    prospect.lost_reason = entry.comment
    db.session.flush()


# The proposal


@dataclass(frozen=True)
class PlannedStore:
    name: str
    format: StoreFormat
    status: StoreStatus = StoreStatus.PLANNED
    city: str = ""
    address: str = ""
    opens_on: date | None = None


@dataclass(frozen=True)
class Proposal:
    dealer_code: str
    contract_start: date | None
    contract_end: date | None
    contract_terms: str
    note: str
    stores: Sequence[PlannedStore]
    targets: Mapping[int, tuple[int, int]]  # product line id -> (revenue minor, units)


def _dealer_code_problem(prospect: Prospect, code: str) -> Any:
    with db.session.no_autoflush:
        return _code_problem(prospect, code)


def _code_problem(prospect: Prospect, code: str) -> Any:
    if not code:
        return _l("Give the new dealer's code.")
    if len(code) > DEALER_CODE_MAX:
        return _l("Keep the code to %(max)d characters.", max=DEALER_CODE_MAX)
    if db.session.scalar(select(Dealer.id).where(Dealer.code == code)) is not None:
        return _l("This code is already used by a dealer.")
    other = db.session.scalar(
        select(Prospect.id).where(
            Prospect.dealer_code == code,
            Prospect.id != prospect.id,
            Prospect.status.not_in((ProspectStatus.LOST, ProspectStatus.SIGNED)),
        )
    )
    if other is not None:
        return _l("Another prospect's proposal uses this code.")
    return None


def save_proposal(prospect: Prospect, proposal: Proposal, *, actor: User) -> None:
    """Replace the proposal (after the site visit, before it goes for approval)."""
    if not prospect.is_open or prospect.status not in PROSPECT_LIFECYCLE.editable:
        raise ProspectError(_l("The proposal can be changed only after the site visit."))
    code = proposal.dealer_code.strip().upper()
    if code and (problem := _dealer_code_problem(prospect, code)) is not None:
        raise ProspectError(problem, "dealer_code")
    start, end = proposal.contract_start, proposal.contract_end
    if start is not None and end is not None and end <= start:
        raise ProspectError(_l("The contract must end after it starts."), "contract_end")
    _check_stores(proposal.stores)
    lines = _check_targets(proposal.targets)
    try:  # changed in a savepoint: another proposal may have taken the code since the check
        with db.session.begin_nested():
            prospect.dealer_code = code
            prospect.contract_start, prospect.contract_end = start, end
            prospect.contract_terms = proposal.contract_terms.strip()
            prospect.proposal_note = proposal.note.strip()
            prospect.stores = [
                ProspectStore(
                    position=position,
                    name=planned.name.strip(),
                    address=planned.address.strip(),
                    city=planned.city.strip() or prospect.city,
                    format=planned.format,
                    status=planned.status,
                    opens_on=planned.opens_on,
                )
                for position, planned in enumerate(proposal.stores, start=1)
            ]
            current = {target.product_line_id: target for target in prospect.targets}
            kept = []
            for line_id, (revenue, units) in proposal.targets.items():
                if line_id not in lines or (revenue, units) == (0, 0):
                    continue
                target = current.get(line_id) or ProspectTarget(product_line_id=line_id)
                target.revenue_minor, target.units = revenue, units
                kept.append(target)
            prospect.targets = kept
            prospect.updated_at = utcnow()  # a new version: pages showing the old proposal go stale
            db.session.flush()
    except IntegrityError:
        if code and (problem := _dealer_code_problem(prospect, code)) is not None:
            raise ProspectError(problem, "dealer_code") from None
        raise
    activity.record(
        "prospect.proposal",
        prospect,
        actor=actor,
        details={"code": code, "stores": len(prospect.stores), "lines": len(kept)},
    )


def _check_stores(stores: Sequence[PlannedStore]) -> None:
    if len(stores) > PLANNED_STORES_MAX:
        raise ProspectError(
            _l("Plan at most %(max)d stores in the proposal.", max=PLANNED_STORES_MAX), "stores"
        )
    for planned in stores:
        if not planned.name.strip():
            raise ProspectError(_l("Give every planned store a name."), "stores")
        if planned.status not in STORE_STATUSES:
            raise ProspectError(_l("A new store is planned or open."), "stores")


def _check_targets(targets: Mapping[int, tuple[int, int]]) -> set[int]:
    if len(targets) > TARGET_LINES_MAX:
        raise ProspectError(
            _l("Give targets for at most %(max)d product lines.", max=TARGET_LINES_MAX), "targets"
        )
    lines = set(db.session.scalars(select(ProductLine.id).where(ProductLine.active.is_(True))))
    for line_id, (revenue, units) in targets.items():
        if line_id not in lines and (revenue, units) != (0, 0):
            raise ProspectError(_l("Choose active product lines only."), "targets")
        if revenue < 0 or units < 0:
            raise ProspectError(_l("Targets cannot be negative."), "targets")
    return lines


def proposal_problems(prospect: Prospect) -> list[Any]:
    """What the proposal lacks before it can go for approval (or be signed)."""
    problems: list[Any] = []
    code_problem = (
        _dealer_code_problem(prospect, prospect.dealer_code)
        if prospect.status != ProspectStatus.SIGNED
        else None
    )
    if code_problem is not None:
        problems.append(code_problem)
    if prospect.contract_start is None or prospect.contract_end is None:
        problems.append(_l("Give the contract's start and end dates."))
    if not prospect.stores:
        problems.append(_l("Plan at least one store."))
    if not prospect.targets:
        problems.append(_l("Give a first-year target for at least one product line."))
    return problems


def propose(prospect: Prospect, *, actor: User, comment: str = "") -> None:
    """Send the proposal to head office for approval."""
    PROSPECTS.check(prospect, ProspectAction.PROPOSE)
    problems = proposal_problems(prospect)
    if problems:
        raise ProspectError(problems[0])
    PROSPECTS.move(prospect, ProspectAction.PROPOSE, actor=actor, comment=comment)
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True), notifications.people())
    )
    notifications.notify_users(
        admins,
        "prospect.proposed",
        link=PROSPECTS.link(prospect),
        prospect=prospect.name,
        region=prospect.region.name,
    )


def contact(prospect: Prospect, *, actor: User, comment: str = "") -> None:
    PROSPECTS.move(prospect, ProspectAction.CONTACT, actor=actor, comment=comment)
