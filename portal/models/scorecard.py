"""How the dealer scorecard's components are named and explained, in the reader's language.

A component keeps the numbers its sentence is made of (its "facts"), not the sentence: a
frozen assessment saved by a supervisor reading Chinese reads in English to head office.
The words live beside the models because a saved AssessmentMetric reads through them;
portal.metrics.dealers uses the same ones when it computes a scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

LABELS = {
    "attainment": _l("Plan attainment"),
    "timeliness": _l("Plans and reports on time"),
    "audit_score": _l("Average audit score"),
    "actions_on_time": _l("Corrective actions on time"),
    "acknowledgement": _l("Notices acknowledged"),
    "execution": _l("Promotions executed"),
    "complaints_forwarded": _l("Complaints forwarded on time"),
    "complaints_resolved": _l("Complaints resolved on time"),
    "complaints_not_repeated": _l("Complaints not repeated"),
}
KEYS = tuple(LABELS)
# The quarterly assessment's further metrics (`portal.metrics.assessments`): head office's
# targets and the receivables. Not scorecard components: home pages never compute them.
ASSESSMENT_LABELS = {
    "allocation_attainment": _l("Attainment of the allocated target"),
    "receivables_on_time": _l("Receivables within 60 days"),
    "dso_within_terms": _l("DSO within payment terms"),
    "credit_within_limit": _l("Credit within the limit"),
}
ASSESSMENT_KEYS = tuple(ASSESSMENT_LABELS)
DETAILS = {
    "attainment": _l("%(percent)s%% of the revenue target"),
    "timeliness": _l("%(part)s of %(whole)s plans and reports on time"),
    "audit_score": _l("Average of %(count)s audits"),
    "actions_on_time": _l("%(part)s of %(whole)s answered by the due date"),
    "acknowledgement": _l("%(part)s of %(whole)s notices acknowledged"),
    "execution": _l("%(part)s of %(whole)s store executions done"),
    "complaints_forwarded": _l("%(part)s of %(whole)s complaints forwarded within the target"),
    "complaints_resolved": _l("%(part)s of %(whole)s complaints resolved by their deadline"),
    "complaints_not_repeated": _l("%(repeats)s of %(whole)s complaints reopened"),
}
ASSESSMENT_DETAILS = {
    "allocation_attainment": _l("%(percent)s%% of the allocated revenue target"),
    "receivables_on_time": _l(
        "%(percent)s%% of what was owed on %(day)s was overdue beyond 60 days"
    ),
    "dso_within_terms": _l("DSO %(dso)s days on %(day)s, payment terms %(terms)s days"),
    "credit_within_limit": _l("%(percent)s%% of the credit limit used on %(day)s"),
}
ALL_DETAILS = {**DETAILS, **ASSESSMENT_DETAILS}
NO_DATA = _l("No data")


def label(key: str, fallback: str = "") -> str:
    """The component's name in the current language (`fallback` for an unknown key)."""
    found = LABELS.get(key, ASSESSMENT_LABELS.get(key))
    return str(found) if found is not None else fallback


def describe(
    key: str,
    facts: Mapping[str, Any] | None,
    fallback: str = "",
    *,
    details: Mapping[str, Any] = ALL_DETAILS,
    no_data: Any = NO_DATA,
) -> str:
    """The component's sentence in the current language, from its facts ({}: no data).

    `facts` None means the sentence was stored as text only (`fallback`). A page describing
    many dealers passes `details` and `no_data` translated once (`translated()`).
    """
    if facts is None or key not in details:
        return fallback
    if not facts:
        return str(no_data)
    return str(details[key]) % facts


def translated(texts: Mapping[str, Any]) -> dict[str, str]:
    """`LABELS` or `DETAILS` in the current language, for many rows of one page."""
    return {key: str(text) for key, text in texts.items()}
