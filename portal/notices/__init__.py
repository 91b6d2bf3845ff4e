"""Notices: policies and promotions pushed to dealers, acknowledged per version, with
execution proof per store for promotions.

Routes, all on the area's `bp` (blueprint `notices`, /notices, in blueprint.py, with the
navigation's badge): views.py (reading and answering), editor.py (writing and publishing) and
tracking.py (who acknowledged and executed).
"""

from portal.notices import editor, tracking, views  # noqa: F401  (their routes join bp)
from portal.notices.blueprint import bp

__all__ = ["bp"]
