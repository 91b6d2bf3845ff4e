"""The `receivables` blueprint; its routes live in pages.py, credit.py and collections_pages.py."""

from flask import Blueprint

bp = Blueprint("receivables", __name__, url_prefix="/receivables")
