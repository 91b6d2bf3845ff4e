"""Dealer contracts that ended or end soon: the warnings on the dealer page and staff homes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, select

from portal.extensions import db
from portal.metrics.home import dealers_in_scope
from portal.models import Dealer

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
