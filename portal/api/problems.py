"""API errors as `application/problem+json` (RFC 9457), with field-level details.

Views raise `ApiProblem` (or `abort(404)`, as the access loaders do); the blueprint's error
handlers turn every error into a problem document carrying the request id. Validation
errors from the request schemas become one entry per field with a JSON pointer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import Blueprint, Response, current_app, json
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.csvio import CsvRejected
from portal.extensions import db
from portal.security import request_id

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: _l("Bad request"),
    401: _l("Not signed in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    412: _l("Precondition failed"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid request"),
    428: _l("Precondition required"),
    429: _l("Too many requests"),
    500: _l("Server error"),
}
DETAILS = {
    401: _l("Send a valid API token: Authorization: Bearer <token>."),
    403: _l("This token may not do this."),
    404: _l("There is no such resource, or this token may not see it."),
    409: _l("The resource changed meanwhile. Read it again and retry."),
    422: _l("Some fields are not valid; see errors."),
    500: _l("The portal hit an error. Nothing was saved."),
}


class ApiProblem(Exception):
    """An error answer: status, a detail sentence, field errors, extra members and headers."""

    def __init__(
        self,
        status: int,
        detail: Any = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **members: Any,
    ) -> None:
        super().__init__(f"{status} {detail or ''}")
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.members = members


def problem_response(
    status: int,
    detail: Any = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])),
        "status": status,
        "detail": str(detail or DETAILS.get(status) or TITLES.get(status, "")),
        "request_id": request_id(),
    }
    if errors:
        body["errors"] = errors
    body.update(members)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers.update(dict(headers or {}))
    return response


def field_error(field: str, message: Any, *, location: str = "json", **extra: Any) -> dict:
    """One field's error: where it was (`json`, `query`, `header`), its path and a pointer."""
    pointer = "/" + "/".join(field.split(".")) if field else ""
    return {"location": location, "field": field, "pointer": pointer, "message": str(message)}


def rows_refused(rejected: CsvRejected) -> ApiProblem:
    """422 for an all-or-nothing push of rows that saved nothing, each problem by row."""
    message = _l("No row was saved: fix the rows named in errors and send them all again.")
    return ApiProblem(422, message, errors=csv_row_errors(rejected))


def csv_row_errors(rejected: CsvRejected) -> list[dict[str, Any]]:
    """A CSV import's (spreadsheet row, column) errors as the API's (row index, field) ones."""
    errors = []
    for error in rejected.errors:
        index = error.row - 2  # the CSV's header is row 1, its first data row is row 2
        if index < 0:
            errors.append(field_error("rows", error.message))
            continue
        entry = field_error(
            f"rows.{index}.{error.column}" if error.column else f"rows.{index}", error.message
        )
        entry["row"] = index
        errors.append(entry)
    return errors


def _flatten(messages: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _flatten(value, (*path, str(key)))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield ".".join(path), message
    elif isinstance(messages, list | tuple):
        for index, value in enumerate(messages):
            yield from _flatten(value, (*path, str(index)))
    else:
        yield ".".join(path), str(messages)


def validation_errors(messages: Mapping[str, Any]) -> list[dict[str, Any]]:
    """webargs' {location: {field: [messages]}} as a flat list of field errors."""
    errors = []
    for location, fields in messages.items():
        for field, message in _flatten(fields):
            errors.append(field_error(field, message, location=str(location)))
    return errors


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if code == 405:
        allow = error.get_response().headers.get("Allow")
        if allow:
            headers["Allow"] = allow
    messages = data.get("messages")
    if messages:
        status = 400 if code == 400 else 422
        return problem_response(status, errors=validation_errors(messages), headers=headers)
    return problem_response(code, data.get("message"), headers=headers)


def _api_problem(error: ApiProblem) -> Response:
    db.session.rollback()  # an error answer changes nothing
    return problem_response(
        error.status, error.detail, errors=error.errors, headers=error.headers, **error.members
    )


def _stale(_error: StaleDataError) -> Response:
    db.session.rollback()
    return problem_response(409)


def _unexpected(error: Exception) -> Response:
    db.session.rollback()
    current_app.logger.exception("unhandled API error (request %s)", request_id())
    if current_app.testing and current_app.config.get("PROPAGATE_TEST_ERRORS", True):
        raise error
    return problem_response(500)


def register_handlers(blueprint: Blueprint) -> None:
    """Errors inside the blueprint answer as problems; the pages keep their own handlers."""
    blueprint.register_error_handler(ApiProblem, _api_problem)
    blueprint.register_error_handler(StaleDataError, _stale)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _unexpected)
