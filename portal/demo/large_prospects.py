"""The large network's prospects: one for every ten dealers (at least one per stage), spread
over the regions and over every open stage of the pipeline (and lost), most in cities where
the region has no store, with the steps, screening answers and proposals the services would
have left.

Written in bulk beside the rest of `seed-large` (portal/demo/large.py). None is signed: the
generated dealers stay as they are.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.demo.prospects import PASSING, SCREENING_CODE, screening_standard
from portal.extensions import db
from portal.models import Standard, StandardVersion, User, VersionStatus

Write = Callable[[str, Sequence[str], list[Sequence[Any]]], None]
NextId = Callable[[str], int]
PER_DEALERS = 10
BLANK_CITIES = ["Lanzhou", "Hohhot", "Nanning", "Guiyang", "Ningbo", "Hefei", "Changchun",
                "Taiyuan", "Urumqi", "Yinchuan", "Xining", "Haikou"]  # fmt: skip
# stage -> the steps leading to it (action, from, to)
PATH = [
    ("create", None, "lead"),
    ("contact", "lead", "contacted"),
    ("screen", "contacted", "screening"),
    ("visit", "screening", "site_visit"),
    ("propose", "site_visit", "proposal"),
    ("approve", "proposal", "approved"),
]
STAGES = ["lead", "contacted", "screening", "site_visit", "proposal", "approved", "lost"]
PROSPECT_COLUMNS = (
    "id", "client_key", "region_id", "name", "kind", "contact_person", "phone", "email",
    "address", "city", "city_alias", "source", "notes", "status", "contacted_at",
    "screening_at", "visited_at", "signed_at", "lost_at", "lost_reason", "standard_version_id",
    "screening_score", "screening_grade", "screening_passed", "dealer_code", "contract_start",
    "contract_end", "contract_terms", "proposal_note", "dealer_id", "created_by_id",
    "first_submitted_at", "submitted_at", "decided_at", "created_at", "updated_at", "version",
)  # fmt: skip
STEP_COLUMNS = ("id", "prospect_id", "action", "from_status", "to_status", "actor_id", "at",
                "comment")  # fmt: skip
ANSWER_COLUMNS = ("id", "prospect_id", "item_id", "result", "note", "answered_at",
                  "answered_by_id")  # fmt: skip
STORE_COLUMNS = ("id", "prospect_id", "position", "name", "address", "city", "format", "status",
                 "opens_on", "store_id")  # fmt: skip
TARGET_COLUMNS = ("id", "prospect_id", "product_line_id", "revenue_minor", "units")


def screening_version(admin_id: int) -> StandardVersion:
    """The screening standard's published version, made if missing."""
    found = db.session.scalar(
        select(StandardVersion)
        .join(Standard)
        .where(Standard.code == SCREENING_CODE, StandardVersion.status == VersionStatus.PUBLISHED)
        .order_by(StandardVersion.number.desc())
        .limit(1)
    )
    return found or screening_standard(db.session.get(User, admin_id))


def seed_prospects(
    write: Write,
    next_id: NextId,
    ids: Any,
    rng: random.Random,
    today: date,
    version: StandardVersion,
) -> None:
    items = [(item.id, item.code) for item in version.items]
    count = max(len(STAGES), len(ids.dealers) // PER_DEALERS)  # every stage, even when small
    first = next_id("prospects")
    step_id, answer_id = next_id("prospect_transitions"), next_id("prospect_answers")
    store_id, target_id = next_id("prospect_stores"), next_id("prospect_targets")
    prospects, steps, answers, stores, targets = [], [], [], [], []
    for number in range(count):
        prospect_id = first + number
        region = ids.regions[number % len(ids.regions)]
        actor = ids.supervisors[region][0]
        stage = STAGES[number % len(STAGES)]
        city = BLANK_CITIES[number % len(BLANK_CITIES)]
        start = datetime.combine(today - timedelta(days=20 + number % 60), time(9), tzinfo=UTC)
        path = PATH[:3] if stage == "lost" else PATH[: STAGES.index(stage) + 1]
        stamps: dict[str, datetime] = {}
        for day, (action, before, after) in enumerate(path):
            at = start + timedelta(days=day * 3)
            stamps[action] = at
            comment = "Site looks right." if action == "visit" else ""
            steps.append((step_id, prospect_id, action, before, after, actor, at, comment))
            step_id += 1
        last = start + timedelta(days=len(path) * 3)
        screened = stage not in ("lead", "contacted")
        complete = stage not in ("lead", "contacted", "screening")
        if screened:
            for item_id, code in items:
                result = ("fail" if code == "CAP" else "pass") if stage == "lost" else PASSING[code]
                given = result if complete or stage == "lost" else None
                answers.append(
                    (answer_id, prospect_id, item_id, given, "", stamps["screen"], actor)
                )
                answer_id += 1
        if stage == "lost":
            steps.append((step_id, prospect_id, "lose", "screening", "lost", actor, last,
                          "Failed the screening: capital."))  # fmt: skip
            step_id += 1
        proposal = stage in ("site_visit", "proposal", "approved")
        code = f"P{prospect_id:05d}" if proposal else ""
        if proposal:
            for position in (1, 2):
                stores.append((store_id, prospect_id, position, f"{city} store {position}",
                               f"{position} Market Road", city,
                               "flagship" if position == 1 else "counter",
                               "open" if position == 1 else "planned", None, None))  # fmt: skip
                store_id += 1
            for line_id in ids.lines[:3]:
                targets.append((target_id, prospect_id, line_id, rng.randrange(5, 20) * 100_000_00,
                                rng.randrange(1, 5) * 1000))  # fmt: skip
                target_id += 1
        prospects.append((
            prospect_id, None, region, f"{city} Prospect {prospect_id:05d}",
            ("dealer", "franchisee", "distributor")[number % 3], f"Contact {prospect_id}",
            f"+86 20 {prospect_id:08d}", f"prospect{prospect_id}@large.example",
            f"{prospect_id} Commerce Road", city, "", "Generated", "", stage,
            stamps.get("contact"), stamps.get("screen"), stamps.get("visit"), None,
            last if stage == "lost" else None,
            "Failed the screening: capital." if stage == "lost" else "",
            version.id if screened else None,
            Decimal("100.0") if complete else Decimal("76.9") if stage == "lost" else None,
            "A" if complete else "C" if stage == "lost" else "",
            True if complete else False if stage == "lost" else None,
            code, date(today.year + 1, 1, 1) if proposal else None,
            date(today.year + 6, 1, 1) if proposal else None,
            "Five years." if proposal else "", "", None, actor,
            stamps.get("propose"), stamps.get("propose"), stamps.get("approve"),
            start, last, 1,
        ))  # fmt: skip
    write("prospects", PROSPECT_COLUMNS, prospects)
    write("prospect_transitions", STEP_COLUMNS, steps)
    write("prospect_answers", ANSWER_COLUMNS, answers)
    write("prospect_stores", STORE_COLUMNS, stores)
    write("prospect_targets", TARGET_COLUMNS, targets)
