"""Store reports: a store's month in figures and words, reviewed by its supervisor.

Routes, all on the area's `bp` (blueprint `reports`, /reports, in blueprint.py): entry.py (a
store's reports), review.py (the supervisors' queue) and actuals.py (the actuals CSV upload).
"""

from portal.reports import actuals, entry, review  # noqa: F401  (their routes join bp)
from portal.reports.blueprint import bp

__all__ = ["bp"]
