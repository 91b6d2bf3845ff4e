"""The large network's contracts and qualification documents.

Written in bulk beside the rest of `seed-large` (portal/demo/large.py), as the services would
have left them: the demo's document kinds (made when missing), each trading dealer's contract
in force (its dealer's contract dates follow it), with about one in six ending within 90
days and a few ended; and a document of each kind its dealer kind requires, accepted, about
one in eight expiring within 90 days, a few expired, missing, or renewed and waiting for
review.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from portal.demo.contracts import DOCUMENT_KINDS
from portal.extensions import db
from portal.models import Dealer, DocumentKind

Write = Callable[[str, Sequence[str], list[Sequence[Any]]], None]
NextId = Callable[[str], int]
CONTRACT_KIND = {"franchisee": "franchise", "dealer": "dealership", "distributor": "distribution"}
CONTRACT_COLUMNS = ("id", "dealer_id", "number", "kind", "status", "starts_on", "ends_on",
                    "terms", "signed_at", "created_by_id", "created_at", "updated_at",
                    "version")  # fmt: skip
STEP_COLUMNS = ("id", "contract_id", "action", "from_status", "to_status", "actor_id", "at",
                "comment")  # fmt: skip
DOCUMENT_COLUMNS = ("id", "dealer_id", "kind_id", "number", "issued_on", "expires_on", "status",
                    "reason", "submitted_at", "submitted_by_id", "reviewed_at", "reviewed_by_id",
                    "created_at", "updated_at", "version")  # fmt: skip
TERMS = "Renewable for five years on the same terms, notice six months ahead."


def _ends_in(rng: random.Random) -> int:
    """Days from today to an end date: mostly years away, some within 90, 30, 7, a few past."""
    roll = rng.random()
    if roll < 0.03:
        return -rng.randrange(1, 60)
    if roll < 0.05:
        return rng.randrange(0, 8)
    if roll < 0.09:
        return rng.randrange(8, 31)
    if roll < 0.16:
        return rng.randrange(31, 91)
    return rng.randrange(91, 5 * 365)


def _kinds(write: Write, next_id: NextId, stamp: datetime) -> dict[str, tuple[int, bool, set]]:
    """The document kinds by code (id, expires, dealer kinds requiring it), made when missing."""
    existing = {kind.code: kind for kind in db.session.scalars(select(DocumentKind))}
    kind_id = next_id("document_kinds")
    rows, requirements = [], []
    for order, (code, name, name_zh, expires, required) in enumerate(DOCUMENT_KINDS):
        if code in existing:
            continue
        rows.append((kind_id, code, name, name_zh, expires, True, order * 10, stamp, stamp, 1))
        requirements += [(kind_id, dealer_kind.value) for dealer_kind in required]
        kind_id += 1
    write("document_kinds", ("id", "code", "name", "name_zh", "expires", "active", "sort_order",
                             "created_at", "updated_at", "version"), rows)  # fmt: skip
    write("document_requirements", ("document_kind_id", "dealer_kind"), requirements)
    found = {}
    for kind in db.session.scalars(select(DocumentKind).where(DocumentKind.active.is_(True))):
        db.session.refresh(kind)
        found[kind.code] = (kind.id, kind.expires, {r.dealer_kind.value for r in kind.requirements})
    return found


def seed_contracts(
    write: Write, next_id: NextId, ids: Any, rng: random.Random, today: date
) -> None:
    stamp = datetime.combine(today, time(6), tzinfo=UTC).replace(tzinfo=None)
    kinds = _kinds(write, next_id, stamp)
    contract_id, step_id = next_id("contracts"), next_id("contract_transitions")
    document_id = next_id("qualification_documents")
    contracts, steps, documents, dates = [], [], [], []
    for dealer_id, region, status, dealer_kind in ids.dealers:
        if status not in ("active", "suspended"):
            continue
        end = today + timedelta(days=_ends_in(rng))
        start = end - timedelta(days=5 * 365)
        contracts.append((contract_id, dealer_id, f"L{dealer_id:05d}-{start.year}",
                          CONTRACT_KIND[dealer_kind], "active", start, end, TERMS, stamp,
                          ids.admin, stamp, stamp, 1))  # fmt: skip
        steps.append((step_id, contract_id, "create", None, "active", ids.admin, stamp, ""))
        dates.append({"b_id": dealer_id, "b_start": start, "b_end": end})
        contract_id, step_id = contract_id + 1, step_id + 1
        user = ids.dealer_users.get(dealer_id)
        reviewer = (ids.supervisors.get(region) or [ids.admin])[0]
        for code, (kind_id, expires, required) in kinds.items():
            if dealer_kind not in required or rng.random() < 0.02:  # a few missing
                continue
            ends = today + timedelta(days=_ends_in(rng)) if expires else None
            issued = min(today, (ends or today) - timedelta(days=3 * 365))
            documents.append((document_id, dealer_id, kind_id, f"{code}-{dealer_id}", issued,
                              ends, "accepted", "", stamp, user, stamp, reviewer, stamp, stamp,
                              1))  # fmt: skip
            document_id += 1
            if ends is not None and ends < today + timedelta(days=30) and rng.random() < 0.4:
                renewed = ends + timedelta(days=3 * 365)
                documents.append((document_id, dealer_id, kind_id, f"{code}-{dealer_id}-R",
                                  today, renewed, "submitted", "", stamp, user, None, None,
                                  stamp, stamp, 1))  # fmt: skip
                document_id += 1
    write("contracts", CONTRACT_COLUMNS, contracts)
    write("contract_transitions", STEP_COLUMNS, steps)
    write("qualification_documents", DOCUMENT_COLUMNS, documents)
    table = Dealer.__table__
    # The dealers' copy of their contract in force (Core, past the ORM's flush events: the
    # figures are rebuilt once at the end of the seed).
    db.session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(contract_start=bindparam("b_start"), contract_end=bindparam("b_end")),
        dates,
    )
