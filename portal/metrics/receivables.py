"""Receivables: aging, days sales outstanding and credit use, for statements, aging pages and
the home pages' flags.

`aging()` is the definition: a pure function of the open invoices and a day. `aging_by()`
computes the same in SQL for many dealers or regions at once, bucket by bucket, from cut-off
dates worked out here (so that both databases compare plain dates); a property test holds
the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Date, and_, bindparam, case, func, select

from portal.extensions import db
from portal.metrics.prepared import IDS, among
from portal.models import Dealer, DealerCredit, DealerFigures, Invoice

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]

CURRENT, D1_30, D31_60, D61_90, OVER_90 = "current", "d1_30", "d31_60", "d61_90", "over_90"
BUCKETS = (CURRENT, D1_30, D31_60, D61_90, OVER_90)
# The first day past due each bucket holds (current: not yet past due).
BUCKET_STARTS = {CURRENT: None, D1_30: 1, D31_60: 31, D61_90: 61, OVER_90: 91}
DSO_DAYS = 90  # days sales outstanding, over the sales of the last quarter
LATE_BUCKETS = (D61_90, OVER_90)  # "overdue beyond 60 days"
DEFAULT_LATE_SHARE = Decimal("0.2")  # RECEIVABLES_LATE_SHARE when not configured
BUCKET_LABELS = {
    CURRENT: _l("Not yet due"),
    D1_30: _l("1–30 days"),  # noqa: RUF001  (a range of days)
    D31_60: _l("31–60 days"),  # noqa: RUF001
    D61_90: _l("61–90 days"),  # noqa: RUF001
    OVER_90: _l("Over 90 days"),
}


@dataclass(frozen=True)
class OpenItem:
    """What aging needs of an invoice: its due date and what is still to pay."""

    due_on: date
    open_minor: int


@dataclass(frozen=True)
class Bucket:
    amount_minor: int = 0
    count: int = 0


@dataclass(frozen=True)
class Aging:
    buckets: dict[str, Bucket] = field(default_factory=lambda: {key: Bucket() for key in BUCKETS})

    @property
    def open_minor(self) -> int:
        return sum(bucket.amount_minor for bucket in self.buckets.values())

    @property
    def open_count(self) -> int:
        return sum(bucket.count for bucket in self.buckets.values())

    @property
    def overdue_minor(self) -> int:
        return self.open_minor - self.buckets[CURRENT].amount_minor

    @property
    def late_minor(self) -> int:
        """Overdue beyond 60 days."""
        return sum(self.buckets[key].amount_minor for key in LATE_BUCKETS)

    @property
    def late_share(self) -> Decimal | None:
        """The share of the open amount overdue beyond 60 days (None when nothing is open)."""
        if self.open_minor <= 0:
            return None
        return Decimal(self.late_minor) / Decimal(self.open_minor)


def bucket_of(due_on: date, as_of: date) -> str:
    days = (as_of - due_on).days
    if days <= 0:
        return CURRENT
    if days <= 30:
        return D1_30
    if days <= 60:
        return D31_60
    if days <= 90:
        return D61_90
    return OVER_90


def aging(items: Iterable[OpenItem], as_of: date) -> Aging:
    """The open amount and count of invoices by days past due on `as_of`; paid invoices
    (nothing open) count nowhere."""
    amounts = dict.fromkeys(BUCKETS, 0)
    counts = dict.fromkeys(BUCKETS, 0)
    for item in items:
        if item.open_minor <= 0:
            continue
        key = bucket_of(item.due_on, as_of)
        amounts[key] += item.open_minor
        counts[key] += 1
    return Aging({key: Bucket(amounts[key], counts[key]) for key in BUCKETS})


def dso(open_minor: int, invoiced_minor: int, days: int = DSO_DAYS) -> Decimal | None:
    """Days sales outstanding: what is open, in days of the period's average sales."""
    if invoiced_minor <= 0:
        return None
    return (Decimal(open_minor) * days / Decimal(invoiced_minor)).quantize(Decimal("0.1"))


def credit_use(open_minor: int, limit_minor: int | None) -> Decimal | None:
    """The share of the credit limit in use (None without a limit)."""
    if not limit_minor:
        return None
    return Decimal(open_minor) / Decimal(limit_minor)


def bucket_labels() -> list[tuple[str, str]]:
    """(bucket, its heading in the reader's language), youngest first."""
    return [(key, str(BUCKET_LABELS[key])) for key in BUCKETS]


def late_share_limit() -> Decimal:
    """The share overdue beyond 60 days above which a dealer is flagged (RECEIVABLES_LATE_SHARE)."""
    return Decimal(str(current_app.config.get("RECEIVABLES_LATE_SHARE", DEFAULT_LATE_SHARE)))


# In SQL


def _cutoff(as_of: date, days: int) -> date:
    """An invoice due on or after this day is at most `days` days past due on `as_of`."""
    return as_of - timedelta(days=days)


def _bucket_case(as_of: date | None) -> Any:
    """An invoice's aging bucket on `as_of`; None: on the day and its cutoffs bound as
    `DAY_PARAMS` (`_day_params` gives their values)."""
    if as_of is None:
        day, *cutoffs = (bindparam(name, type_=Date) for name in DAY_PARAMS)
    else:
        day, cutoffs = as_of, [_cutoff(as_of, days) for days in (30, 60, 90)]
    return case(
        (Invoice.due_on >= day, CURRENT),
        (Invoice.due_on >= cutoffs[0], D1_30),
        (Invoice.due_on >= cutoffs[1], D31_60),
        (Invoice.due_on >= cutoffs[2], D61_90),
        else_=OVER_90,
    )


DAY_PARAMS = ("as_of", "cutoff_30", "cutoff_60", "cutoff_90")


def _day_params(as_of: date) -> dict[str, date]:
    """The values `_bucket_case(None)` binds (`DAY_PARAMS`), for `as_of`."""
    return dict(zip(DAY_PARAMS, (as_of, *(_cutoff(as_of, d) for d in (30, 60, 90))), strict=True))


def open_invoices(*conditions: Any) -> Any:
    return (Invoice.settled.is_(False), Invoice.amount_minor > Invoice.paid_minor, *conditions)


def aging_by(key: Any, scope: Scope, as_of: date, *conditions: Any) -> dict[Any, Aging]:
    """Aging per value of `key` (Invoice.dealer_id, or Dealer.region_id) for the dealers in
    `scope`: one grouped query."""
    bucket = _bucket_case(as_of).label("bucket")
    query = (
        select(
            key.label("key"),
            bucket,
            func.sum(Invoice.amount_minor - Invoice.paid_minor).label("amount"),
            func.count(Invoice.id).label("count"),
        )
        .join(Dealer, Dealer.id == Invoice.dealer_id)
        .where(*open_invoices(scope(Invoice.dealer_id), *conditions))
        .group_by(key, bucket)
    )
    amounts: dict[Any, dict[str, Bucket]] = {}
    for row in db.session.execute(query):
        amounts.setdefault(row.key, {})[row.bucket] = Bucket(int(row.amount), int(row.count))
    return {
        found: Aging({name: buckets.get(name, Bucket()) for name in BUCKETS})
        for found, buckets in amounts.items()
    }


def invoiced_by(key: Any, scope: Scope, as_of: date, *conditions: Any) -> dict[Any, int]:
    """What was invoiced in the DSO_DAYS up to `as_of`, per value of `key`."""
    since = as_of - timedelta(days=DSO_DAYS)
    query = (
        select(key.label("key"), func.sum(Invoice.amount_minor).label("amount"))
        .join(Dealer, Dealer.id == Invoice.dealer_id)
        .where(
            scope(Invoice.dealer_id),
            Invoice.issued_on > since,
            Invoice.issued_on <= as_of,
            *conditions,
        )
        .group_by(key)
    )
    return {row.key: int(row.amount or 0) for row in db.session.execute(query)}


@dataclass(frozen=True)
class Standing:
    """A dealer's receivables at a glance: aging, DSO, credit and why it is flagged."""

    aging: Aging
    dso: Decimal | None
    limit_minor: int | None
    on_hold: bool
    over_limit: bool
    late_share_high: bool
    credit: DealerCredit | None = None  # the row itself, where one dealer's page shows it

    @property
    def flagged(self) -> bool:
        return self.over_limit or self.late_share_high

    @property
    def credit_use(self) -> Decimal | None:
        return credit_use(self.aging.open_minor, self.limit_minor)

    @property
    def credit_use_bp(self) -> int | None:
        """Credit use in basis points, as the `percent` filter shows it."""
        use = self.credit_use
        return None if use is None else int(use * 10000)


def standing_of(
    aging_: Aging,
    invoiced_minor: int,
    limit_minor: int | None,
    *,
    on_hold: bool = False,
    late_share: Decimal,
    credit: DealerCredit | None = None,
) -> Standing:
    share = aging_.late_share
    return Standing(
        aging=aging_,
        dso=dso(aging_.open_minor, invoiced_minor),
        limit_minor=limit_minor or None,
        on_hold=on_hold,
        over_limit=bool(limit_minor) and aging_.open_minor > (limit_minor or 0),
        late_share_high=share is not None and share > late_share,
        credit=credit,
    )


def dealer_standing(dealer_id: int, as_of: date, *, late_share: Decimal) -> Standing:
    """One dealer's standing (three small queries, as `aging_by` and `invoiced_by` would
    make them for one dealer, built once)."""
    params = {
        "dealer_id": dealer_id,
        "since": as_of - timedelta(days=DSO_DAYS),
        **_day_params(as_of),
    }
    amounts = {
        row.bucket: Bucket(int(row.amount), int(row.count))
        for row in db.session.execute(_own_aging(), params)
    }
    found = Aging({name: amounts.get(name, Bucket()) for name in BUCKETS}) if amounts else Aging()
    invoiced = int(db.session.scalar(_own_invoiced(), params) or 0)
    credit = db.session.get(DealerCredit, dealer_id)
    return standing_of(
        found,
        invoiced,
        credit.limit_minor if credit is not None else None,
        on_hold=credit is not None and credit.on_hold,
        late_share=late_share,
        credit=credit,
    )


@cache
def _own_aging() -> Any:
    """`aging_by` of the dealer `dealer_id` on `as_of` (its `cutoff_*` days bound too)."""
    bucket = _bucket_case(None).label("bucket")
    return (
        select(
            bucket,
            func.sum(Invoice.amount_minor - Invoice.paid_minor).label("amount"),
            func.count(Invoice.id).label("count"),
        )
        .where(*open_invoices(Invoice.dealer_id == bindparam("dealer_id")))
        .group_by(bucket)
    )


@cache
def _own_invoiced() -> Any:
    """`invoiced_by` of the dealer `dealer_id`: invoiced after `since`, up to `as_of`."""
    return select(func.sum(Invoice.amount_minor)).where(
        Invoice.dealer_id == bindparam("dealer_id"),
        Invoice.issued_on > bindparam("since", type_=Date),
        Invoice.issued_on <= bindparam("as_of", type_=Date),
    )


def dealer_standings(
    scope: Scope, as_of: date, *conditions: Any, late_share: Decimal
) -> dict[int, Standing]:
    """The standing of every dealer in scope with open invoices (three grouped queries)."""
    credits = {
        row.dealer_id: row
        for row in db.session.execute(
            select(DealerCredit.dealer_id, DealerCredit.limit_minor, DealerCredit.on_hold).where(
                scope(DealerCredit.dealer_id)
            )
        )
    }
    return _standings(scope, as_of, conditions, credits, late_share=late_share)


def _standings(
    scope: Scope,
    as_of: date,
    conditions: tuple[Any, ...],
    credits: Mapping[int, Any],
    *,
    late_share: Decimal,
) -> dict[int, Standing]:
    """The standings of the dealers in scope with open invoices, given their credit rows
    (`limit_minor` and `on_hold`, None where a dealer has no credit row)."""
    agings = aging_by(Invoice.dealer_id, scope, as_of, *conditions)
    invoiced = invoiced_by(Invoice.dealer_id, scope, as_of, *conditions)
    standings = {}
    for dealer_id, found in agings.items():
        credit = credits.get(dealer_id)
        standings[dealer_id] = standing_of(
            found,
            invoiced.get(dealer_id, 0),
            credit.limit_minor if credit is not None else None,
            on_hold=credit is not None and bool(credit.on_hold),
            late_share=late_share,
        )
    return standings


def flagged_ids(scope: Scope, as_of: date, *, late_share: Decimal) -> list[int]:
    """The dealers in scope over their limit or with more than `late_share` of what they owe
    overdue beyond 60 days, the largest late amount first: one grouped query, the same rules
    as `standing_of` (a property of the home pages at thousands of dealers)."""
    open_amount = func.sum(Invoice.amount_minor - Invoice.paid_minor)
    late = func.sum(
        case(
            (Invoice.due_on < _cutoff(as_of, 60), Invoice.amount_minor - Invoice.paid_minor),
            else_=0,
        )
    )
    limit = func.coalesce(func.max(DealerCredit.limit_minor), 0)
    basis_points = int(late_share * 10000)
    query = (  # no join to the dealers: the scope is on the invoice's dealer id
        select(Invoice.dealer_id)
        .outerjoin(DealerCredit, DealerCredit.dealer_id == Invoice.dealer_id)
        .where(*open_invoices(scope(Invoice.dealer_id)))
        .group_by(Invoice.dealer_id)
        .having(((limit > 0) & (open_amount > limit)) | (late * 10000 > open_amount * basis_points))
        .order_by(late.desc(), Invoice.dealer_id)
    )
    return list(db.session.scalars(query))


def kept_flagged(scope: Scope, *, limit: int | None = None) -> tuple[list[Any], int]:
    """`flagged_ids` under RECEIVABLES_LATE_SHARE, in its order, as the dealers'
    `dealer_figures` rows keep it (each row's flag and late amount, the invoices' own while
    the row is current): the first `limit` dealers (id, code, name, with their credit
    row's `limit_minor` and `on_hold`, None without one) and how many in all, read from
    the flagged rows' index without reading an invoice."""
    query = (
        select(
            Dealer.id,
            Dealer.code,
            Dealer.name,
            func.count().over().label("flagged"),
            DealerCredit.limit_minor,
            DealerCredit.on_hold,
        )
        .select_from(DealerFigures)
        .join(Dealer, Dealer.id == DealerFigures.dealer_id)
        .outerjoin(DealerCredit, DealerCredit.dealer_id == DealerFigures.dealer_id)
        .where(DealerFigures.receivables_flagged, scope(DealerFigures.dealer_id))
        .order_by(DealerFigures.receivables_late.desc(), DealerFigures.dealer_id)
    )
    rows = db.session.execute(query.limit(limit) if limit is not None else query).all()
    return rows, int(rows[0].flagged) if rows else 0


def flagged_dealers(
    scope: Scope, as_of: date, *, limit: int | None = None
) -> tuple[list[tuple[Any, Standing]], int]:
    """The first `limit` dealers flagged in their figures rows (`kept_flagged`: id, code and
    name) with their standing as of `as_of`, and how many are flagged."""
    shown, total = kept_flagged(scope, limit=limit)
    ids = [dealer.id for dealer in shown]

    def among_shown(column: ColumnElement[int]) -> ColumnElement[bool]:
        # Only the dealers shown: their invoices and their credit rows, not every dealer's.
        return and_(scope(column), column.in_(ids))

    # Read even when none is flagged (an empty IN costs nothing): a home page runs the same
    # statements whatever the data (tests/scale/test_query_counts.py).
    share = late_share_limit()
    # Their credit rows came with them (`kept_flagged`).
    credits = {dealer.id: dealer for dealer in shown}
    standings = _standings(among_shown, as_of, (), credits, late_share=share)
    # A row not brought up to date yet may flag a dealer with nothing open any more.
    nothing = standing_of(Aging(), 0, None, late_share=share)
    return [(dealer, standings.get(dealer.id, nothing)) for dealer in shown], total


# The health score's receivables penalty (`portal.metrics.health`), kept in `dealer_figures`


def health_facts(
    dealer_ids: Collection[int], as_of: date
) -> tuple[dict[int, dict[str, int]], dict[int, date]]:
    """Per dealer with open invoices: what its health's receivables penalty is made of as of
    `as_of` (open amount, the part overdue beyond 60 days, its credit limit, 0 for none), by
    the same rules as `standing_of` and `flagged_ids`; and per dealer the next day one of its
    open invoices passes 60 days overdue (its penalty may change by itself that day). One
    grouped query."""
    # Due before `late_from`: more than 60 days past due on as_of.
    params = {IDS: list(dealer_ids), "late_from": _cutoff(as_of, 60)}
    facts, changes = {}, {}
    for dealer_id, open_minor, late_minor, limit_minor, next_due in db.session.execute(
        _health_facts(), params
    ):
        facts[dealer_id] = {
            "open": int(open_minor or 0),
            "late": int(late_minor or 0),
            "limit": int(limit_minor or 0),
        }
        if next_due is not None:
            if isinstance(next_due, str):  # SQLite returns MIN() over a CASE as text
                next_due = date.fromisoformat(next_due[:10])
            changes[dealer_id] = next_due + timedelta(days=61)
    return facts, changes


@cache
def _health_facts() -> Any:
    late_from = bindparam("late_from")
    remaining = Invoice.amount_minor - Invoice.paid_minor
    return (
        select(
            Invoice.dealer_id,
            func.sum(remaining),
            func.sum(case((Invoice.due_on < late_from, remaining), else_=0)),
            func.coalesce(func.max(DealerCredit.limit_minor), 0),
            func.min(case((Invoice.due_on >= late_from, Invoice.due_on))),
        )
        .outerjoin(DealerCredit, DealerCredit.dealer_id == Invoice.dealer_id)
        .where(*open_invoices(among(Invoice.dealer_id)))
        .group_by(Invoice.dealer_id)
    )


def flags_of(facts: Any, late_share: Decimal) -> tuple[bool, bool]:
    """(over its credit limit, more than `late_share` overdue beyond 60 days) from
    `health_facts` ({} or None: nothing open, no flag)."""
    if not facts:
        return False, False
    open_minor, late_minor, limit = int(facts["open"]), int(facts["late"]), int(facts["limit"])
    over_limit = limit > 0 and open_minor > limit
    late_high = open_minor > 0 and Decimal(late_minor) / Decimal(open_minor) > late_share
    return over_limit, late_high
