"""Downloading attachments through an access-checked view.

Routes: views.py, on the area's `bp` (blueprint `attachments`, /attachments).
"""

from portal.attachments.views import bp

__all__ = ["bp"]
