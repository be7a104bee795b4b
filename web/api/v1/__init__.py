"""REST API v1: flask-smorest blueprints, documented by the OpenAPI 3.1 document built from them.

``/api/v1/openapi.json`` is generated from the blueprints' schemas; ``/api/v1/docs`` renders
it server-side (no CDN scripts, so it works offline). Authentication, scopes, rate limits and
idempotency are in web.api.v1.auth; errors are application/problem+json (web.errors).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_smorest import Api

from web.api.v1 import auth


class ApiV1(Api):
    """flask-smorest's Api with the app's own error handler (HTML pages keep theirs)."""

    def _register_error_handlers(self) -> None:
        return None


PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "field": {"type": "string"}, "errors": {"type": "object"},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problems_everywhere(api: ApiV1) -> None:
    """Errors are documented as they are sent: application/problem+json with the RFC 9457 fields."""
    api.spec.components.schema("Problem", PROBLEM_SCHEMA)
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for name, resp in api.spec.components.responses.items():
        if name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY"):
            resp.update(problem)
    for ops in api.spec._paths.values():  # apispec keeps the paths here; no public way to edit them
        for op in ops.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for code, resp in op["responses"].items():
                if str(code)[0] in "45" and "$ref" not in resp and "content" not in resp:
                    resp.update(problem)


MENTION_RESULT = {
    "type": "object",
    "properties": {
        "source_id": {"type": "integer"}, "received": {"type": "integer"}, "new": {"type": "integer"},
        "duplicate": {"type": "integer"}, "quarantined": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object"}},
    },
}


def _document_inbound(api: ApiV1) -> None:
    """POST /api/v1/mentions (web.api.inbound) reads its own body and proves its source itself,
    so it is a plain blueprint; it is documented here with the source's credentials."""
    api.spec.components.security_scheme("sourceToken", {"type": "http", "scheme": "bearer",
                                                        "description": "the inbound source's token"})
    api.spec.components.security_scheme("sourceSignature", {
        "type": "apiKey", "in": "header", "name": "X-CRM-Signature",
        "description": "HMAC-SHA256 of the body with X-CRM-Source and X-CRM-Timestamp"})
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    # apispec's path() goes through flask-smorest's plugin, which wants a Flask rule of a smorest view.
    api.spec._paths["/api/v1/mentions"] = {"post": {
        "tags": ["Mentions"], "operationId": "receive_mentions",
        "summary": "Push a batch of mentions to an inbound source",
        "description": "Items in the public import schema, at most 1,000 (10 MB) a batch; the answer says "
                       "per item what was new, a duplicate or quarantined, and why.",
        "security": [{"sourceToken": []}, {"sourceSignature": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}},
            "required": ["items"]}}}},
        "responses": {
            "200": {"description": "what became of each item",
                    "content": {"application/json": {"schema": MENTION_RESULT}}},
            **{code: {"description": why, "content": problem} for code, why in (
                ("400", "not JSON"), ("401", "no or a wrong source token or signature"),
                ("413", "too many items or too large"), ("422", "no items"), ("429", "too many requests"))},
        },
    }}


def init_app(app: Flask) -> ApiV1:
    """Register the v1 blueprints, the document and the docs page."""
    from web.api.v1 import alerts, exports, inbox, members, segments, sources
    from web.views.auth import csrf

    app.config.update(
        API_TITLE="Social CRM API", API_VERSION="1", OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Mentions, members, interactions, search, segments, exports, inbox, alerts and sources. "
                     "Send a personal access token as `Authorization: Bearer crm_...`."},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = ApiV1(app)
    for module in (members, segments, exports, inbox, alerts, sources):
        csrf.exempt(module.blp)  # JSON only; see web.api.v1.auth.require_json_for_session_writes
        api.register_blueprint(module.blp)
    _problems_everywhere(api)
    _document_inbound(api)
    auth.init_app(app)

    @app.route("/api/v1/docs")
    def api_docs() -> Any:
        """The API reference, rendered from the OpenAPI document on the server."""
        return render_template("api/docs.html", spec=api.spec.to_dict())

    app.extensions["api_v1"] = api
    return api
