"""A large synthetic network for scale tests and benchmarks (`flask seed-large`).

About 20 regions, `dealers` dealers with five stores each, 24 months of sales plans and
store reports (with their lines and transitions), completed audits with every answer,
corrective actions for some failures, a few notices, a year of customer complaints (ten per
dealer, with their steps and escalations), two years of invoices and payments (one dealer in
ten a slow payer) with the collection tasks of the overdue ones, a few supervisors per
region and one user per dealer. Everyone shares one password, hashed once.

Rows are written in bulk straight through the database driver (executemany on SQLite,
COPY on PostgreSQL) with primary keys chosen here, so no row needs a round trip to learn
its id. Values are what the ORM would store: naive UTC datetimes, enum values, minor units.
Randomness is seeded, so two runs of the same size give the same network.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, text

from portal import clock, periods
from portal.audits import scoring
from portal.auth.passwords import hash_password
from portal.complaints import deadlines, services
from portal.complaints.hours import ALWAYS, Calendar
from portal.demo import large_contracts, large_prospects, large_targets
from portal.demo.complaints import TEXT as COMPLAINT_TEXT
from portal.demo.complaints import ZONE as COMPLAINT_ZONE
from portal.demo.network import PRODUCT_LINES
from portal.demo.plans import FORMAT_SIZE, LINE_MIX, SEASON, STANDARD_STORE_REVENUE
from portal.demo.receivables import TERMS, bills
from portal.demo.retail_standard import SECTIONS
from portal.extensions import db
from portal.metrics import complaint_months, rollup, upkeep
from portal.models import (
    ComplaintCategory,
    Holiday,
    Role,
    Severity,
    Standard,
    StandardVersion,
    User,
    VersionStatus,
)
from portal.richtext import plain_text_html
from portal.standards import services as standards

LARGE_PASSWORD = "portal-large"  # noqa: S105  (documented benchmark password, generated data)
REGION_COUNT = 20
STORES_PER_DEALER = 5
SUPERVISORS_PER_REGION = 3
MONTHS = 24
DEFAULT_AUDITS = 20_000
NOTICES = 24

FORMATS = ["flagship", "standard", "standard", "shop_in_shop", "counter", "outlet"]
KINDS = ["franchisee", "dealer", "distributor"]
CITIES = ["Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Chengdu", "Wuhan", "Xi'an",
          "Hangzhou", "Nanjing", "Tianjin", "Chongqing", "Suzhou", "Qingdao", "Dalian",
          "Xiamen", "Kunming", "Harbin", "Shenyang", "Changsha", "Zhengzhou"]  # fmt: skip


# The big tables, loaded without their foreign keys on PostgreSQL (re-added after).
BULK_TABLES = (
    "sales_plans", "sales_plan_lines", "plan_transitions", "store_reports",
    "store_report_lines", "report_transitions", "audits", "audit_answers",
    "corrective_actions", "notices", "notice_versions", "notice_receipts", "complaints",
    "complaint_transitions", "complaint_alerts", "invoices", "payments", "collection_tasks",
)  # fmt: skip


@dataclass
class LargeNetwork:
    """What was made: counts per table, the sample accounts and the time taken."""

    counts: dict[str, int] = field(default_factory=dict)
    admin_email: str = ""
    supervisor_email: str = ""
    dealer_email: str = ""
    password: str = LARGE_PASSWORD
    seconds: float = 0.0


class _Writer:
    """Bulk rows through the session's own connection and transaction."""

    def __init__(self) -> None:
        connection = db.session.connection()
        self.dialect = connection.dialect.name
        self.raw = connection.connection.dbapi_connection
        self.counts: dict[str, int] = {}
        self.tables: set[str] = set()
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []
        if self.dialect == "sqlite":
            _sqlite_adapters()
            connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB while seeding

    def next_id(self, table: str) -> int:
        query = f"SELECT COALESCE(MAX(id), 0) FROM {table}"  # noqa: S608  # nosec B608  (fixed names)
        return int(db.session.scalar(text(query)) or 0) + 1

    def write(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.tables.add(table)
        names = ", ".join(columns)
        cursor = self.raw.cursor()
        try:
            if self.dialect == "postgresql":
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
                cursor.executemany(sql, rows)
        finally:
            cursor.close()

    def suspend_foreign_keys(self, tables: Sequence[str]) -> None:
        """PostgreSQL: drop the foreign keys of `tables` for the load, to re-add them after.

        Checking each copied row through its triggers is most of a slow load; adding the
        constraint back checks every row at once, in one join per key (same transaction).
        """
        if self.dialect != "postgresql":
            return
        rows = db.session.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t)"
            ),
            {"t": list(tables)},
        ).all()
        for table, name, definition in rows:
            db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            self.foreign_keys.append((table, name, definition))

    def restore_foreign_keys(self) -> None:
        for table, name, definition in self.foreign_keys:
            db.session.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))

    def suspend_indexes(self, tables: Sequence[str]) -> None:
        """Drop the plain (not unique) indexes of `tables`, to build them once after the load:
        sorting all rows once is much faster than inserting each into every index."""
        if self.dialect == "postgresql":
            query = (
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(:t) "
                "AND NOT i.indisunique AND NOT i.indisprimary"
            )
            rows = db.session.execute(text(query), {"t": list(tables)}).all()
            self.indexes = [(name, definition) for name, definition in rows]
            db.session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        else:
            found = db.session.execute(
                text("SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'index'")
            ).all()
            # sql is NULL for the indexes behind UNIQUE and PRIMARY KEY constraints
            self.indexes = [
                (name, sql)
                for name, sql, table in found
                if table in tables and sql and not sql.upper().startswith("CREATE UNIQUE")
            ]
        for name, _definition in self.indexes:
            db.session.execute(text(f'DROP INDEX "{name}"'))

    def restore_indexes(self) -> None:
        for _name, definition in self.indexes:
            db.session.execute(text(definition))

    def analyze(self) -> None:
        """Fresh planner statistics for the tables just filled (SQLite: sampled, ~1 s)."""
        if self.dialect == "postgresql":
            for table in sorted(self.tables):
                db.session.execute(text(f"ANALYZE {table}"))
        else:
            db.session.execute(text("PRAGMA analysis_limit=1000"))
            db.session.execute(text("ANALYZE"))

    def reset_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids chosen here."""
        if self.dialect != "postgresql":
            return
        for table in sorted(self.tables):
            if "id" not in db.metadata.tables[table].c:  # supervisor_regions, dealer_credits
                continue
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
                    f"(SELECT MAX(id) FROM {table}))"
                )
            )


def _sqlite_adapters() -> None:
    """Bind values on SQLite as SQLAlchemy itself stores them (used by this raw cursor only:
    SQLAlchemy converts its own parameters to strings before they reach the driver)."""
    sqlite3.register_adapter(datetime, lambda value: value.isoformat(" ", "microseconds"))
    sqlite3.register_adapter(date, lambda value: value.isoformat())
    sqlite3.register_adapter(Decimal, float)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A naive UTC datetime, as UTCDateTime stores it."""
    return datetime.combine(day, time(hour, minute))


@dataclass
class _Ids:
    regions: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    # (id, region id, status, kind)
    dealers: list[tuple[int, int, str, str]] = field(default_factory=list)
    # dealer id -> [(store id, format, active)]
    stores: dict[int, list[tuple[int, str, bool]]] = field(default_factory=dict)
    supervisors: dict[int, list[int]] = field(default_factory=dict)  # region -> user ids
    dealer_users: dict[int, int] = field(default_factory=dict)  # dealer -> user id
    admin: int = 0


def seed_large(
    dealers: int = 2000,
    *,
    audits: int | None = None,
    today: date | None = None,
    seed: int = 20261127,
) -> LargeNetwork:
    """Write the large network (the caller commits). `audits` defaults to 10 per dealer."""
    started = perf_counter()
    today = today or clock.today()
    audits = DEFAULT_AUDITS * dealers // 2000 if audits is None else audits
    rng = random.Random(seed)  # noqa: S311  (repeatable generated data)
    writer = _Writer()
    now = _at(today, 8)
    ids = _Ids()
    result = LargeNetwork()
    _network(writer, ids, rng, dealers, now)
    _people(writer, ids, result, now)
    version = _standard_version(ids.admin, today)
    screening = large_prospects.screening_version(ids.admin)
    writer.suspend_foreign_keys(BULK_TABLES)
    writer.suspend_indexes(BULK_TABLES)
    _plans_and_reports(writer, ids, rng, today)
    _audits(writer, ids, rng, audits, today, version)
    _notices(writer, ids, rng, today)
    _complaints(writer, ids, rng, today)
    large_targets.seed_targets(writer.write, writer.next_id, ids, rng, today)
    _receivables(writer, ids, rng, today, now)
    large_contracts.seed_contracts(writer.write, writer.next_id, ids, rng, today)
    prospect_rng = random.Random(seed + 17)  # noqa: S311  (its own: the other tables stay as they were)
    large_prospects.seed_prospects(
        writer.write, writer.next_id, ids, prospect_rng, today, screening
    )
    writer.restore_indexes()
    writer.restore_foreign_keys()
    writer.reset_sequences()
    # The plans and reports went in past the ORM and its flush events: sum them once.
    writer.counts["plan_actual_totals"] = rollup.rebuild_all()
    writer.tables.add("plan_actual_totals")
    # The complaints too: count them per region and month once.
    writer.counts["complaint_months"] = complaint_months.rebuild(db.session.connection())
    writer.tables.add("complaint_months")
    # And past the hooks that keep each dealer's figures: compute them all once.
    for table, rows in upkeep.rebuild_all(today).items():
        writer.counts[table] = rows
        writer.tables.add(table)
    writer.analyze()
    db.session.flush()
    result.counts = dict(writer.counts)
    result.seconds = perf_counter() - started
    return result


def _network(writer: _Writer, ids: _Ids, rng: random.Random, dealers: int, now: datetime) -> None:
    first_region = writer.next_id("regions")
    regions = []
    for number in range(REGION_COUNT):
        region_id = first_region + number
        ids.regions.append(region_id)
        regions.append((region_id, f"LR{region_id:03d}", f"Region {region_id:03d}", True,
                        now, now, 1))  # fmt: skip
    writer.write("regions", ("id", "code", "name", "active", "created_at", "updated_at",
                             "version"), regions)  # fmt: skip
    existing = set(db.session.scalars(text("SELECT code FROM product_lines")))
    first_line = writer.next_id("product_lines")
    new_lines = [
        (first_line + n, code, name, n * 10, True, now, now, 1)
        for n, (code, name) in enumerate(c for c in PRODUCT_LINES if c[0] not in existing)
    ]
    writer.write("product_lines", ("id", "code", "name", "sort_order", "active", "created_at",
                                   "updated_at", "version"), new_lines)  # fmt: skip
    ids.lines = list(
        db.session.scalars(
            text(
                "SELECT id FROM product_lines WHERE code IN ('FTW','APP','ACC','EQP','KID') "
                "ORDER BY sort_order, id"
            )
        )
    )
    first_dealer = writer.next_id("dealers")
    first_store = writer.next_id("stores")
    dealer_rows, store_rows = [], []
    for number in range(dealers):
        dealer_id = first_dealer + number
        region = ids.regions[number % REGION_COUNT]
        # The first dealer of each region is active: the sample accounts see a working network.
        roll = 0.0 if number < REGION_COUNT else rng.random()
        status = ("active" if roll < 0.90 else "suspended" if roll < 0.94
                  else "prospect" if roll < 0.97 else "terminated")  # fmt: skip
        kind = KINDS[number % 3]
        active = status != "terminated"
        city = CITIES[(region + number // REGION_COUNT) % len(CITIES)]
        code = f"L{dealer_id:05d}"
        ids.dealers.append((dealer_id, region, status, kind))
        start = date(2015 + number % 9, 1 + number % 12, 1)
        dealer_rows.append((
            dealer_id, code, f"{city} Sports {dealer_id:05d}", kind, status, region,
            f"Contact {dealer_id}", f"+86 10 {dealer_id:08d}", f"contact@{code.lower()}.example",
            f"{dealer_id} Main Street", city, start, date(start.year + 5, start.month, 1),
            active, now, now, 1,
        ))  # fmt: skip
        stores = ids.stores[dealer_id] = []
        for position in range(STORES_PER_DEALER):
            store_id = first_store + number * STORES_PER_DEALER + position
            store_format = FORMATS[(number + position) % len(FORMATS)]
            store_active = active and not (position == 4 and number % 10 == 0)
            stores.append((store_id, store_format, store_active))
            store_rows.append((
                store_id, f"{code}-{position + 1:02d}", f"{city} store {store_id}", dealer_id,
                f"{store_id} Market Road", city, store_format, date(2016 + position, 3, 1),
                "open" if store_active else "closed", store_active, now, now, 1,
            ))  # fmt: skip
    writer.write("dealers", ("id", "code", "name", "kind", "status", "region_id",
                             "contact_person", "phone", "email", "address", "city",
                             "contract_start", "contract_end", "active", "created_at",
                             "updated_at", "version"), dealer_rows)  # fmt: skip
    writer.write("stores", ("id", "code", "name", "dealer_id", "address", "city", "format",
                            "opened_on", "status", "active", "created_at", "updated_at",
                            "version"), store_rows)  # fmt: skip


def _people(writer: _Writer, ids: _Ids, result: LargeNetwork, now: datetime) -> None:
    password_hash = hash_password(LARGE_PASSWORD)
    next_user = writer.next_id("users")
    rows = []
    links = []

    def person(email: str, name: str, role: Role, dealer_id: int | None) -> int:
        nonlocal next_user
        user_id = next_user
        next_user += 1
        rows.append((user_id, email, name, role.value, True, "en", password_hash, False, None,
                     dealer_id, now, now, 1))  # fmt: skip
        return user_id

    ids.admin = person(f"admin{next_user}@large.example", "Large Admin", Role.ADMIN, None)
    result.admin_email = rows[-1][1]
    for region in ids.regions:
        ids.supervisors[region] = []
        for number in range(SUPERVISORS_PER_REGION):
            user_id = person(
                f"supervisor{next_user}@large.example",
                f"Supervisor {region}-{number + 1}",
                Role.SUPERVISOR,
                None,
            )
            ids.supervisors[region].append(user_id)
            links.append((user_id, region))
    result.supervisor_email = rows[1][1]
    for dealer_id, _region, _status, _kind in ids.dealers:
        ids.dealer_users[dealer_id] = person(
            f"dealer{dealer_id}@large.example", f"Dealer user {dealer_id}", Role.DEALER, dealer_id
        )
    result.dealer_email = rows[1 + len(links)][1]
    writer.write("users", ("id", "email", "name", "role", "active", "locale", "password_hash",
                           "must_change_password", "last_sign_in_at", "dealer_id",
                           "created_at", "updated_at", "version"), rows)  # fmt: skip
    writer.write("supervisor_regions", ("user_id", "region_id"), links)


# Plans and reports


def _plan_fate(roll: float, offset: int) -> str | None:
    if offset <= -2:
        return "approved"
    if offset == -1:
        return "approved" if roll < 0.9 else "submitted"
    if roll < 0.60:
        return "approved"
    if roll < 0.85:
        return "submitted"
    return "draft" if roll < 0.95 else None


def _report_fate(roll: float, offset: int) -> str | None:
    if offset <= -2:
        return None if roll < 0.02 else "reviewed"
    if roll < 0.08:
        return None
    if roll < 0.14:
        return "draft"
    if roll < 0.18:
        return "returned"
    return "submitted" if roll < 0.70 else "reviewed"


def _plans_and_reports(writer: _Writer, ids: _Ids, rng: random.Random, today: date) -> None:
    config = current_app.config
    current = periods.of(today)
    plan_periods = periods.span(periods.shift(current, -(MONTHS - 1)), current)
    report_periods = periods.span(periods.shift(current, -MONTHS), periods.shift(current, -1))
    cutoff = _at(today, 7)
    plan_id = writer.next_id("sales_plans")
    report_id = writer.next_id("store_reports")
    plans, reports = [], []
    plan_lines: list[tuple] = []
    report_lines: list[tuple] = []
    plan_steps: list[tuple] = []
    report_steps: list[tuple] = []
    counters = {"plan_line": writer.next_id("sales_plan_lines"),
                "report_line": writer.next_id("store_report_lines"),
                "plan_step": writer.next_id("plan_transitions"),
                "report_step": writer.next_id("report_transitions")}  # fmt: skip
    mix = [LINE_MIX[code] for code, _name in PRODUCT_LINES]

    def flush() -> None:
        writer.write("sales_plans", PLAN_COLUMNS, plans)
        writer.write("sales_plan_lines", PLAN_LINE_COLUMNS, plan_lines)
        writer.write("plan_transitions", _step_columns("plan"), plan_steps)
        writer.write("store_reports", REPORT_COLUMNS, reports)
        writer.write("store_report_lines", REPORT_LINE_COLUMNS, report_lines)
        writer.write("report_transitions", _step_columns("report"), report_steps)
        for batch in (plans, plan_lines, plan_steps, reports, report_lines, report_steps):
            batch.clear()

    def step(kind: str, parent: int, action: str, before, after, actor, at) -> None:
        target = plan_steps if kind == "plan" else report_steps
        key = f"{kind}_step"
        target.append((counters[key], parent, action, before, after, actor, min(at, cutoff), ""))
        counters[key] += 1

    for index, (dealer_id, region, status, _kind) in enumerate(ids.dealers):
        if status == "prospect":
            continue
        # Each region's first dealer always has work waiting: this month's plan and last
        # month's reports are submitted (so every supervisor's queues have something).
        showcase = index < REGION_COUNT
        form = 0.85 + 0.3 * rng.random()
        dealer_user = ids.dealer_users[dealer_id]
        supervisor = ids.supervisors[region][0]
        stores = ids.stores[dealer_id]
        for period in plan_periods:
            offset = _months_between(current, period)
            fate = _plan_fate(rng.random(), offset)
            if showcase and offset == 0:
                fate = "submitted"
            if fate is None or (status == "terminated" and offset > -6):
                continue
            due = _at(periods.plan_due_date(period, config["PLAN_DUE_DAY"]), 17)
            submitted = due - timedelta(days=rng.randint(-2, 8), hours=rng.randint(0, 8))
            created = submitted - timedelta(days=3)
            decided = submitted + timedelta(days=2) if fate == "approved" else None
            final = {"approved": "approved", "submitted": "submitted", "draft": "draft"}[fate]
            sent = None if fate == "draft" else min(submitted, cutoff)
            plans.append((plan_id, dealer_id, period, final, "", dealer_user, sent, sent,
                          decided and min(decided, cutoff), min(created, cutoff),
                          min(created, cutoff), 1))  # fmt: skip
            step("plan", plan_id, "create", None, "draft", dealer_user, created)
            if sent is not None:
                step("plan", plan_id, "submit", "draft", "submitted", dealer_user, submitted)
            if decided is not None:
                step("plan", plan_id, "approve", "submitted", "approved", supervisor, decided)
            season = SEASON[periods.split(period)[1] - 1]
            for store_id, store_format, _active in stores:
                size = FORMAT_SIZE_BY_VALUE[store_format] * season * STANDARD_STORE_REVENUE
                for line_id, (share, price) in zip(ids.lines, mix, strict=False):
                    revenue = round(size * share * (0.95 + 0.13 * rng.random()) / 1000) * 1000
                    plan_lines.append((counters["plan_line"], plan_id, store_id, line_id,
                                       revenue * 100, max(1, revenue // price)))  # fmt: skip
                    counters["plan_line"] += 1
            plan_id += 1
        for period in report_periods:
            offset = _months_between(current, period)
            if status == "terminated" and offset > -6:
                continue
            season = SEASON[periods.split(period)[1] - 1]
            due = _at(periods.report_due_date(period, config["REPORT_DUE_DAYS"]), 17)
            for store_id, store_format, store_active in stores:
                fate = _report_fate(rng.random(), offset)
                if showcase and offset == -1:
                    fate = "submitted"
                if fate is None or (not store_active and offset > -6):
                    continue
                submitted = due - timedelta(days=rng.randint(-3, 8), hours=rng.randint(0, 8))
                created = submitted - timedelta(days=2)
                sent = None if fate == "draft" else min(submitted, cutoff)
                decided = (
                    min(submitted + timedelta(days=3), cutoff)
                    if fate in ("reviewed", "returned")
                    else None
                )
                size = FORMAT_SIZE_BY_VALUE[store_format]
                reports.append((
                    report_id, store_id, dealer_id, period, fate,
                    round(size * (5200 + 2600 * rng.random())),
                    round(size * (380_000 + 140_000 * rng.random())) * 100,
                    max(2, round(size * 6)), "", "", dealer_user, sent, sent, decided,
                    min(created, cutoff), min(created, cutoff), 1,
                ))  # fmt: skip
                step("report", report_id, "create", None, "draft", dealer_user, created)
                if sent is not None:
                    step("report", report_id, "submit", "draft", "submitted", dealer_user,
                         submitted)  # fmt: skip
                if fate == "reviewed":
                    step("report", report_id, "review", "submitted", "reviewed", supervisor,
                         submitted + timedelta(days=3))  # fmt: skip
                elif fate == "returned":
                    step("report", report_id, "return", "submitted", "returned", supervisor,
                         submitted + timedelta(days=3))  # fmt: skip
                revenue_base = size * season * STANDARD_STORE_REVENUE * form
                for line_id, (share, price) in zip(ids.lines, mix, strict=False):
                    revenue = round(revenue_base * share * (0.9 + 0.22 * rng.random()))
                    report_lines.append((counters["report_line"], report_id, line_id,
                                         revenue * 100, max(0, revenue // price)))  # fmt: skip
                    counters["report_line"] += 1
                report_id += 1
        if len(plan_lines) > 100_000:
            flush()
    flush()


PLAN_COLUMNS = ("id", "dealer_id", "period", "status", "note", "created_by_id",
                "first_submitted_at", "submitted_at", "decided_at", "created_at", "updated_at",
                "version")  # fmt: skip
PLAN_LINE_COLUMNS = ("id", "plan_id", "store_id", "product_line_id", "revenue_minor", "units")
REPORT_COLUMNS = ("id", "store_id", "dealer_id", "period", "status", "footfall",
                  "closing_stock_minor", "staff_count", "issues", "customer_feedback",
                  "created_by_id", "first_submitted_at", "submitted_at", "decided_at",
                  "created_at", "updated_at", "version")  # fmt: skip
REPORT_LINE_COLUMNS = ("id", "report_id", "product_line_id", "revenue_minor", "units")


def _step_columns(kind: str) -> tuple[str, ...]:
    return ("id", f"{kind}_id", "action", "from_status", "to_status", "actor_id", "at",
            "comment")  # fmt: skip


FORMAT_SIZE_BY_VALUE = {member.value: size for member, size in FORMAT_SIZE.items()}


def _months_between(current: str, period: str) -> int:
    (cy, cm), (py, pm) = periods.split(current), periods.split(period)
    return (py - cy) * 12 + (pm - cm)


# Audits


def _standard_version(admin_id: int, today: date) -> StandardVersion:
    """The retail standard's latest published version, made (back-dated) if missing."""
    found = db.session.scalar(
        select(StandardVersion)
        .join(Standard)
        .where(Standard.code == "RSS", StandardVersion.status == VersionStatus.PUBLISHED)
        .order_by(StandardVersion.number.desc())
        .limit(1)
    )
    if found is not None:
        return found
    admin = db.session.get(User, admin_id)
    version = standards.create_standard(code="RSS", name="Retail Store Standard", actor=admin)
    for title, items in SECTIONS:
        section = standards.add_section(version, title=title, actor=admin)
        for code, question, guidance, weight, critical, na_allowed, photo in items:
            standards.add_item(
                section,
                {"code": code, "question": question, "guidance": guidance, "weight": weight,
                 "critical": critical, "na_allowed": na_allowed, "photo_required": photo},
                actor=admin,
            )  # fmt: skip
    published = datetime.combine(today - timedelta(days=800), time(9), tzinfo=UTC)
    standards.publish(version, notes="First edition.", actor=admin, now=published)
    db.session.flush()
    return version


AUDIT_COLUMNS = ("id", "store_id", "dealer_id", "standard_id", "standard_version_id", "kind",
                 "follow_up_of_id", "scheduled_for", "announced", "status", "auditor_id",
                 "started_at", "completed_at", "score", "grade", "passed", "critical_failed",
                 "summary", "acknowledged_at", "acknowledged_by_id", "acknowledgement",
                 "submission_token", "created_at", "updated_at", "version")  # fmt: skip
ANSWER_COLUMNS = ("id", "audit_id", "item_id", "result", "note", "answered_at",
                  "answered_by_id")  # fmt: skip
ACTION_COLUMNS = ("id", "audit_id", "answer_id", "item_id", "store_id", "dealer_id", "critical",
                  "repeat", "due_on", "original_due_on", "status", "responded_at",
                  "verified_at", "verified_by_id", "created_at", "updated_at",
                  "version")  # fmt: skip


def _audits(
    writer: _Writer,
    ids: _Ids,
    rng: random.Random,
    count: int,
    today: date,
    version: StandardVersion,
) -> None:
    items = [(item.id, item.weight, item.critical, item.na_allowed) for item in version.items]
    scored = [scoring.ScoredItem(key=i, weight=w, critical=c) for i, w, c, _na in items]
    bands = scoring.bands_from_config(current_app.config["AUDIT_GRADE_BANDS"])
    due_days = int(current_app.config["AUDIT_ACTION_DUE_DAYS"])
    critical_days = int(current_app.config["AUDIT_ACTION_DUE_DAYS_CRITICAL"])
    audited = [
        (store_id, dealer_id, region)
        for dealer_id, region, status, _kind in ids.dealers
        if status in ("active", "suspended")
        for store_id, _format, active in ids.stores[dealer_id]
        if active
    ]
    if not audited:
        return
    audit_id = writer.next_id("audits")
    answer_id = writer.next_id("audit_answers")
    action_id = writer.next_id("corrective_actions")
    audits, answers, actions = [], [], []

    def flush() -> None:
        writer.write("audits", AUDIT_COLUMNS, audits)
        writer.write("audit_answers", ANSWER_COLUMNS, answers)
        writer.write("corrective_actions", ACTION_COLUMNS, actions)
        for batch in (audits, answers, actions):
            batch.clear()

    span_days = MONTHS * 30
    for number in range(count):
        store_id, dealer_id, region = audited[number % len(audited)]
        auditor = ids.supervisors[region][number % SUPERVISORS_PER_REGION]
        day = today - timedelta(days=1 + (number * 7919 + rng.randint(0, 40)) % span_days)
        quality = 0.80 + 0.19 * rng.random()
        results = {}
        first_answer = answer_id
        for item_id, _weight, critical, na_allowed in items:
            roll = rng.random()
            if na_allowed and roll < 0.05:
                result = "na"
            elif rng.random() < (0.995 if critical else quality):
                result = "pass"
            else:
                result = "fail"
            results[item_id] = result
            answers.append((answer_id, audit_id, item_id, result, "", _at(day, 10), auditor))
            answer_id += 1
        outcome = scoring.score(results, scored, bands)
        audits.append((
            audit_id, store_id, dealer_id, version.standard_id, version.id, "regular", None,
            day, number % 3 != 0, "completed", auditor, _at(day, 9), _at(day, 12),
            outcome.percentage, outcome.grade, outcome.passed, outcome.critical_failed,
            f"{len(items)} items checked, {outcome.failed} failed.", None, None, "", None,
            _at(day - timedelta(days=14), 9), _at(day, 12), 1,
        ))  # fmt: skip
        age = (today - day).days
        for offset, (item_id, _weight, critical, _na) in enumerate(items):
            if results[item_id] != "fail":
                continue
            due = day + timedelta(days=critical_days if critical else due_days)
            if age > 45:
                state, responded, verified = "verified", _at(day + timedelta(days=5), 11), True
            else:
                state = ("open", "responded", "verified")[rng.randint(0, 2)]
                responded = _at(day + timedelta(days=2), 11) if state != "open" else None
                verified = state == "verified"
            actions.append((
                action_id, audit_id, first_answer + offset, item_id, store_id, dealer_id,
                critical, False, due, due, state, responded,
                _at(day + timedelta(days=7), 15) if verified else None,
                auditor if verified else None, _at(day, 12), _at(day, 12), 1,
            ))  # fmt: skip
            action_id += 1
        audit_id += 1
        if len(answers) > 100_000:
            flush()
    # Work ahead: one audit in twenty stores scheduled within the next month.
    for number, (store_id, dealer_id, region) in enumerate(audited[::20]):
        day = today + timedelta(days=number % 30 - 3)
        audits.append((
            audit_id, store_id, dealer_id, version.standard_id, version.id, "regular", None,
            day, True, "scheduled", ids.supervisors[region][0], None, None, None, None, None,
            None, "", None, None, "", None, _at(today - timedelta(days=10), 9),
            _at(today - timedelta(days=10), 9), 1,
        ))  # fmt: skip
        audit_id += 1
    flush()


# Notices

NOTICE_COLUMNS = ("id", "kind", "status", "title", "body", "body_html", "effective_from",
                  "effective_to", "audience", "audience_kind", "acknowledge_days",
                  "acknowledge_due_on",
                  "promotion_start", "promotion_end", "execution_deadline", "current_version",
                  "created_by_id", "published_at", "archived_at", "submission_token",
                  "created_at", "updated_at", "version")  # fmt: skip
NOTICE_VERSION_COLUMNS = ("id", "notice_id", "number", "title", "body", "body_html",
                          "effective_from", "effective_to", "promotion_start", "promotion_end",
                          "execution_deadline", "acknowledge_due_on", "change_note",
                          "published_at", "published_by_id", "corrections",
                          "corrected_at")  # fmt: skip
RECEIPT_COLUMNS = ("id", "notice_id", "dealer_id", "version_number", "read_at", "read_by_id",
                   "acknowledged_at", "acknowledged_by_id")  # fmt: skip


def _notices(writer: _Writer, ids: _Ids, rng: random.Random, today: date) -> None:
    """One network-wide policy a month; most dealers read and acknowledged each."""
    notice_id = writer.next_id("notices")
    version_id = writer.next_id("notice_versions")
    receipt_id = writer.next_id("notice_receipts")
    notices, versions, receipts = [], [], []
    for number in range(NOTICES):
        day = today - timedelta(days=30 * (NOTICES - number))
        published = _at(day, 9)
        due = day + timedelta(days=7)
        title = f"Network policy {number + 1:02d}"
        body = f"Policy {number + 1} for every store in the network."
        html = plain_text_html(body)  # what Markdown makes of this plain sentence
        notices.append((notice_id, "policy", "published", title, body, html, day, None, "network",
                        None, 7, due, None, None, None, 1, ids.admin, published, None, None,
                        published, published, 1))  # fmt: skip
        versions.append((version_id, notice_id, 1, title, body, html, day, None, None, None, None,
                         due, "", published, ids.admin, 0, None))  # fmt: skip
        for index, (dealer_id, _region, status, _kind) in enumerate(ids.dealers):
            skipped = rng.random() < 0.15
            if index < REGION_COUNT:  # each region's first dealer: the last three are new
                skipped = number >= NOTICES - 3
            if status != "active" or skipped:
                continue
            user = ids.dealer_users[dealer_id]
            read = _at(day + timedelta(days=rng.randint(0, 5)), 10)
            receipts.append((receipt_id, notice_id, dealer_id, 1, read, user, read, user))
            receipt_id += 1
        notice_id += 1
        version_id += 1
    writer.write("notices", NOTICE_COLUMNS, notices)
    writer.write("notice_versions", NOTICE_VERSION_COLUMNS, versions)
    writer.write("notice_receipts", RECEIPT_COLUMNS, receipts)


# Complaints

COMPLAINTS_PER_DEALER = 10
COMPLAINT_COLUMNS = ("id", "store_id", "dealer_id", "region_id", "category_id",
                     "product_line_id", "channel", "severity", "serious_kind", "customer_name",
                     "customer_phone", "customer_email", "description", "status", "received_at",
                     "forwarded_at", "started_at", "resolved_at", "closed_at", "reopened_at",
                     "cycle", "forward_due_at", "resolve_due_at", "forwarded_on_time",
                     "resolved_on_time", "next_alert_at", "remedy", "cost_minor", "satisfaction",
                     "created_by_id", "created_at", "updated_at", "version")  # fmt: skip
ALERT_COLUMNS = ("id", "complaint_id", "target", "level", "cycle", "due_at", "sent_at")
CHANNELS = ["phone", "phone", "phone", "in_store", "in_store", "online", "social_media",
            "consumer_association"]  # fmt: skip
SERIOUS_KINDS = ["injury", "safety", "media", "regulator"]
CATEGORY_WEIGHTS = {"QUALITY": 5, "SERVICE": 3, "DELIVERY": 2, "PRICE": 1, "PROMOTION": 1}
COMPLAINT_REMEDIES = ["repair", "replacement", "refund", "apology", "none"]


@dataclass
class _Life:
    """One generated complaint's story: its steps (action, before, after, actor, at) and
    what they leave on the row."""

    received: datetime
    forward_due: datetime
    resolve_due: datetime
    calendar: Calendar
    days: int  # the category's resolution target
    steps: list[tuple[str, str | None, str, int, datetime]] = field(default_factory=list)
    alerts: list[tuple[str, str, int, datetime]] = field(default_factory=list)


def _complaints(writer: _Writer, ids: _Ids, rng: random.Random, today: date) -> None:
    """Ten complaints per dealer over the last year, as the services would have left them on
    the morning of `today`: deadlines from the default business hours (clock hours when
    serious), steps up to then, on-time flags, the escalations already sent and the next
    one due. Most are closed on time; some late, a few repeats, a share open."""
    services.ensure_default_categories()
    categories = [
        (category.id, category.code, category.resolve_days)
        for category in db.session.scalars(
            select(ComplaintCategory).where(ComplaintCategory.active).order_by("sort_order")
        )
    ]
    holidays = frozenset(db.session.scalars(select(Holiday.day).where(Holiday.region_id.is_(None))))
    calendar = Calendar(zone=ZoneInfo(COMPLAINT_ZONE), holidays=holidays)
    cutoff = datetime.combine(today, time(8), tzinfo=UTC)
    contacts = [{"user": ids.supervisors[region][0], "region": region} for region in ids.regions]
    db.session.execute(
        text("UPDATE regions SET after_sales_user_id = :user WHERE id = :region"), contacts
    )
    handled = [
        (store_id, dealer_id, region, status)
        for dealer_id, region, status, _kind in ids.dealers
        if status in ("active", "suspended")
        for store_id, _format, active in ids.stores[dealer_id]
        if active
    ]
    if not handled or not categories:
        return
    complaint_id = writer.next_id("complaints")
    step_id = writer.next_id("complaint_transitions")
    alert_id = writer.next_id("complaint_alerts")
    rows, steps, alerts = [], [], []
    weights = [CATEGORY_WEIGHTS.get(code, 1) for _id, code, _days in categories]
    descriptions = [line for key in CATEGORY_WEIGHTS for line in COMPLAINT_TEXT["en"][key]]
    for number in range(COMPLAINTS_PER_DEALER * len(ids.dealers)):
        store_id, dealer_id, region, status = handled[rng.randrange(len(handled))]
        category_id, code, resolve_days = rng.choices(categories, weights=weights)[0]
        serious = rng.random() < 0.03
        local = datetime.combine(
            # One in 25 came in this week (the open work of today's queues).
            today - timedelta(days=rng.randint(0, 6 if number % 25 == 5 else 364)),
            time(rng.randint(9, 21), rng.randint(0, 59)),
            tzinfo=ZoneInfo(COMPLAINT_ZONE),
        )
        received = min(local.astimezone(UTC), cutoff - timedelta(minutes=rng.randint(5, 300)))
        severity = Severity.SERIOUS if serious else Severity.NORMAL
        life = _life(ALWAYS if serious else calendar, received, resolve_days, severity)
        recorder = ids.dealer_users[dealer_id]
        if status == "suspended":  # read-only dealer users: the supervisor records for them
            recorder = ids.supervisors[region][0]
        _story(rng, life, number, recorder, ids.supervisors[region][0])
        row = _complaint_row(rng, life, cutoff)
        kept = [step for step in life.steps if step[4] <= cutoff]
        for action, before, after, actor, at in kept:
            steps.append((step_id, complaint_id, action, before, after, actor, _naive(at), ""))
            step_id += 1
        for target, level, cycle, due in life.alerts:
            sent = min(due + timedelta(minutes=rng.randint(0, 4)), cutoff)
            alerts.append((alert_id, complaint_id, target, level, cycle, _naive(due),
                           _naive(sent)))  # fmt: skip
            alert_id += 1
        last = kept[-1][4]
        rows.append((
            complaint_id, store_id, dealer_id, region, category_id,
            rng.choice(ids.lines) if code == "QUALITY" else None,
            rng.choice(CHANNELS), "serious" if serious else "normal",
            rng.choice(SERIOUS_KINDS) if serious else None,
            f"Customer {complaint_id}", f"+86 139{complaint_id:08d}", "",
            rng.choice(descriptions), *row, recorder, _naive(received), _naive(last), 1,
        ))  # fmt: skip
        complaint_id += 1
        if len(rows) >= 20_000:
            _write_complaints(writer, rows, steps, alerts)
    _write_complaints(writer, rows, steps, alerts)


INVOICE_COLUMNS = ("id", "dealer_id", "number", "issued_on", "due_on", "amount_minor", "currency",
                   "paid_minor", "settled", "created_at", "updated_at", "version")  # fmt: skip
PAYMENT_COLUMNS = ("id", "invoice_id", "dealer_id", "paid_on", "amount_minor", "created_at")
CREDIT_COLUMNS = ("dealer_id", "limit_minor", "currency", "terms_days", "on_hold", "hold_reason",
                  "created_at", "updated_at", "version")  # fmt: skip
TASK_COLUMNS = ("id", "invoice_id", "dealer_id", "status", "created_at", "updated_at", "version")


def _receivables(
    writer: _Writer, ids: _Ids, rng: random.Random, today: date, now: datetime
) -> None:
    """Two years of invoices per trading dealer (portal/demo/receivables.py tells how they are
    paid), its credit terms, and a collection task for each invoice overdue today."""
    stamp = _naive(now)
    invoice_id = writer.next_id("invoices")
    payment_id = writer.next_id("payments")
    task_id = writer.next_id("collection_tasks")
    invoices, payments, credits, tasks = [], [], [], []
    for dealer_id, _region, status, _kind in ids.dealers:
        if status not in ("active", "suspended"):
            continue
        terms = rng.choice(TERMS)
        monthly = rng.randrange(80_000, 400_000) * 100
        slow = rng.random() < 0.1
        for bill in bills(f"L{dealer_id}", rng, today, monthly=monthly, terms=terms, slow=slow):
            settled = bill.paid_minor >= bill.amount_minor
            invoices.append((invoice_id, dealer_id, bill.number, bill.issued_on, bill.due_on,
                             bill.amount_minor, "CNY", bill.paid_minor, settled, stamp, stamp,
                             1))  # fmt: skip
            for day, amount in bill.payments:
                payments.append((payment_id, invoice_id, dealer_id, day, amount, stamp))
                payment_id += 1
            if not settled and bill.due_on < today:
                tasks.append((task_id, invoice_id, dealer_id, "open", stamp, stamp, 1))
                task_id += 1
            invoice_id += 1
        limit = monthly * (1 if slow else 3)
        credits.append((dealer_id, limit, "CNY", terms, False, "", stamp, stamp, 1))
        if len(invoices) >= 20_000:
            _write_receivables(writer, invoices, payments, tasks)
    _write_receivables(writer, invoices, payments, tasks)
    writer.write("dealer_credits", CREDIT_COLUMNS, credits)


def _write_receivables(writer: _Writer, invoices: list, payments: list, tasks: list) -> None:
    writer.write("invoices", INVOICE_COLUMNS, invoices)
    writer.write("payments", PAYMENT_COLUMNS, payments)
    writer.write("collection_tasks", TASK_COLUMNS, tasks)
    for batch in (invoices, payments, tasks):
        batch.clear()


def _write_complaints(writer: _Writer, rows: list, steps: list, alerts: list) -> None:
    writer.write("complaints", COMPLAINT_COLUMNS, rows)
    writer.write("complaint_transitions", _step_columns("complaint"), steps)
    writer.write("complaint_alerts", ALERT_COLUMNS, alerts)
    for batch in (rows, steps, alerts):
        batch.clear()


def _naive(instant: datetime | None) -> datetime | None:
    """UTC without tzinfo, as UTCDateTime stores it."""
    return None if instant is None else instant.astimezone(UTC).replace(tzinfo=None)


def _life(calendar: Calendar, received: datetime, days: int, severity: Severity) -> _Life:
    return _Life(
        received=received,
        forward_due=calendar.add(received, deadlines.forward_hours(severity) * 3600),
        resolve_due=calendar.add_days(received, days),
        calendar=calendar,
        days=days,
    )


def _story(rng: random.Random, life: _Life, number: int, handler: int, supervisor: int) -> None:
    """The steps the complaint will have taken, some perhaps after the cut-off (not kept):
    one in 40 is forgotten in progress, one in 20 resolved and not closed, one in 25 comes
    back (a repeat); about one in ten is forwarded late and one in eight resolved late."""
    calendar, at = life.calendar, life.received
    life.steps.append(("receive", None, "received", handler, at))
    forward_hours = rng.uniform(2.3, 9) if rng.random() < 0.10 else rng.uniform(0.1, 1.9)
    at = calendar.add(at, forward_hours * 3600)
    life.steps.append(("forward", "received", "forwarded", handler, at))
    waits = (4, 24) if number % 50 == 5 else (0.2, 4)  # half of this week's wait longer
    at = calendar.add(at, rng.uniform(*waits) * 3600)
    life.steps.append(("start", "forwarded", "in_progress", handler, at))
    if number % 40 == 7:
        return  # forgotten: still in progress, long overdue
    late = rng.random() < 0.12
    share = rng.uniform(1.1, 2.3) if late else rng.uniform(0.3, 0.95)
    at = max(calendar.point(life.received, life.resolve_due, share), at + timedelta(minutes=5))
    life.steps.append(("resolve", "in_progress", "resolved", handler, at))
    if number % 20 == 3:
        return  # resolved, not yet closed
    at = calendar.add(at, rng.uniform(2, 30) * 3600)
    life.steps.append(("close", "resolved", "closed", supervisor, at))
    if number % 25 == 11:
        at = calendar.add(at + timedelta(days=rng.randint(2, 12)), rng.uniform(0.5, 6) * 3600)
        life.steps.append(("reopen", "closed", "reopened", handler, at))
        at = calendar.add(at, rng.uniform(0.5, 6) * 3600)
        life.steps.append(("start", "reopened", "in_progress", handler, at))
        at = calendar.add(at, rng.uniform(3, 20) * 3600)
        life.steps.append(("resolve", "in_progress", "resolved", handler, at))
        at = calendar.add(at, rng.uniform(2, 30) * 3600)
        life.steps.append(("close", "resolved", "closed", supervisor, at))


def _complaint_row(rng: random.Random, life: _Life, cutoff: datetime) -> tuple:
    """From status to satisfaction (COMPLAINT_COLUMNS' middle), as the steps taken by
    `cutoff` leave them; collects the escalations sent on the way into `life.alerts`."""
    calendar = life.calendar
    taken = {}
    cycle, clock_start, resolve_due, status = 0, life.received, life.resolve_due, "received"
    resolved_on_time, remedy, cost, satisfaction = None, None, None, None
    ends: dict[tuple[str, int], datetime] = {}
    for action, _before, after, _actor, at in life.steps:
        if at > cutoff:
            break
        status = after
        if action == "reopen":
            ends.setdefault(("resolve", cycle), at)
            cycle += 1
            clock_start = at
            resolve_due = calendar.add_days(at, life.days)
            resolved_on_time, remedy, cost = None, None, None
        elif action == "forward":
            ends[("forward", 0)] = at
        elif action == "resolve":
            ends[("resolve", cycle)] = at
            resolved_on_time = at <= resolve_due
            remedy = rng.choice(COMPLAINT_REMEDIES)
            cost = rng.choice([None, 5_000, 20_000, 80_000]) if remedy != "none" else None
        elif action == "close":
            satisfaction = rng.randint(1, 5) if rng.random() < 0.7 else None
        if action == "start" and "start" in taken:
            continue
        taken[action] = at
    # The escalations sent: each target's points passed before its step was taken (or now).
    spans = [("forward", 0, life.received, life.forward_due)]
    spans.append(("resolve", 0, life.received, life.resolve_due))
    if cycle:
        spans.append(("resolve", 1, clock_start, resolve_due))
    upcoming = []
    for target, span_cycle, start, deadline in spans:
        end = ends.get((target, span_cycle), cutoff)
        for level, share in deadlines.LEVELS:
            point = calendar.point(start, deadline, share)
            if point < end and point <= cutoff:
                life.alerts.append((target, level.value, span_cycle, point))
            elif (target, span_cycle) not in ends:
                upcoming.append(point)
    open_now = status not in ("resolved", "closed")
    forwarded = taken.get("forward")
    return (
        status, _naive(life.received), _naive(forwarded), _naive(taken.get("start")),
        _naive(taken.get("resolve")), _naive(taken.get("close")), _naive(taken.get("reopen")),
        cycle, _naive(life.forward_due), _naive(resolve_due),
        None if forwarded is None else forwarded <= life.forward_due, resolved_on_time,
        _naive(min(upcoming)) if open_now and upcoming else None, remedy, cost, satisfaction,
    )  # fmt: skip


def is_empty() -> bool:
    """True when there is no network yet (no region, dealer or user)."""
    from portal.models import Dealer, Region

    return all(
        db.session.scalar(select(func.count()).select_from(model)) == 0
        for model in (Region, Dealer, User)
    )
