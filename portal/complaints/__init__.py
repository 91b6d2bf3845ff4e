"""Customer complaints: recorded against a store, forwarded to after-sales within two
business hours, handled to closure, escalated when late.

The rules: services.py (recording and the lifecycle's steps), deadlines.py and hours.py (the
clock, in the region's business hours), escalation.py (the periodic reminders and
escalations). Routes, all on the area's `bp` (blueprint `complaints`, /complaints, in
blueprint.py): pages.py (the list, its CSV, recording, a complaint's page), steps.py (the
lifecycle's steps) and settings.py (categories, business calendars, holidays and the CSV
imports, for admins; their rules in admin.py and csv_import.py). mailing.py builds the mail
that forwards a complaint to its region's after-sales contact.
"""

from portal.access import complaints as _access  # noqa: F401  (registers the photo rule)
from portal.complaints import (  # noqa: F401  (their routes join bp)
    mailing,  # the forwarded mail's builder
    pages,
    settings,  # the admin settings
    steps,
)
from portal.complaints.blueprint import bp

__all__ = ["bp"]
