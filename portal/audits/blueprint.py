"""The `audits` blueprint (/audits): its routes live in planning.py and report_pages.py."""

from portal.blueprints import AreaBlueprint

bp = AreaBlueprint("audits", __name__, url_prefix="/audits")
