"""Sales plans: the monthly grid, its lifecycle and review, and plan against actual.

Routes, all on the area's `bp` (blueprint `plans`, /plans, in blueprint.py): entry.py (a
dealer's plans and the grid), review.py (the supervisors' queue) and performance.py (plan
against actual).
"""

from portal.plans import entry, performance, review  # noqa: F401  (their routes join bp)
from portal.plans.blueprint import bp

__all__ = ["bp"]
