"""Error pages: friendly, with a request id, never a trace (check S17)."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.security import request_id

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("This page does not exist or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    409: (
        _l("Changed by someone else"),
        _l(
            "This record was changed by someone else while you were editing. "
            "Reload it, check the current values and try again."
        ),
    ),
    413: (_l("File too large"), _l("The upload is larger than the portal accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes and try again.")),
    500: (
        _l("Something went wrong"),
        _l(
            "The portal hit an error. Nothing was saved. Try again; if it keeps happening, "
            "contact support with the request id below."
        ),
    ),
}
CSRF_MESSAGE = (
    _l("Form expired"),
    _l(
        "This form expired or was not sent from the portal. Go back, reload the page and try again."
    ),
)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(StaleDataError, _stale_data)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def render_error(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    title = str(title or default_title)
    message = str(message or default_message)
    if _wants_json():
        body = {"error": code, "title": title, "message": message, "request_id": request_id()}
        return jsonify(body), code
    if request_ctx.url_adapter is None:
        # An untrusted Host header: no URL can be built, so no page; answer in plain text.
        text = f"{code} {title}\n{message}\n{request_id()}\n"
        return current_app.response_class(text, status=code, mimetype="text/plain"), code
    return render_template(
        "errors/error.html", code=code, title=title, message=message, request_id=request_id()
    ), code


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def _csrf_error(_error: CSRFError):
    db.session.rollback()
    if _wants_json():  # scripts keep their unsent work and fetch a fresh token (session.js)
        title, message = (str(text) for text in CSRF_MESSAGE)
        body = {"error": 400, "title": title, "message": message, "csrf_expired": True}
        return jsonify({**body, "request_id": request_id()}), 400
    return render_error(400, *CSRF_MESSAGE)


def _stale_data(_error: StaleDataError):
    db.session.rollback()
    return render_error(409)


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.code >= 500:
        db.session.rollback()
    code = error.code if error.code in MESSAGES else (500 if error.code >= 500 else 400)
    response = render_error(code)
    if code == 405 and error.get_response().headers.get("Allow"):
        return response[0], code, {"Allow": error.get_response().headers["Allow"]}
    return response


def _unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error (request %s)", request_id())
    if current_app.testing and current_app.config.get("PROPAGATE_TEST_ERRORS", True):
        raise error  # tests see the real bug; S17 tests switch this off
    return render_error(500)
