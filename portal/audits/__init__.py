"""Store audits against standards, and the corrective actions that close each finding.

Routes: planning.py and report_pages.py on the area's `bp` (blueprint `audits`, blueprint.py);
conduct.py (blueprint `conduct`), results.py (`audit_results`), both under /audits, and
action_pages.py (`actions`, /actions), carried by `bp`.
"""

# planning and report_pages add their routes to bp; the others bring their own blueprints.
from portal.audits import action_pages, conduct, planning, report_pages, results  # noqa: F401
from portal.audits.blueprint import bp

bp.include(conduct.bp, results.bp, action_pages.bp)

__all__ = ["bp"]
