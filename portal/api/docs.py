"""The OpenAPI document and the browsable documentation (Swagger UI served by the app)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from portal.access import public
from portal.api import bp, pages
from portal.api.spec import spec_of_app


@bp.route("/openapi.json")
@public
@bp.doc(security=[], summary="This document (OpenAPI 3.1)")
@bp.response(200)
def openapi_json():
    return jsonify(spec_of_app())


@pages.route("/api/v1/docs")
@public
def docs():
    """Swagger UI over /api/v1/openapi.json; its files come from npm's swagger-ui-dist."""
    page = render_template("api/docs.html")
    return current_app.response_class(page, mimetype="text/html")
