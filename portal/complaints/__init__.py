"""Customer complaints: recorded against a store, forwarded to after-sales within two
business hours, handled to closure, escalated when late.

The rules: services.py (recording and the lifecycle's steps), deadlines.py and hours.py (the
clock, in the region's business hours), escalation.py (the periodic reminders and
escalations). Routes, all on the area's `bp` (blueprint `complaints`, /complaints, in
blueprint.py).
"""

from portal.access import complaints as _access  # noqa: F401  (registers the photo rule)
from portal.complaints import mailing as _mailing  # noqa: F401  (the forwarded mail's builder)
from portal.complaints import settings as _settings  # noqa: F401  (the admin settings routes)
from portal.complaints.blueprint import bp

__all__ = ["bp"]
