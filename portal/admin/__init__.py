"""Head-office administration: users and the activity log.

Routes: users.py (blueprint `users`, /admin/users) and activity_log.py (blueprint `activity`,
/admin/activity), carried by the area's `bp`.
"""

from portal.admin import activity_log, users
from portal.blueprints import AreaBlueprint

bp = AreaBlueprint("admin", __name__)
bp.include(users.bp, activity_log.bp)

__all__ = ["bp"]
