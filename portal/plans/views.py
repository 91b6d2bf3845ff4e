"""The plans area's pages, registered together by create_app()."""

from portal.plans import entry, performance, review  # noqa: F401  (they add their routes)
from portal.plans.blueprint import bp

__all__ = ["bp"]
