"""Complaint figures: the one set of definitions every page counts complaints with.

- open: status in OPEN_STATUSES;
- overdue against forwarding: still received (not forwarded) and `forward_due_at` passed;
- overdue against resolution: open and `resolve_due_at` passed;
- forwarded within target: among complaints received in a period that were forwarded or
  whose forwarding deadline passed, the share forwarded on time (one still unforwarded past
  its deadline counts as late);
- resolved on time: likewise, among those resolved or past their resolution deadline (a
  reopened complaint counts its current cycle);
- repeat rate: complaints received in the period that were reopened (`cycle > 0`), among all
  received in it.

The staff home pages count a period's complaints from `complaint_months` (kept per region
and month of receipt, `portal/metrics/complaint_months.py`), so they read a few hundred
rows, not a year of complaints; a dealer's own figures count its complaints directly.

Periods are by receipt: "this month" from the first of the current month, "12 months" from
the first of the month eleven months back (UTC), both up to `now`. Every function is one
grouped query over the model's indexes (region or dealer with `received_at`, status with
`received_at`), whatever the number of dealers; `scope` is a WHERE builder on the
complaint's dealer id (`access.dealer_scope` bound to a user, or a dealer's own).

`health_component()` turns a dealer's counts into the health score's "complaints" part.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import joinedload

from portal import periods
from portal.database import rarely
from portal.extensions import db
from portal.metrics import complaint_months
from portal.metrics.prepared import IDS, among
from portal.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintMonth,
    ComplaintStatus,
    Dealer,
    Region,
    Severity,
    Store,
    Target,
)
from portal.models.scorecard import NO_DATA

Scope = Callable[[ColumnElement[int]], ColumnElement[bool]]
ONE_DP = Decimal("0.1")
HUNDRED = Decimal(100)
YEAR_MONTHS = 12
# The health score's complaints part: the weights of its three measures (0-100 each).
HEALTH_PARTS = {"forwarded": 40, "resolved": 40, "not_repeated": 20}
HEALTH_LABEL = _l("Complaints handled on time")
HEALTH_DETAIL = _l(
    "%(fwd_part)s of %(fwd_whole)s forwarded on time, %(res_part)s of %(res_whole)s resolved"
    " on time, %(repeats)s of %(total)s repeated"
)


def everywhere(_column: ColumnElement[int]) -> ColumnElement[bool]:
    return true()


def only_dealer(dealer_id: int) -> Scope:
    return lambda column: column == dealer_id


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(ONE_DP, ROUND_HALF_UP)


# Windows


def month_start(day: date) -> datetime:
    first = periods.first_day(periods.of(day))
    return datetime(first.year, first.month, 1, tzinfo=UTC)


def year_start(day: date) -> datetime:
    """The first of the month eleven months before `day`'s: "the last 12 months"."""
    first = periods.first_day(periods.shift(periods.of(day), -(YEAR_MONTHS - 1)))
    return datetime(first.year, first.month, 1, tzinfo=UTC)


# The definitions, as SQL expressions (as of `now`)


def among_open(query: Any) -> Any:
    """`query` over Complaint kept to the open complaints (a few in a hundred), which the
    planner then reads from an index (`ix_complaints_open_figures` covers the home pages'
    counts)."""
    return query.where(rarely(is_open()))


def is_open() -> ColumnElement[bool]:
    return Complaint.status.in_(sorted(OPEN_STATUSES, key=str))


def forward_overdue(now: datetime) -> ColumnElement[bool]:
    return and_(Complaint.status == ComplaintStatus.RECEIVED, Complaint.forward_due_at < now)


def resolve_overdue(now: datetime) -> ColumnElement[bool]:
    return and_(is_open(), Complaint.resolve_due_at < now)


def forward_measured(now: datetime) -> ColumnElement[bool]:
    return or_(Complaint.forwarded_on_time.is_not(None), forward_overdue(now))


def resolve_measured(now: datetime) -> ColumnElement[bool]:
    return or_(Complaint.resolved_on_time.is_not(None), resolve_overdue(now))


def _count(condition: ColumnElement[bool]) -> Any:
    return func.count(case((condition, 1)))


# Counts


@dataclass(frozen=True)
class Tally:
    """Complaints received in a period, and how they were handled (as of `now`)."""

    total: int = 0
    serious: int = 0
    repeats: int = 0
    forward_measured: int = 0
    forwarded_on_time: int = 0
    resolve_measured: int = 0
    resolved_on_time: int = 0

    @property
    def normal(self) -> int:
        return self.total - self.serious

    @property
    def forward_share(self) -> Decimal | None:
        return percent(self.forwarded_on_time, self.forward_measured)

    @property
    def resolve_share(self) -> Decimal | None:
        return percent(self.resolved_on_time, self.resolve_measured)

    @property
    def repeat_rate(self) -> Decimal | None:
        return percent(self.repeats, self.total)


EMPTY = Tally()


def tally_columns(now: datetime) -> tuple[Any, ...]:
    return (
        func.count(Complaint.id),
        _count(Complaint.severity == Severity.SERIOUS),
        _count(Complaint.cycle > 0),
        _count(forward_measured(now)),
        _count(Complaint.forwarded_on_time.is_(True)),
        _count(resolve_measured(now)),
        _count(Complaint.resolved_on_time.is_(True)),
    )


def tallies(
    key: ColumnElement[Any] | None,
    *,
    scope: Scope = everywhere,
    since: datetime,
    now: datetime,
    until_now: bool = True,
) -> dict[Any, Tally]:
    """Complaints received from `since` (to `now`, unless `until_now` is false) by `key`
    (None: one total, key None), measured as of `now`."""
    keys = () if key is None else (key,)
    where = [scope(Complaint.dealer_id), Complaint.received_at >= since]
    if until_now:
        where.append(Complaint.received_at <= now)
    query = select(*keys, *tally_columns(now)).where(*where).group_by(*keys)
    found = {}
    for row in db.session.execute(query):
        values = [int(value or 0) for value in row[len(keys) :]]
        found[row[0] if keys else None] = Tally(*values)
    return found


def tally(*, scope: Scope = everywhere, since: datetime, now: datetime) -> Tally:
    return tallies(None, scope=scope, since=since, now=now).get(None, EMPTY)


@dataclass(frozen=True)
class OpenCounts:
    """Complaints open now, and how many of them are late."""

    open: int = 0
    serious: int = 0
    overdue_forward: int = 0
    overdue_resolve: int = 0
    overdue: int = 0  # late on either target (a complaint counts once)


NONE_OPEN = OpenCounts()


def _open_columns(now: datetime) -> tuple[Any, ...]:
    return (
        func.count(Complaint.id),
        _count(Complaint.severity == Severity.SERIOUS),
        _count(forward_overdue(now)),
        _count(Complaint.resolve_due_at < now),
        _count(or_(forward_overdue(now), Complaint.resolve_due_at < now)),
    )


def open_counts(
    key: ColumnElement[Any] | None, *, scope: Scope = everywhere, now: datetime
) -> dict[Any, OpenCounts]:
    """Open complaints by `key` (None: one total, key None)."""
    keys = () if key is None else (key,)
    query = among_open(select(*keys, *_open_columns(now)).where(scope(Complaint.dealer_id)))
    query = query.group_by(*keys)
    found = {}
    for row in db.session.execute(query):
        found[row[0] if keys else None] = OpenCounts(*(int(v or 0) for v in row[len(keys) :]))
    return found


def dealer_open_counts(dealer_id: int, now: datetime) -> OpenCounts:
    """`open_counts` of one dealer (its home page), by a statement built once."""
    row = db.session.execute(_dealer_open(), {"dealer_id": dealer_id, "now": now}).one()
    return OpenCounts(*(int(v or 0) for v in row))


@cache
def _dealer_open() -> Any:
    now = bindparam("now", type_=Complaint.forward_due_at.type)
    query = select(*_open_columns(now)).where(Complaint.dealer_id == bindparam("dealer_id"))
    return among_open(query)


# The staff home's card and tables


@dataclass(frozen=True)
class Card:
    now_open: OpenCounts
    month: Tally
    year: Tally


Regions = frozenset[int] | None  # region ids, or None: every region


def windows(
    regions: Regions, starts: Mapping[str, datetime], *, now: datetime
) -> dict[str, dict[int, Tally]]:
    """Complaints received from each start (a month's first instant) to `now`, by the
    region they were received in, as of `now`, for several periods at once (this month, 12
    months) in two queries: the kept monthly counts (`complaint_months`) of every month in
    the longest, and the open complaints whose deadline has passed since each start (they
    count as late)."""
    earliest = min(starts.values())
    kept = select(
        ComplaintMonth.region_id,
        ComplaintMonth.month,
        *(getattr(ComplaintMonth, name) for name in complaint_months.FIELDS),
    ).where(
        ComplaintMonth.month >= complaint_months.month_of(earliest),
        ComplaintMonth.month <= complaint_months.month_of(now),
    )
    columns = []
    for start in starts.values():
        since = Complaint.received_at >= start
        columns += [
            _count(and_(since, forward_overdue(now))),
            _count(and_(since, resolve_overdue(now))),
        ]
    late = among_open(select(Complaint.region_id, *columns)).where(
        Complaint.received_at >= earliest, Complaint.received_at <= now
    )
    if regions is not None:
        kept = kept.where(ComplaintMonth.region_id.in_(sorted(regions)))
        late = late.where(Complaint.region_id.in_(sorted(regions)))
    overdue = {row[0]: [int(v or 0) for v in row[1:]] for row in db.session.execute(
        late.group_by(Complaint.region_id)
    )}  # fmt: skip
    # Read once, added up for each window (a region's months, once per window).
    months = [
        (region_id, month, [int(value or 0) for value in values])
        for region_id, month, *values in db.session.execute(kept)
    ]
    found: dict[str, dict[int, Tally]] = {}
    for index, (name, start) in enumerate(starts.items()):
        first = complaint_months.month_of(start)
        sums: dict[int, list[int]] = {}
        for region_id, month, values in months:
            if month >= first:
                counts = sums.get(region_id)
                if counts is None:
                    sums[region_id] = list(values)
                else:
                    sums[region_id] = [a + b for a, b in zip(counts, values, strict=True)]
        tallies_of: dict[int, Tally] = {}
        for region_id, counts in sums.items():
            total, serious, repeats, forwarded, forward_ok, resolved, resolve_ok = counts
            if not total:
                continue
            late_counts = overdue.get(region_id, [0] * len(columns))
            forward_late, resolve_late = late_counts[2 * index : 2 * index + 2]
            tallies_of[region_id] = Tally(
                total,
                serious,
                repeats,
                forwarded + forward_late,
                forward_ok,
                resolved + resolve_late,
                resolve_ok,
            )
        found[name] = tallies_of
    return found


def _sum(kind: type[Any], values: Iterable[Any]) -> Any:
    """Counts added up field by field (a Tally or OpenCounts of many)."""
    values = list(values)
    return kind(*(sum(getattr(v, f.name) for v in values) for f in fields(kind)))


def card(scope: Scope, now: datetime, *, regions: Regions) -> Card:
    """The complaints card of a staff home page: open and late now (the complaints of the
    dealers in `scope`), this month and 12 months (received in `regions`)."""
    today = now.date()
    found = windows(regions, {"month": month_start(today), "year": year_start(today)}, now=now)
    month, year = found["month"], found["year"]
    return Card(
        now_open=open_counts(None, scope=scope, now=now).get(None, NONE_OPEN),
        month=_sum(Tally, month.values()),
        year=_sum(Tally, year.values()),
    )


@dataclass(frozen=True)
class RegionLine:
    region_id: int
    code: str
    name: str
    now_open: OpenCounts
    year: Tally


def by_region(scope: Scope, now: datetime, *, regions: Regions) -> list[RegionLine]:
    """Per region (where the complaint was received): open and late now, 12 months' shares;
    regions without any complaint are left out."""
    return network_view(scope, now, regions=regions)[1]


def network_view(
    scope: Scope,
    now: datetime,
    *,
    regions: Regions,
    named: Mapping[int, tuple[str, str]] | None = None,
) -> tuple[Card, list[RegionLine]]:
    """The admin home's card and its lines per region, from one count of each kind (the
    card's figures are the regions' added up); `named`: regions' codes and names the
    caller has read already (the others are read here)."""
    today = now.date()
    opened = open_counts(Complaint.region_id, scope=scope, now=now)
    found = windows(regions, {"month": month_start(today), "year": year_start(today)}, now=now)
    month, year = found["month"], found["year"]
    card = Card(
        now_open=_sum(OpenCounts, opened.values()),
        month=_sum(Tally, month.values()),
        year=_sum(Tally, year.values()),
    )
    ids = sorted(set(opened) | set(year))
    if not ids:
        return card, []
    known = named or {}
    regions_found = [(i, *known[i]) for i in ids if i in known]
    unknown = [i for i in ids if i not in known]
    if unknown:
        regions_found += db.session.execute(
            select(Region.id, Region.code, Region.name).where(Region.id.in_(unknown))
        ).all()
    lines = sorted(
        (
            RegionLine(
                region_id, code, name, opened.get(region_id, NONE_OPEN), year.get(region_id, EMPTY)
            )
            for region_id, code, name in regions_found
        ),
        key=lambda line: line.name,
    )
    return card, lines


@dataclass(frozen=True)
class DealerLine:
    dealer_id: int
    code: str
    name: str
    now_open: OpenCounts

    @property
    def link(self) -> str:
        """The complaints list, filtered to the dealer's late ones."""
        return f"/complaints/?dealer={self.dealer_id}&overdue=any"


def worst_dealers(scope: Scope, now: datetime, *, limit: int) -> tuple[list[DealerLine], int]:
    """The dealers with open complaints, most late first then most open, at most `limit`;
    and how many dealers have open complaints in all."""
    lines, total, _open = _by_dealer(scope, now, limit)
    return lines, total


def dealer_view(
    scope: Scope, now: datetime, *, regions: Regions, limit: int
) -> tuple[Card, list[DealerLine], int]:
    """A supervisor's card (as `card`) with its worst dealers (as `worst_dealers`): the
    open counts now are the dealers' added up, read with them in one query."""
    today = now.date()
    found = windows(regions, {"month": month_start(today), "year": year_start(today)}, now=now)
    lines, total, now_open = _by_dealer(scope, now, limit)
    card = Card(
        now_open=now_open,
        month=_sum(Tally, found["month"].values()),
        year=_sum(Tally, found["year"].values()),
    )
    return card, lines, total


def _by_dealer(scope: Scope, now: datetime, limit: int) -> tuple[list[DealerLine], int, OpenCounts]:
    """The first `limit` dealers by open complaints, late first, with their codes and names;
    how many dealers have open complaints; and the open counts of all of them together
    (sums over every group, taken before the limit)."""
    columns = _open_columns(now)
    late, opened = columns[4], columns[0]
    grouped = among_open(
        select(
            Complaint.dealer_id,
            Dealer.code,
            Dealer.name,
            *columns,
            func.count().over().label("dealers"),
            *(func.sum(column).over() for column in columns),
        )
        .select_from(Complaint)
        .outerjoin(Dealer, Dealer.id == Complaint.dealer_id)
        .where(scope(Complaint.dealer_id))
    ).group_by(Complaint.dealer_id, Dealer.code, Dealer.name)
    rows = db.session.execute(
        grouped.order_by(late.desc(), opened.desc(), Complaint.dealer_id).limit(limit)
    ).all()
    if not rows:
        return [], 0, NONE_OPEN
    lines = [
        DealerLine(row[0], row[1] or "", row[2] or "", OpenCounts(*(int(v or 0) for v in row[3:8])))
        for row in rows
    ]
    return lines, int(rows[0][8]), OpenCounts(*(int(v or 0) for v in rows[0][9:14]))


# A dealer's own: what is due next


@dataclass(frozen=True)
class Due:
    complaint_id: int
    reference: str
    store: str
    target: Target
    due_at: datetime  # in the region's time zone
    overdue: bool


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_next(dealer_id: int, now: datetime, *, limit: int = 3) -> list[Due]:
    """The dealer's open complaints whose running target falls due first: forwarding while
    received, resolution after; due times in the complaint's region's time zone."""
    rows = db.session.execute(_due_next(limit), {"dealer_id": dealer_id}).all()
    found = []
    for complaint_id, status, forward_due, resolve_due, store, timezone in rows:
        target = Target.FORWARD if status == ComplaintStatus.RECEIVED else Target.RESOLVE
        at = _aware(forward_due if target == Target.FORWARD else resolve_due)
        found.append(
            Due(
                complaint_id,
                f"C{complaint_id:06d}",
                store,
                target,
                at.astimezone(zone(timezone)),
                at < now,
            )
        )
    return found


@lru_cache(maxsize=4)
def _due_next(limit: int) -> Any:
    """A dealer's (`dealer_id`) open complaints by the due time of their running target."""
    received = Complaint.status == ComplaintStatus.RECEIVED
    due = case((received, Complaint.forward_due_at), else_=Complaint.resolve_due_at)
    return (
        select(
            Complaint.id,
            Complaint.status,
            Complaint.forward_due_at,
            Complaint.resolve_due_at,
            Store.name,
            Region.timezone,
        )
        .join(Store, Store.id == Complaint.store_id)
        .join(Region, Region.id == Complaint.region_id)
        .where(Complaint.dealer_id == bindparam("dealer_id"), is_open())
        .order_by(due, Complaint.id)
        .limit(limit)
    )


# A dealer's file: the last 12 months


@dataclass(frozen=True)
class OpenCase:
    complaint: Complaint
    due_at: datetime  # the running target's deadline, local time
    overdue: bool


@dataclass(frozen=True)
class DealerYear:
    since: datetime
    tally: Tally
    by_category: list[tuple[str, int]]
    now_open: OpenCounts
    open_cases: list[OpenCase]


def dealer_year(dealer_id: int, now: datetime, *, cases: int = 50) -> DealerYear:
    """A dealer's complaints of the last 12 months (counts by severity and category,
    on-time shares, repeats) and its open cases, most urgent first (at most `cases`)."""
    scope = only_dealer(dealer_id)
    since = year_start(now.date())
    categories = db.session.execute(
        select(ComplaintCategory, func.count(Complaint.id))
        .join(Complaint, Complaint.category_id == ComplaintCategory.id)
        .where(
            Complaint.dealer_id == dealer_id,
            Complaint.received_at >= since,
            Complaint.received_at <= now,
        )
        .group_by(ComplaintCategory.id)
        .order_by(func.count(Complaint.id).desc(), ComplaintCategory.sort_order)
    ).all()
    received = Complaint.status == ComplaintStatus.RECEIVED
    due = case((received, Complaint.forward_due_at), else_=Complaint.resolve_due_at)
    rows = db.session.scalars(
        select(Complaint)
        .where(Complaint.dealer_id == dealer_id, is_open())
        .options(joinedload(Complaint.store), joinedload(Complaint.region))
        .order_by(due, Complaint.id)
        .limit(cases)
    ).all()
    open_cases = []
    for complaint in rows:
        at = _aware(
            complaint.forward_due_at
            if complaint.status == ComplaintStatus.RECEIVED
            else complaint.resolve_due_at
        )
        local = at.astimezone(zone(complaint.region.timezone))
        open_cases.append(OpenCase(complaint, local, at < now))
    return DealerYear(
        since=since,
        tally=tally(scope=scope, since=since, now=now),
        by_category=[(category.label, int(count)) for category, count in categories],
        now_open=open_counts(None, scope=scope, now=now).get(None, NONE_OPEN),
        open_cases=open_cases,
    )


# The health score's part


@dataclass(frozen=True)
class HealthComponent:
    """Quacks like a scorecard component (portal.metrics.health.ComponentLike)."""

    key: str
    label: str
    value: Decimal | None
    detail: str
    facts: dict[str, Any]


def health_facts(year: Tally, now_open: OpenCounts) -> dict[str, int]:
    """The numbers the health part is made of (kept in the dealer's figures row)."""
    return {
        "fwd_part": year.forwarded_on_time,
        "fwd_whole": year.forward_measured,
        "res_part": year.resolved_on_time,
        "res_whole": year.resolve_measured,
        "repeats": year.repeats,
        "total": year.total,
        "overdue": now_open.overdue,
    }


def health_value(facts: Mapping[str, Any]) -> Decimal | None:
    """0-100: 40 % forwarded-on-time share, 40 % resolved-on-time share, 20 % the share not
    repeated; a measure without data is left out and the others re-weighted; None when the
    dealer received no complaint in the window (the health score then leaves the part out)."""
    if not facts or not int(facts.get("total") or 0):
        return None
    measures = {
        "forwarded": percent(int(facts["fwd_part"]), int(facts["fwd_whole"])),
        "resolved": percent(int(facts["res_part"]), int(facts["res_whole"])),
        "not_repeated": percent(int(facts["total"]) - int(facts["repeats"]), int(facts["total"])),
    }
    counted = {key: value for key, value in measures.items() if value is not None}
    weight = sum(HEALTH_PARTS[key] for key in counted)
    total = sum(HEALTH_PARTS[key] * value for key, value in counted.items())
    return (Decimal(total) / weight).quantize(ONE_DP, ROUND_HALF_UP)


@dataclass(frozen=True)
class HealthTexts:
    """The health part's words; `now()` translates them once for many dealers."""

    label: Any = HEALTH_LABEL
    detail: Any = HEALTH_DETAIL
    no_data: Any = NO_DATA

    @classmethod
    def now(cls) -> HealthTexts:
        return cls(str(HEALTH_LABEL), str(HEALTH_DETAIL), str(NO_DATA))


def health_component(
    facts: Mapping[str, Any] | None, texts: HealthTexts | None = None
) -> HealthComponent:
    """The "complaints" part of a dealer's health, from `health_facts()` ({}: none)."""
    texts = texts or HealthTexts()
    facts = dict(facts or {})
    value = health_value(facts)
    detail = str(texts.no_data) if value is None else str(texts.detail) % facts
    return HealthComponent("complaints", str(texts.label), value, detail, facts)


def day_start(today: date) -> datetime:
    return datetime(today.year, today.month, today.day, tzinfo=UTC)


def health_windows(dealer_ids: Collection[int], today: date) -> dict[int, dict[str, int]]:
    """Per dealer with complaints, the health part's facts as of the start of `today` (a
    figures row holds one day): the last 12 months' tally, the complaints overdue."""
    return health_and_deadlines(dealer_ids, today)[0]


def health_and_deadlines(
    dealer_ids: Collection[int], today: date
) -> tuple[dict[int, dict[str, int]], dict[int, date]]:
    """`health_windows`, and per dealer the first day after `today` on which an open
    complaint's running target will have passed (its counts change by themselves that day):
    two grouped queries, the year's complaints and the open ones."""
    params = {IDS: list(dealer_ids), "since": year_start(today), "now": day_start(today)}
    year = {
        dealer_id: Tally(*(int(value or 0) for value in counts))
        for dealer_id, *counts in db.session.execute(_year_tallies(), params)
    }
    opened, deadlines = {}, {}
    for dealer_id, *counts, first_forward, first_resolve in db.session.execute(
        _open_deadlines(), params
    ):
        opened[dealer_id] = OpenCounts(*(int(value or 0) for value in counts))
        days = [_day(value) for value in (first_forward, first_resolve) if value is not None]
        if days:
            deadlines[dealer_id] = min(days)
    facts = {
        dealer_id: health_facts(year.get(dealer_id, EMPTY), opened.get(dealer_id, NONE_OPEN))
        for dealer_id in set(year) | set(opened)
    }
    return facts, deadlines


@cache
def _year_tallies() -> Any:
    """`tallies` by dealer of the complaints received since `since`, as of `now`."""
    return (
        select(Complaint.dealer_id, *tally_columns(bindparam("now")))
        .where(among(Complaint.dealer_id), Complaint.received_at >= bindparam("since"))
        .group_by(Complaint.dealer_id)
    )


@cache
def _open_deadlines() -> Any:
    """`open_counts` by dealer as of `now`, then the first forward and resolve deadlines
    not passed yet."""
    now = bindparam("now")
    received = Complaint.status == ComplaintStatus.RECEIVED
    forward = case((and_(received, Complaint.forward_due_at >= now), Complaint.forward_due_at))
    resolve = case((Complaint.resolve_due_at >= now, Complaint.resolve_due_at))
    query = select(
        Complaint.dealer_id, *_open_columns(now), func.min(forward), func.min(resolve)
    ).where(among(Complaint.dealer_id))
    return among_open(query).group_by(Complaint.dealer_id)


def _day(value: Any) -> date:
    """The day after the one a deadline falls in (UTC): from then it counts as passed."""
    if isinstance(value, str):  # SQLite returns MIN() over a CASE as text
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date() + timedelta(days=1)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
