"""Dealer contracts and qualification documents that ended or end soon: the warnings on the
dealer page, the staff and dealer homes, the dealer file and the reminders; the required
documents a dealer misses (its health score).

Contract alerts read the dealer's `contract_end`, a copy of its contract in force (kept by
`portal.contracts.services`), so dealers recorded before contracts were keep theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import localized
from portal.metrics.home import HOME_STATUSES, as_date, dealers_in_scope
from portal.metrics.prepared import IDS, among
from portal.models import (
    Contract,
    Dealer,
    DealerKind,
    DocumentKind,
    DocumentRequirement,
    DocumentStatus,
    QualificationDocument,
)

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]
EXPIRED = "expired"
EXPIRING = "expiring"


@dataclass(frozen=True)
class ContractAlert:
    """One dealer whose contract ended, or ends within the warning window."""

    dealer_id: int
    code: str
    name: str
    contract_end: date
    days_left: int  # negative once the contract ended

    @property
    def state(self) -> str:
        return EXPIRED if self.days_left < 0 else EXPIRING

    @property
    def expired(self) -> bool:
        return self.state == EXPIRED

    @property
    def stage(self) -> str:
        """expired, d7, d30 or d90 (d90 too for a longer warning window)."""
        if self.days_left < 0:
            return EXPIRED
        return next((STAGE_OF_DAYS[days] for days in STAGES if self.days_left <= days), D90)


def contract_state(end: date | None, *, today: date, within_days: int) -> str | None:
    """ "expired" once the end date passed (the last day is still covered), "expiring"
    within `within_days` of it, None otherwise or without an end date."""
    if end is None:
        return None
    if end < today:
        return EXPIRED
    if end <= today + timedelta(days=within_days):
        return EXPIRING
    return None


def _alerting(scope: Scope, today: date, within_days: int) -> tuple[ColumnElement[bool], ...]:
    return (
        Dealer.id.in_(dealers_in_scope(scope).scalar_subquery()),
        Dealer.contract_end.is_not(None),
        Dealer.contract_end <= today + timedelta(days=within_days),
    )


def contract_alerts(
    scope: Scope, *, today: date, within_days: int, limit: int | None = None
) -> tuple[list[ContractAlert], int]:
    """Dealers in scope (trading or suspended) whose contract ended or ends within the
    window, those that ended first (the first `limit` of them when given), and how many
    there are in all (one query)."""
    query = (
        select(Dealer.id, Dealer.code, Dealer.name, Dealer.contract_end, func.count().over())
        .where(*_alerting(scope, today, within_days))
        .order_by(Dealer.contract_end, Dealer.code)
    )
    rows = db.session.execute(query.limit(limit) if limit is not None else query).all()
    alerts = [
        ContractAlert(row.id, row.code, row.name, row.contract_end, (row.contract_end - today).days)
        for row in rows
    ]
    return alerts, int(rows[0][4]) if rows else 0


# Stages of an end date: within 90, 30 and 7 days, and expired (contracts and documents
# alike; the reminders go once per stage).
STAGES = (7, 30, 90)
D7, D30, D90 = "d7", "d30", "d90"
STAGE_OF_DAYS = {7: D7, 30: D30, 90: D90}
MISSING = "missing"


def stage(end: date | None, *, today: date) -> str | None:
    """ "expired" once `end` passed, else the tightest of d7, d30 and d90 it falls within,
    else None (or without an end date)."""
    if end is None:
        return None
    if end < today:
        return EXPIRED
    left = (end - today).days
    return next((STAGE_OF_DAYS[days] for days in STAGES if left <= days), None)


@dataclass(frozen=True)
class DocumentAlert:
    """A dealer's qualification document of one kind that expired or expires soon (the
    latest accepted one of that kind), or a required kind with no valid document."""

    dealer_id: int
    code: str
    name: str
    kind_id: int
    kind: str
    expires_on: date | None  # None: missing
    days_left: int | None

    @property
    def state(self) -> str:
        if self.expires_on is None or self.days_left is None:
            return MISSING
        if self.days_left < 0:
            return EXPIRED
        return next(STAGE_OF_DAYS[days] for days in STAGES if self.days_left <= days)

    @property
    def expired(self) -> bool:
        return self.state in (EXPIRED, MISSING)


def accepted_covers(
    today: date, within_days: int, dealers: Select[Any] | None = None
) -> Select[Any]:
    """Per dealer and document kind: the end of its accepted documents' cover, for those
    with no document that never expires and a cover ending within the window (of the
    dealers among `dealers`, a query of dealer ids, when given)."""
    last = today + timedelta(days=within_days)
    ends, ending = _cover(last)
    accepted = QualificationDocument.status == DocumentStatus.ACCEPTED
    # Only dealers with an accepted document ending within the window can have a cover
    # that does (a few, found by the status and expiry index): the rest are not grouped.
    soon = select(QualificationDocument.dealer_id).where(
        accepted, QualificationDocument.expires_on <= last
    )
    if dealers is not None:  # a region's few, before grouping rather than after
        soon = soon.where(QualificationDocument.dealer_id.in_(dealers.scalar_subquery()))
    return (
        select(
            QualificationDocument.dealer_id,
            QualificationDocument.kind_id,
            ends.label("ends"),
        )
        .where(accepted, QualificationDocument.dealer_id.in_(soon.scalar_subquery()))
        .group_by(QualificationDocument.dealer_id, QualificationDocument.kind_id)
        .having(ending)
    )


def _cover(last: Any) -> tuple[Any, ColumnElement[bool]]:
    """Over a dealer's accepted documents of one kind: the end of their cover, and the
    condition that it ends by `last` (none of them never expires)."""
    ends = func.max(QualificationDocument.expires_on)
    never = func.sum(case((QualificationDocument.expires_on.is_(None), 1), else_=0))
    return ends, and_(never == 0, ends <= last)


def document_alerts(
    scope: Scope,
    *,
    today: date,
    within_days: int,
    limit: int | None = None,
) -> tuple[list[DocumentAlert], int]:
    """Accepted documents in scope (of trading or suspended dealers, active kinds) whose
    cover ended or ends within the window, the ones that ended first (the first `limit`),
    and how many in all (two queries: the grouped cover, then the page with the count)."""
    cover = accepted_covers(today, within_days, dealers_in_scope(scope)).subquery()
    query = (
        select(
            Dealer.id,
            Dealer.code,
            Dealer.name,
            DocumentKind.id.label("kind_id"),
            DocumentKind.name.label("kind_name"),
            DocumentKind.name_zh,
            cover.c.ends,
            func.count().over(),
        )
        .join(Dealer, Dealer.id == cover.c.dealer_id)
        .join(DocumentKind, DocumentKind.id == cover.c.kind_id)
        .where(DocumentKind.active.is_(True))  # the covers are of dealers in scope only
        .order_by(cover.c.ends, Dealer.code, DocumentKind.sort_order, DocumentKind.id)
    )
    rows = db.session.execute(query.limit(limit) if limit is not None else query).all()
    alerts = []
    for row in rows:
        ends = as_date(row.ends)
        alerts.append(
            DocumentAlert(
                row.id,
                row.code,
                row.name,
                row.kind_id,
                localized(row.kind_name, row.name_zh),
                ends,
                (ends - today).days if ends else None,
            )
        )
    return alerts, int(rows[0][7]) if rows else 0


def _valid_exists(today: Any) -> Any:
    return (
        select(QualificationDocument.id)
        .where(
            QualificationDocument.dealer_id == Dealer.id,
            QualificationDocument.kind_id == DocumentRequirement.document_kind_id,
            QualificationDocument.status == DocumentStatus.ACCEPTED,
            QualificationDocument.issued_on <= today,
            or_(
                QualificationDocument.expires_on.is_(None),
                QualificationDocument.expires_on >= today,
            ),
        )
        .exists()
    )


def missing_documents(dealers: Select[Any] | Collection[int], today: date) -> dict[int, list[int]]:
    """Per dealer among `dealers` (a query of dealer ids, or a list of them): the active
    document kinds its kind requires that it holds no valid document of (accepted, issued,
    not expired); one query. Dealers missing none are left out."""
    if isinstance(dealers, Select):
        query = _missing(Dealer.id.in_(dealers.scalar_subquery()))
        rows = db.session.execute(query, {"today": today})
    else:
        rows = db.session.execute(_missing_among(), {IDS: list(dealers), "today": today})
    found: dict[int, list[int]] = {}
    for dealer_id, kind_id in rows:
        found.setdefault(dealer_id, []).append(kind_id)
    return found


def _missing(among_dealers: ColumnElement[bool]) -> Select[Any]:
    return (
        select(Dealer.id, DocumentRequirement.document_kind_id)
        .join(DocumentRequirement, DocumentRequirement.dealer_kind == Dealer.kind)
        .join(DocumentKind, DocumentKind.id == DocumentRequirement.document_kind_id)
        .where(among_dealers, DocumentKind.active.is_(True), ~_valid_exists(bindparam("today")))
        .order_by(Dealer.id, DocumentKind.sort_order, DocumentKind.id)
    )


@cache
def _missing_among() -> Select[Any]:
    return _missing(among(Dealer.id))


def documents_change_on(dealer_ids: Collection[int], today: date) -> dict[int, date]:
    """Per dealer: the first day after today on which one of its valid documents of a
    required kind expires (its health may change then without a change to the data)."""
    rows = db.session.execute(_documents_change_on(), {IDS: list(dealer_ids), "today": today})
    found = {}
    for dealer_id, first in rows:
        day = as_date(first)
        if day is not None:
            found[dealer_id] = day + timedelta(days=1)
    return found


@cache
def _documents_change_on() -> Select[Any]:
    return (
        select(QualificationDocument.dealer_id, func.min(QualificationDocument.expires_on))
        .join(Dealer, Dealer.id == QualificationDocument.dealer_id)
        .join(
            DocumentRequirement,
            (DocumentRequirement.document_kind_id == QualificationDocument.kind_id)
            & (DocumentRequirement.dealer_kind == Dealer.kind),
        )
        .where(
            among(QualificationDocument.dealer_id),
            QualificationDocument.status == DocumentStatus.ACCEPTED,
            QualificationDocument.expires_on >= bindparam("today"),
        )
        .group_by(QualificationDocument.dealer_id)
    )


def required_kinds(dealer_kind: DealerKind) -> list[DocumentKind]:
    """The active document kinds a dealer of `dealer_kind` must hold."""
    return list(db.session.scalars(_required_kinds(), {"dealer_kind": dealer_kind}))


@cache
def _required_kinds() -> Select[Any]:
    return (
        select(DocumentKind)
        .join(DocumentRequirement)
        .where(
            DocumentRequirement.dealer_kind == bindparam("dealer_kind"),
            DocumentKind.active.is_(True),
        )
        .order_by(DocumentKind.sort_order, DocumentKind.id)
    )


def missing_count(dealer_ids: Collection[int], today: date) -> dict[int, int]:
    """How many required documents each dealer misses (dealers missing none left out)."""
    return {k: len(v) for k, v in missing_documents(list(dealer_ids), today).items()}


@dataclass(frozen=True)
class DealerStanding:
    """What one dealer must renew: its contract's stage, the required documents it holds no
    valid one of, and its documents expired or expiring (those missing left out)."""

    contract_end: date | None
    contract_stage: str | None
    missing: list[DocumentKind]
    documents: list[DocumentAlert]

    @property
    def any(self) -> bool:
        return bool(self.contract_stage or self.missing or self.documents)


def dealer_standing(dealer: Dealer, *, today: date, within_days: int) -> DealerStanding:
    """One dealer's contract and documents to renew (two or three small queries, built
    once: the required kinds are read only when some are missing)."""
    missing_ids = set(missing_documents([dealer.id], today).get(dealer.id, []))
    missing = (
        [kind for kind in required_kinds(dealer.kind) if kind.id in missing_ids]
        if missing_ids
        else []
    )
    alerts = _own_document_alerts(dealer, today=today, within_days=within_days)
    contract = contract_state(dealer.contract_end, today=today, within_days=within_days)
    return DealerStanding(
        dealer.contract_end,
        stage(dealer.contract_end, today=today) if contract else None,
        missing,
        [alert for alert in alerts if alert.kind_id not in missing_ids],
    )


def _own_document_alerts(dealer: Dealer, *, today: date, within_days: int) -> list[DocumentAlert]:
    """`document_alerts` of one dealer (none unless it is on the homes: active, trading or
    suspended), by a statement built once."""
    if not dealer.active or dealer.status not in HOME_STATUSES:
        return []
    params = {"dealer_id": dealer.id, "last": today + timedelta(days=within_days)}
    alerts = []
    for kind_id, name, name_zh, ends in db.session.execute(_own_covers(), params):
        day = as_date(ends)
        alerts.append(
            DocumentAlert(
                dealer.id,
                dealer.code,
                dealer.name,
                kind_id,
                localized(name, name_zh),
                day,
                (day - today).days if day else None,
            )
        )
    return alerts


@cache
def _own_covers() -> Select[Any]:
    """Per active document kind: the end of the dealer's (`dealer_id`) accepted documents'
    cover, where none never expires and it ends by `last`, those that end first first."""
    ends, ending = _cover(bindparam("last", type_=Date))
    kind = DocumentKind
    return (
        select(kind.id, kind.name, kind.name_zh, ends.label("ends"))
        .join(kind, kind.id == QualificationDocument.kind_id)
        .where(
            QualificationDocument.dealer_id == bindparam("dealer_id"),
            QualificationDocument.status == DocumentStatus.ACCEPTED,
            kind.active.is_(True),
        )
        .group_by(kind.id, kind.name, kind.name_zh, kind.sort_order)
        .having(ending)
        .order_by(ends, kind.sort_order, kind.id)
    )


@dataclass(frozen=True)
class DealerFileView:
    """The dealer file's contracts and documents section: its contracts (newest first), the
    latest document of each kind, and what it must renew."""

    contracts: list[Contract]
    documents: list[QualificationDocument]
    standing: DealerStanding


FILE_CONTRACTS = 20  # contracts listed in the dealer file, newest first


def dealer_file(dealer: Dealer, *, today: date, within_days: int) -> DealerFileView:
    contracts = db.session.scalars(
        select(Contract)
        .where(Contract.dealer_id == dealer.id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .limit(FILE_CONTRACTS)
    ).all()
    newest = (
        select(
            QualificationDocument.id,
            func.row_number()
            .over(
                partition_by=QualificationDocument.kind_id,
                order_by=(
                    QualificationDocument.submitted_at.desc(),
                    QualificationDocument.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(QualificationDocument.dealer_id == dealer.id)
        .subquery()
    )
    documents = db.session.scalars(
        select(QualificationDocument)
        .join(newest, newest.c.id == QualificationDocument.id)
        .join(DocumentKind, DocumentKind.id == QualificationDocument.kind_id)
        .where(newest.c.rank == 1)
        .options(joinedload(QualificationDocument.kind))
        .order_by(DocumentKind.sort_order, DocumentKind.id)
    ).all()
    return DealerFileView(
        list(contracts),
        list(documents),
        dealer_standing(dealer, today=today, within_days=within_days),
    )
