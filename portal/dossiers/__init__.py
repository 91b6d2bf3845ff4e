"""Dealer files: the PDF dossier of one dealer, archived each time it is issued.

Routes: views.py, on the area's `bp` (blueprint `dossiers`, /dealer-files).
"""

from portal.dossiers.views import bp

__all__ = ["bp"]
