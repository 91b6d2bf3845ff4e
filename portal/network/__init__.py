"""The network registry: regions, dealers, stores and product lines.

Routes: dealers.py, stores.py, regions.py and product_lines.py, each with the blueprint of its
name (`dealers.detail`, /dealers/...), carried by the area's `bp`.
"""

from portal.blueprints import AreaBlueprint
from portal.network import dealers, product_lines, regions, stores

bp = AreaBlueprint("network", __name__)
bp.include(dealers.bp, stores.bp, regions.bp, product_lines.bp)

__all__ = ["bp"]
