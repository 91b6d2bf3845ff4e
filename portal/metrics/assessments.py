"""The quarterly assessment's computed metrics: the dealer's scorecard over the period
(`portal.metrics.dealers`) and what head office's targets and the receivables say of it.
Each is a percentage (0-100, higher is better) with the numbers its sentence is made of,
or None when there is nothing to measure:

- allocation_attainment: actual revenue against the approved allocated target of the
  period's months (`portal.metrics.dealer_targets`), capped at 100 for scoring;
- receivables_on_time: the share of what the dealer owed at the period's end that was not
  overdue beyond 60 days (100 when nothing was owed; no data without invoices);
- dso_within_terms: days sales outstanding at the period's end against the payment terms:
  100 within the terms, else terms / DSO (no data without sales in the last 90 days);
- credit_within_limit: 100 within the credit limit at the period's end, else the share of
  what it owed that the limit covers (no data without a limit).

The period's end is its last day, or today while the period runs. Receivables are read as
they stood that day (`portal.metrics.receivable_history`), against today's limit and terms.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portal import periods
from portal.metrics import dealer_targets
from portal.metrics import dealers as dealer_metrics
from portal.metrics import receivable_history as history
from portal.models.scorecard import (
    ASSESSMENT_DETAILS,
    ASSESSMENT_KEYS,
    ASSESSMENT_LABELS,
    NO_DATA,
)

KEYS = (*dealer_metrics.KEYS, *ASSESSMENT_KEYS)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _component(key: str, value: Decimal | None, facts: dict[str, Any]) -> dealer_metrics.Component:
    label = str(ASSESSMENT_LABELS[key])
    if value is None:
        return dealer_metrics.Component(key, label, None, str(NO_DATA))
    detail = str(ASSESSMENT_DETAILS[key]) % facts
    return dealer_metrics.Component(key, label, _tenth(value), detail, facts)


def scorecard(dealer_id: int, *, first: date, last: date, today: date) -> dealer_metrics.Scorecard:
    """The dealer's assessment metrics for the period first..last (every key of KEYS)."""
    card = dealer_metrics.scorecards([dealer_id], first=first, last=last, today=today)[dealer_id]
    components = dict(card.components)
    components["allocation_attainment"] = allocation_attainment(dealer_id, first, last)
    components.update(receivables(dealer_id, min(last, today)))
    return dealer_metrics.Scorecard(dealer_id, components, card.audit_trend)


def allocation_attainment(dealer_id: int, first: date, last: date) -> dealer_metrics.Component:
    window = dealer_targets.dealer_window(dealer_id, periods.of(first), periods.of(last))
    attained = window.attainment_bp
    if attained is None:
        return _component("allocation_attainment", None, {})
    percent = _tenth(Decimal(attained) / 100)
    facts = {"percent": str(percent)}
    return _component("allocation_attainment", min(percent, HUNDRED), facts)


def receivables(dealer_id: int, day: date) -> dict[str, dealer_metrics.Component]:
    """The three receivables metrics as the dealer's invoices stood at the end of `day`."""
    bills = history.dealer_bills(dealer_id, day, day)
    limit, terms = history.credit_terms(dealer_id)
    position = history.position_on(bills, day, limit)
    found = {
        "receivables_on_time": _component("receivables_on_time", None, {}),
        "dso_within_terms": _component("dso_within_terms", None, {}),
        "credit_within_limit": _component("credit_within_limit", None, {}),
    }
    if not bills:
        return found
    stamp = day.isoformat()
    owed = position.aging.open_minor
    late = _tenth(Decimal(position.aging.late_minor) * HUNDRED / owed) if owed else Decimal(0)
    found["receivables_on_time"] = _component(
        "receivables_on_time", HUNDRED - late, {"percent": str(late), "day": stamp}
    )
    if position.dso is not None:
        within = HUNDRED if position.dso <= terms else Decimal(terms) * HUNDRED / position.dso
        facts = {"dso": str(position.dso), "terms": terms, "day": stamp}
        found["dso_within_terms"] = _component("dso_within_terms", within, facts)
    if position.credit_use is not None:
        used = _tenth(position.credit_use * HUNDRED)
        within_limit = owed <= int(limit or 0)
        covered = HUNDRED if within_limit else Decimal(int(limit or 0)) * HUNDRED / owed
        facts = {"percent": str(used), "day": stamp}
        found["credit_within_limit"] = _component("credit_within_limit", covered, facts)
    return found
