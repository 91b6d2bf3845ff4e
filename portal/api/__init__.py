"""The JSON API under `/api/v1`: bearer tokens, OpenAPI 3.1 document, browsable docs.

Built on flask-smorest. Of the two libraries DESIGN.md names, it is the one that plugs into
the existing Flask app as an extension and a Blueprint subclass; APIFlask generates its
document only for an `APIFlask` application object, which would replace the portal's
`Flask` app. flask-smorest describes requests and answers with marshmallow schemas (through
apispec, which writes OpenAPI 3.1), and the same schemas validate input and shape output,
so the document at `/api/v1/openapi.json` cannot drift from what the endpoints do.

`bp` holds every API endpoint (route modules imported below); `pages` holds the token
pages of the account and the administration (HTML with CSRF, like every other page) and the
`api-token` command. `init_app()` wires both into an app.
"""

from __future__ import annotations

from flask import Blueprint as PageBlueprint
from flask import Flask
from flask_smorest import Blueprint

from portal.api import problems

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The Dealer Network Portal's JSON API.",
)
problems.register_handlers(bp)

pages = PageBlueprint("api_pages", __name__, cli_group=None)

from portal.api import (  # noqa: E402  (route modules register on the blueprints above)
    actuals,
    complaints,
    docs,
    invoices,
    network,
    plans,
    records,
    registry,
    reports,
    token_pages,
    webhook_pages,
)


def init_app(app: Flask) -> None:
    """Register the API (with its OpenAPI document) and the token pages on `app`."""
    from portal.api.spec import init_spec
    from portal.extensions import csrf

    init_spec(app, bp)
    csrf.exempt(bp)  # bearer tokens only: a session cookie never authenticates the API
    app.register_blueprint(pages)


__all__ = [
    "actuals",
    "bp",
    "complaints",
    "docs",
    "init_app",
    "invoices",
    "network",
    "pages",
    "plans",
    "records",
    "registry",
    "reports",
    "token_pages",
    "webhook_pages",
]
