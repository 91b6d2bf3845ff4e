"""The `contracts` blueprint; its routes live in pages.py, renewals.py and kinds.py."""

from flask import Blueprint

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
