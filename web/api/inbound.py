"""POST /api/v1/mentions: batches pushed by a forum plugin, Zapier or n8n (an inbound source).

The body is ``{"items": [...]}`` (or a bare list) of items in the public import schema. Each
request proves its source with a bearer token or an HMAC signature (crm.inbound.services).
Everything goes through the one ingest path; the answer says per item what landed, what was
a duplicate and what was quarantined, and why. Bad requests get a 4xx with a message.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from connectors.base import Mention
from connectors.import_schema import LineError, parse_item
from crm.errors import InvalidInput, Unauthorized
from crm.inbound import services as inbound
from crm.ingest import Rejected
from crm.sources.models import Source
from listeners.followups import kick
from web.db import session
from web.views.auth import csrf

bp = Blueprint("api_inbound", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_ITEMS = 1000
MAX_BODY_BYTES = 10 * 1024 * 1024


def _body() -> bytes:
    """The raw body, refusing more than MAX_BODY_BYTES before reading it all."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"The body may be at most {MAX_BODY_BYTES // (1024 * 1024)} MB.")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"The body may be at most {MAX_BODY_BYTES // (1024 * 1024)} MB.")
    return body


def _authenticate(body: bytes) -> Source:
    auth = request.headers.get("Authorization", "")
    signature = request.headers.get("X-CRM-Signature")
    db = session()
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>' with the source's token.")
        return inbound.authenticate_token(db, token)
    if signature:
        return inbound.authenticate_signature(
            db, source_id=request.headers.get("X-CRM-Source", ""),
            timestamp=request.headers.get("X-CRM-Timestamp", ""), signature=signature, body=body,
            app_secret=current_app.config["SECRET_KEY"],
        )
    raise Unauthorized(
        "Send the source's token as 'Authorization: Bearer <token>', or sign the request "
        "(X-CRM-Source, X-CRM-Timestamp, X-CRM-Signature)."
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON value")


def _items(body: bytes) -> list[Any]:
    if not body.strip():
        raise BadRequest("The body is empty; send {\"items\": [...]} as JSON.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The body is not UTF-8 (byte {exc.start + 1}).") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}).") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"The body is not valid JSON ({str(exc).split(':')[0][:100]}).") from None
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput("Send {\"items\": [...]}: a JSON object with a list of items.", field="items")
    if not items:
        raise InvalidInput("The batch is empty.", field="items")
    if len(items) > MAX_ITEMS:
        raise RequestEntityTooLarge(f"A batch may hold at most {MAX_ITEMS} items (this one has {len(items)}); split it.")
    return items


@bp.route("/mentions", methods=["POST"])
def receive_mentions() -> Any:
    """Ingest one pushed batch; the answer lists what became of each item."""
    body = _body()
    source = _authenticate(body)
    items = _items(body)
    origin = f"inbound:{source.id}"
    parsed: list[tuple[int, Mention | Rejected]] = []
    for index, obj in enumerate(items):
        item = parse_item(index, obj)
        if isinstance(item, LineError):
            parsed.append((index, Rejected(
                f"{origin}:item {index}", item.reason, item.raw, item.raw_text,
                platform=item.platform, external_id=item.external_id,
            )))
        else:
            parsed.append(item)
    db = session()
    report = inbound.receive_batch(db, source, parsed)
    db.commit()
    new = report.count("new")
    if new:
        kick()
    return jsonify(
        source_id=source.id, received=len(items), new=new, duplicate=report.count("duplicate"),
        quarantined=report.count("quarantined"), items=[i.as_json() for i in report.items],
    )
