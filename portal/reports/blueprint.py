"""The `reports` blueprint; its routes live in entry.py, review.py and actuals.py."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
