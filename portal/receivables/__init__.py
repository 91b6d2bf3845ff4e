"""Receivables and credit: each dealer's invoices and payments, aging, credit limits, holds
and the supervisors' collection follow-up.

The rules: services.py (invoices, payments, credit terms and holds), csv_import.py (the
invoices CSV). Aging, DSO and credit use are computed in portal/metrics/receivables.py.
Routes, all on the area's `bp` (blueprint `receivables`, /receivables, in blueprint.py):
pages.py (aging per dealer and region, a dealer's statement, the CSV import), credit.py
(limits, terms and holds) and collections_pages.py (collection tasks and their contacts);
the rules of collection in collections.py.
"""

from portal.receivables import (  # noqa: F401  (their routes join bp)
    collections_pages,
    credit,
    pages,
)
from portal.receivables.blueprint import bp

__all__ = ["bp"]
