"""The standards area's blueprints, registered together by create_app()."""

from portal.standards.drafts import bp as drafts_bp
from portal.standards.standards import bp as standards_bp

blueprints = (standards_bp, drafts_bp)
