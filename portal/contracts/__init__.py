"""Contracts and qualifications: each dealer's contracts (their renewal as a workflow, the
old ones kept in the history) and its qualification documents (licences, registrations),
uploaded by the dealer and reviewed by its supervisors.

The rules: services.py (contracts, renewals, documents, document kinds) and reminders.py
(the daily run that tells of contracts and documents expiring in 90, 30 and 7 days and
expired). Alerts and missing documents are computed in portal/metrics/contracts.py.
Routes, all on the area's `bp` (blueprint `contracts`, /contracts, in blueprint.py):
pages.py (the staff overview, a dealer's contracts and documents, uploading and reviewing
documents), renewals.py (recording a contract, proposing, deciding and signing renewals)
and kinds.py (the document kinds, for admins).
"""

from portal.access import contracts as _access  # noqa: F401  (registers the file rules)
from portal.contracts import (  # noqa: F401  (their routes join bp)
    kinds,
    pages,
    renewals,
)
from portal.contracts.blueprint import bp

__all__ = ["bp"]
