"""Store audits against standards, and the corrective actions that close each finding.

Routes: planning.py and report_pages.py on the area's `bp` (blueprint `audits`, blueprint.py);
conduct.py (blueprint `conduct`), results.py (`audit_results`), both under /audits, and
action_pages.py (`actions`, /actions) and offline.py (`offline`: the service worker, the
manifest, the offline bundles), carried by `bp`.
"""

# planning and report_pages add their routes to bp; the others bring their own blueprints.
from portal.audits import (  # noqa: F401
    action_pages,
    conduct,
    offline,
    planning,
    report_pages,
    results,
)
from portal.audits.blueprint import bp

bp.include(conduct.bp, results.bp, action_pages.bp, offline.bp)

__all__ = ["bp"]
