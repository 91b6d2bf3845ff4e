"""Home pages: where each role starts the day.

Routes: views.py, on the area's `bp` (blueprint `dashboard`): each role's home and its CSV
exports; staff.py and visits.py gather what the staff homes show.
"""

from portal.dashboard.views import bp

__all__ = ["bp"]
