"""The reports area's pages, registered together by create_app()."""

from portal.reports import actuals, entry, review  # noqa: F401  (they add their routes)
from portal.reports.blueprint import bp

__all__ = ["bp"]
