"""Global search: dealers, stores, plans and audits, within what the user may see.

Routes: views.py (blueprint `search`); how typed text is matched against the index of
dealers and stores (pg_trgm on PostgreSQL, FTS5 on SQLite): matching.py.
"""

from portal.search.views import bp

__all__ = ["bp"]
