"""Prospects: would-be dealers taken from a first lead to a signed dealer, region by region.

The rules: services.py (record, edit, lose, the proposal), screening.py (the weighted
checklist, scored like audits), signing.py (the dealer and its stores made from the
proposal). Who may do what: portal.access.prospects; the pipeline and blank markets:
portal.metrics.prospects. Routes, all on the area's `bp` (blueprint `prospects`,
/prospects, in blueprint.py): pages.py (pipeline and list, blank markets, a prospect's
page, new and edit, the approval queue), steps.py (each step, losing, approval),
checklist.py (the screening) and proposal.py (the proposal).
"""

from portal.prospects import (  # noqa: F401  (their routes join bp)
    checklist,
    pages,
    proposal,
    steps,
)
from portal.prospects.blueprint import bp

__all__ = ["bp"]
