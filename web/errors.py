"""One error handler: domain errors and HTTP errors answer HTML or JSON, never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, RequestEntityTooLarge

from crm.errors import DomainError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """JSON for the API and for clients that prefer it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, title: str, message: str, field: str | None = None,
             errors: dict[str, Any] | None = None) -> Any:
    if request.path.startswith("/api/"):
        # RFC 9457 problem details; "error" and "message" stay for clients of the first API.
        problem: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": message,
                                   "error": title, "message": message}
        if field:
            problem["field"] = field
        if errors:
            problem["errors"] = errors
        resp = jsonify(problem)
        resp.status_code = status
        resp.mimetype = "application/problem+json"
        return resp
    if wants_json():
        body: dict[str, Any] = {"error": title, "message": message}
        if field:
            body["field"] = field
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status


def _refuse_huge_ids() -> None:
    """A path id beyond a 64-bit integer names nothing: 404, not a database overflow (500)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise NotFound("There is no such record.")


def _refuse_nul_bytes() -> None:
    """PostgreSQL text cannot hold NUL: a NUL in a query or form value would be a 500 there."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise BadRequest(f"The value of {key.replace(chr(0), '')[:40]!r} contains a NUL character.")


def respond_http(exc: HTTPException) -> Any:
    """An HTTP error as a page or a problem; webargs' validation messages name the field."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if messages:
        # {"query": {"sort": ["Must be one of ..."]}}: the first field and its first message.
        location = next(iter(messages.values()))
        if isinstance(location, dict) and location:
            field, problems = next(iter(location.items()))
            text = problems[0] if isinstance(problems, list) and problems else str(problems)
            if isinstance(text, dict):
                text = "; ".join(f"{k}: {v}" for k, v in text.items())
            if field == "_schema" and text == "Invalid input type.":
                # marshmallow's words for a body that is JSON but not an object ("x", [1], 1e99999)
                return _respond(422, "Invalid input", "The body must be a JSON object.", None, messages)
            return _respond(422, "Invalid input", f"{field}: {text}", str(field), messages)
    return _respond(exc.code or 500, exc.name, exc.description or "")


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_bytes)
    app.before_request(_refuse_huge_ids)

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
        return respond_http(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        return _respond(500, gettext("Something went wrong"), gettext("The error was logged. Please try again."))
