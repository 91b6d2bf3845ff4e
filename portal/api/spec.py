"""The OpenAPI 3.1 document: flask-smorest's `Api`, told that errors are problem documents.

The stock `Api` installs an app-wide error handler and documents a catch-all `default`
error answer; here errors are handled by the API blueprint alone (pages keep their own
pages) and every endpoint lists exactly the statuses it can answer, so a test can tell an
undocumented status from a documented one.
"""

from __future__ import annotations

import http
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, json
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from portal.api.paging import etag_of, not_modified
from portal.api.problems import PROBLEM_TYPE
from portal.api.schemas import MoneyField, ProblemSchema
from portal.ids import MAX_ID, IdConverter

EXTENSION = "portal_api"
BEARER = [{"bearerAuth": []}]
# Answers every authenticated endpoint can give: no or a bad token; the endpoint's role rule
# or a read-only token; the token's rate limit.
AUTH_STATUSES = (401, 403, 429)


class PortalApi(Api):
    """The API's blueprint is registered with the app at once; the shared responses and
    its views are described in the OpenAPI document when the document is first read
    (`document`).

    Describing them walks every schema (apispec): about two thirds of `create_app()`'s
    time, which every app a worker, a CLI command or a test makes would pay for a document
    it almost never serves.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._undescribed: list[tuple[Blueprint, str, Any]] = []
        self._describing = threading.Lock()
        self._responses_described = False

    def register_blueprint(self, blp: Blueprint, *, parameters: Any = None, **options: Any):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undescribed.append((blp, name, parameters))

    def document(self) -> dict[str, Any]:
        """The OpenAPI document, every registered blueprint's views described (once)."""
        with self._describing:
            if not self._responses_described:
                self._describe_responses()
                self._responses_described = True
            while self._undescribed:
                blp, name, parameters = self._undescribed.pop(0)
                blp.register_views_in_doc(
                    self, self._app, self.spec, name=name, parameters=parameters
                )
                self.spec.tag({"name": name, "description": blp.description})
            return self.spec.to_dict()

    def _register_error_handlers(self) -> None:
        """None app-wide: the API blueprint registers its own (portal/api/problems.py)."""

    def _register_responses(self) -> None:
        """Not when the app starts: with the views, in `document`."""

    def _describe_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


def _id_parameter(_converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def docs_assets(app: Flask) -> str:
    """Where Swagger UI's files are: API_DOCS_ASSETS, else npm's node_modules/swagger-ui-dist."""
    configured = app.config.get("API_DOCS_ASSETS")
    if configured:
        return str(configured)
    return str(Path(app.root_path).parent / "node_modules" / "swagger-ui-dist")


def init_spec(app: Flask, blueprint: Blueprint) -> PortalApi:
    # Served as the blueprint's static files (`api.static`): fingerprinted URLs, no session
    # cookie, cached for a year (portal/static_files.py).
    blueprint.static_folder = docs_assets(app)
    blueprint.static_url_path = "/docs/assets"
    api = PortalApi(
        spec_kwargs={
            "title": "Dealer Network Portal API",
            "version": "1",
            "openapi_version": "3.1.0",
            "security": BEARER,
            "info": {
                "description": (
                    "Bearer tokens come from My account → API tokens (or, for integrations, "
                    "from an administrator). Every token sees exactly what its user sees in "
                    "the portal; anything else answers 404. Errors are "
                    "application/problem+json (RFC 9457)."
                )
            },
        }
    )
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_converter(IdConverter, _id_parameter)
    api.register_field(MoneyField, "string", "decimal")
    api.register_blueprint(blueprint)
    app.extensions[EXTENSION] = api
    return api


def spec_of_app() -> dict[str, Any]:
    api: PortalApi = current_app.extensions[EXTENSION]
    return api.document()


def answers(blueprint: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """Document the error statuses a view may answer (each a problem document)."""

    def decorate(view: Any) -> Any:
        for status in sorted(set(statuses)):
            view = blueprint.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view

    return decorate


def statuses(*extra: int, auth: Iterable[int] = AUTH_STATUSES) -> tuple[int, ...]:
    return (*auth, *extra)


def single(blueprint: Blueprint, schema: type) -> Callable[[Any], Any]:
    """Document a single-resource GET: 200 with an ETag, 304, or the usual errors and 404."""
    etag = {
        "description": "Send as If-None-Match to revalidate, or as If-Match to change it",
        "schema": {"type": "string"},
    }

    def decorate(view: Any) -> Any:
        view = blueprint.response(200, schema, headers={"ETag": etag})(view)
        view = blueprint.alt_response(304, description="Not modified")(view)
        return answers(blueprint, *statuses(404))(view)

    return decorate


def one(schema: type, obj: Any, *, status: int = 200) -> Any:
    """A single resource with its ETag; 304 when If-None-Match already names it."""
    body = schema().dump(obj)
    etag = etag_of(body)
    if status == 200 and not_modified(etag):
        return current_app.response_class(status=304, headers={"ETag": etag})
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype="application/json"
    )
    response.headers["ETag"] = etag
    return response
