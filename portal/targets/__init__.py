"""Head office's targets: a region's annual target per product line split into months, its
allocation to dealers (suggested, edited, explained, approved, moved during the year), and
the region's monthly forecast.

The rules: services.py; the figures pages show come from portal.metrics.targets; who may do
what, portal.access.targets. Routes, all on the area's `bp` (blueprint `targets`, /targets,
in blueprint.py): pages.py (targets, the overview, its CSV and chart), allocations.py and
forecasts.py.
"""

from portal.targets import allocations, forecasts, pages  # noqa: F401  (their routes join bp)
from portal.targets.blueprint import bp

__all__ = ["bp"]
