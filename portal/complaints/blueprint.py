"""The `complaints` blueprint; its routes live in pages.py, steps.py and settings.py."""

from flask import Blueprint

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
