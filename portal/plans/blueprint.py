"""The `plans` blueprint; its routes live in entry.py, review.py and performance.py."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")
