"""The audits area's blueprints, registered together by create_app()."""

from portal.audits import report_pages  # noqa: F401  (its routes join the audits blueprint)
from portal.audits.action_pages import bp as actions_bp
from portal.audits.conduct import bp as conduct_bp
from portal.audits.planning import bp as audits_bp
from portal.audits.results import bp as results_bp

blueprints = (audits_bp, conduct_bp, results_bp, actions_bp)
