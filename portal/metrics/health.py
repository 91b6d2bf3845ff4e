"""A dealer's health: one explainable score from its scorecard, to rank who needs a visit.

The score is the weighted average of the scorecard's components that have data (each on
0-100, attainment capped at 100), the weights re-spread over those components, minus
penalties for overdue corrective actions, for a long time without a completed audit and for
customer complaints late now. Every part is kept with its weight and points, so a page can
show how the score was made.

The "complaints" part is not a scorecard component: it is given beside the scorecard
(`portal.metrics.complaints.health_component`: 40 % the share forwarded within target, 40 %
the share resolved on time, 20 % the share not repeated, over the last 12 months). The
default weights sum to 100: plan attainment 25, timeliness 15, audit score 20, corrective
actions 10, acknowledgements 10, promotion execution 10, complaints 10.

Receivables take points off as the home pages flag them (`portal.metrics.receivables`): a
dealer whose open invoices pass its credit limit, and one with more than the configured share
of what it owes overdue beyond 60 days.
`missing_documents` penalises required qualification documents not held valid (accepted,
unexpired; `portal.metrics.contracts.missing_documents`), per document up to a maximum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal import clock
from portal.metrics.receivables import DEFAULT_LATE_SHARE
from portal.metrics.receivables import flags_of as receivable_flags

HUNDRED = Decimal(100)
TENTH = Decimal("0.1")

DEFAULT_WEIGHTS: dict[str, int] = {
    "attainment": 25,
    "timeliness": 15,
    "audit_score": 20,
    "actions_on_time": 10,
    "acknowledgement": 10,
    "execution": 10,
    "complaints": 10,
}
DEFAULT_PENALTIES: dict[str, int] = {
    "overdue_action": 2,  # points per corrective action past its due date ...
    "overdue_actions_max": 10,  # ... up to this many points
    "stale_audit": 10,  # points when the last completed audit is older than the limit (or none)
    "stale_after_days": 90,
    "overdue_complaint": 2,  # points per complaint late now (forwarding or resolution) ...
    "overdue_complaints_max": 10,  # ... up to this many points
    # Receivables (flags as on the home pages, `portal.metrics.receivables`): points when the
    # open invoices pass the credit limit, and when more than RECEIVABLES_LATE_SHARE of what
    # the dealer owes is overdue beyond 60 days.
    "over_credit_limit": 10,
    "late_receivables": 10,
    "missing_document": 5,  # points per required qualification document not held valid ...
    "missing_documents_max": 15,  # ... up to this many points
}
PENALTY_LABELS = {
    "overdue_actions": _l("Overdue corrective actions"),
    "stale_audit": _l("No recent audit"),
    "overdue_complaints": _l("Complaints overdue"),
    "over_credit_limit": _l("Over credit limit"),
    "late_receivables": _l("Much overdue beyond 60 days"),
    "missing_documents": _l("Required documents missing"),
}


class ComponentLike(Protocol):
    key: str
    label: str
    value: Decimal | None
    detail: str


class ScorecardLike(Protocol):
    dealer_id: int
    components: Mapping[str, ComponentLike]


@dataclass(frozen=True)
class Part:
    """One component's share of the score."""

    key: str
    label: str
    value: Decimal | None  # 0-100 as used (capped), None when the dealer has no data
    weight: int  # as configured
    share: Decimal  # the weight's share among components with data, 0-1
    points: Decimal  # value x share
    detail: str


@dataclass(frozen=True)
class Penalty:
    key: str
    label: str
    points: Decimal
    detail: str


@dataclass(frozen=True)
class Health:
    dealer_id: int
    score: Decimal | None  # 0-100; None when no component has data
    parts: tuple[Part, ...]
    penalties: tuple[Penalty, ...]

    def part(self, key: str) -> Part | None:
        return next((p for p in self.parts if p.key == key), None)

    @property
    def penalty_points(self) -> Decimal:
        return sum((p.points for p in self.penalties), Decimal(0))


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def health(
    scorecard: ScorecardLike,
    *,
    weights: Mapping[str, int] | None = None,
    penalties: Mapping[str, int] | None = None,
    overdue_actions: int = 0,
    last_audit: datetime | date | None = None,
    today: date | None = None,
    complaints: ComponentLike | None = None,
    overdue_complaints: int = 0,
    receivables: Mapping[str, int] | None = None,
    late_share: Decimal | None = None,
    missing_documents: int = 0,
) -> Health:
    """The dealer's health score and how it was made (a pure function of its arguments).

    `complaints` is the complaints part (None: left out, as a component without data).
    `receivables` are the dealer's receivables facts (`portal.metrics.receivables.health_facts`;
    None or {}: nothing open), flagged above `late_share` overdue beyond 60 days."""
    weights = DEFAULT_WEIGHTS if weights is None else weights
    rules = {**DEFAULT_PENALTIES, **(penalties or {})}
    given = dict(scorecard.components)
    if complaints is not None:
        given["complaints"] = complaints
    known = {
        key: component for key, component in given.items() if key in weights and weights[key] > 0
    }
    with_data = sum(weights[k] for k, c in known.items() if c.value is not None)
    parts = []
    for key, weight in weights.items():
        component = known.get(key)
        if component is None:
            continue
        value = None if component.value is None else min(max(component.value, Decimal(0)), HUNDRED)
        share = Decimal(weight) / with_data if value is not None and with_data else Decimal(0)
        parts.append(
            Part(
                key=key,
                label=str(component.label),
                value=value,
                weight=weight,
                share=share,
                points=_tenth(value * share) if value is not None else Decimal(0),
                detail=component.detail,
            )
        )
    taken = _penalties(rules, overdue_actions, last_audit, today or clock.today())
    taken += _complaint_penalty(rules, overdue_complaints)
    taken += _receivables_penalty(rules, receivables, late_share)
    taken += _document_penalty(rules, missing_documents)
    if not with_data:
        return Health(scorecard.dealer_id, None, tuple(parts), taken)
    # The sum of the points shown, so a reader can add the table up to the score.
    base = sum((p.points for p in parts), Decimal(0))
    score = max(Decimal(0), base - sum((p.points for p in taken), Decimal(0)))
    return Health(scorecard.dealer_id, min(score, HUNDRED), tuple(parts), taken)


def _penalties(
    rules: Mapping[str, int], overdue: int, last_audit: datetime | date | None, today: date
) -> tuple[Penalty, ...]:
    taken = []
    if overdue > 0 and rules["overdue_action"] > 0:
        points = min(overdue * rules["overdue_action"], rules["overdue_actions_max"])
        taken.append(
            Penalty(
                "overdue_actions",
                PENALTY_LABELS["overdue_actions"],
                Decimal(points),
                lazy_ngettext("%(num)s action overdue", "%(num)s actions overdue", overdue),
            )
        )
    if rules["stale_audit"] > 0:
        days = _days_since(last_audit, today)
        if days is None or days > rules["stale_after_days"]:
            # Lazy texts: only the few dealers a page lists ever get them translated.
            detail = (
                _l("Never audited")
                if days is None
                else lazy_ngettext(
                    "Last audit %(num)s day ago", "Last audit %(num)s days ago", days
                )
            )
            taken.append(
                Penalty(
                    "stale_audit",
                    PENALTY_LABELS["stale_audit"],
                    Decimal(rules["stale_audit"]),
                    detail,
                )
            )
    return tuple(taken)


def _complaint_penalty(rules: Mapping[str, int], overdue: int) -> tuple[Penalty, ...]:
    if overdue <= 0 or rules["overdue_complaint"] <= 0:
        return ()
    points = min(overdue * rules["overdue_complaint"], rules["overdue_complaints_max"])
    detail = lazy_ngettext("%(num)s complaint overdue", "%(num)s complaints overdue", overdue)
    return (
        Penalty(
            "overdue_complaints", PENALTY_LABELS["overdue_complaints"], Decimal(points), detail
        ),
    )


def _receivables_penalty(
    rules: Mapping[str, int], facts: Mapping[str, int] | None, late_share: Decimal | None
) -> tuple[Penalty, ...]:
    """Points for a dealer over its credit limit, and for one with too much overdue beyond
    60 days (the flags of the home pages)."""
    if not facts:
        return ()
    limit_share = late_share if late_share is not None else DEFAULT_LATE_SHARE
    over_limit, late_high = receivable_flags(facts, limit_share)
    open_minor = Decimal(int(facts["open"]))
    taken = []
    if over_limit and rules["over_credit_limit"] > 0:
        used = _tenth(open_minor * HUNDRED / Decimal(int(facts["limit"])))
        taken.append(
            Penalty(
                "over_credit_limit",
                PENALTY_LABELS["over_credit_limit"],
                Decimal(rules["over_credit_limit"]),
                _l("%(percent)s%% of the credit limit used", percent=used),
            )
        )
    if late_high and rules["late_receivables"] > 0:
        late = _tenth(Decimal(int(facts["late"])) * HUNDRED / open_minor)
        taken.append(
            Penalty(
                "late_receivables",
                PENALTY_LABELS["late_receivables"],
                Decimal(rules["late_receivables"]),
                _l("%(percent)s%% of the open amount overdue beyond 60 days", percent=late),
            )
        )
    return tuple(taken)


def _document_penalty(rules: Mapping[str, int], missing: int) -> tuple[Penalty, ...]:
    """A dealer missing a required qualification document (none accepted and unexpired)."""
    if missing <= 0 or rules["missing_document"] <= 0:
        return ()
    points = min(missing * rules["missing_document"], rules["missing_documents_max"])
    detail = lazy_ngettext(
        "%(num)s required document missing", "%(num)s required documents missing", missing
    )
    return (
        Penalty("missing_documents", PENALTY_LABELS["missing_documents"], Decimal(points), detail),
    )


def _days_since(when: datetime | date | None, today: date) -> int | None:
    if when is None:
        return None
    if isinstance(when, datetime):
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).date()
    return max((today - when).days, 0)


def rank(healths: Iterable[Health], *, limit: int | None = None) -> list[Health]:
    """Lowest health first; dealers without any data come after those with a score."""
    ordered = sorted(
        healths,
        key=lambda h: (h.score is None, h.score if h.score is not None else 0, h.dealer_id),
    )
    return ordered[:limit] if limit is not None else ordered
