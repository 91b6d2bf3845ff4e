"""The `prospects` blueprint; routes in pages.py, steps.py, checklist.py and proposal.py."""

from flask import Blueprint

bp = Blueprint("prospects", __name__, url_prefix="/prospects")
