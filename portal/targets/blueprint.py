"""The `targets` blueprint; its routes live in pages.py, allocations.py and forecasts.py."""

from flask import Blueprint

bp = Blueprint("targets", __name__, url_prefix="/targets")
