"""The in-app inbox of notifications.

Routes: views.py, on the area's `bp` (blueprint `inbox`, /inbox, with the navigation's unread
count).
"""

from portal.inbox.views import bp

__all__ = ["bp"]
