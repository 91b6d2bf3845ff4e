"""Receivables and credit: each dealer's invoices and payments, aging, credit limits, holds
and the supervisors' collection follow-up.

The rules: services.py (invoices, payments, credit terms and holds), collections.py (the
collection tasks, their contacts and the periodic run that opens and escalates them),
csv_import.py (the invoices CSV). Aging, DSO and credit use are computed in
portal/metrics/receivables.py.
"""
