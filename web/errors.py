"""One error handler: domain errors and HTTP errors answer HTML or JSON, never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from crm.errors import DomainError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """JSON for the API and for clients that prefer it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, title: str, message: str, field: str | None = None) -> Any:
    if wants_json():
        body: dict[str, Any] = {"error": title, "message": message}
        if field:
            body["field"] = field
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status


def _refuse_nul_bytes() -> None:
    """PostgreSQL text cannot hold NUL: a NUL in a query or form value would be a 500 there."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise BadRequest(f"The value of {key.replace(chr(0), '')[:40]!r} contains a NUL character.")


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_bytes)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        titles = {401: gettext("Unauthorized"), 403: gettext("Not allowed"), 404: gettext("Not found"),
                  409: gettext("Conflict"), 422: gettext("Invalid input")}
        return _respond(exc.status, titles.get(exc.status, gettext("Bad request")), exc.message, exc.field)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _respond(400, gettext("Form expired"),
                        gettext("The form was open too long or came from elsewhere. Reload the page and try again."))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Any:
        if exc.description and exc.description != RequestEntityTooLarge.description:
            return _respond(413, "Too large", exc.description)  # a limit of its own (the inbound API)
        limit = (app.config.get("MAX_CONTENT_LENGTH") or 0) // 1024**2
        return _respond(413, "Too large", f"The upload is larger than the limit of {limit:,} MB "
                        "(MAX_UPLOAD_MB). Split the file and import the parts.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        return _respond(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        return _respond(500, gettext("Something went wrong"), gettext("The error was logged. Please try again."))
