"""Audit standards: admins build versioned templates of sections and weighted items.

Routes: standards.py (the area's `bp`, blueprint `standards`: list, create, import, publish,
export, retire) and drafts.py (blueprint `drafts`: a draft's sections and items), both under
/standards.
"""

from portal.standards import drafts
from portal.standards.standards import bp

bp.include(drafts.bp)

__all__ = ["bp"]
