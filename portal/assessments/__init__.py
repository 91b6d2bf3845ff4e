"""Dealer assessments: a periodic grade from computed metrics and weighted ratings.

Routes: views.py, on the area's `bp` (blueprint `assessments`, /assessments); cycles.py names
the periods, scoring.py is the one scoring rule, services.py makes the changes.
"""

from portal.assessments.views import bp

__all__ = ["bp"]
