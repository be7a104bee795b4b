"""Opaque cursors: the client passes back ``next_cursor``; what is inside is ours to change."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import request

from crm.errors import InvalidInput

MAX_LIMIT = 200


def encode(value: dict[str, Any]) -> str:
    """A cursor for ``value`` (URL-safe, no padding)."""
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> dict[str, Any]:
    """The value inside a cursor; InvalidInput for one we did not make."""
    if not cursor:
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The cursor is not one this API returned.", field="cursor") from None
    if not isinstance(value, dict):
        raise InvalidInput("The cursor is not one this API returned.", field="cursor")
    return value


def after_id(cursor: str | None) -> int | None:
    """The last id of the previous page (keyset pagination by id, newest first)."""
    value = decode(cursor).get("id")
    if value is None:
        return None
    if not isinstance(value, int) or value < 0:
        raise InvalidInput("The cursor is not one this API returned.", field="cursor")
    return value


def page_body(items: list[Any], next_value: dict[str, Any] | None) -> dict[str, Any]:
    """``{"items": [...], "next_cursor": ...}``; a Link header points at the next page too."""
    cursor = encode(next_value) if next_value else None
    if cursor:
        args = request.args.to_dict()
        args["cursor"] = cursor
        from urllib.parse import urlencode

        link = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
        from flask import g

        g.api_link = link
    return {"items": items, "next_cursor": cursor}


def request_token_label() -> str | None:
    """"token:<id> (<owner e-mail>)" when the request came with a token (for audit logs)."""
    from flask import g

    token = g.get("api_token")
    return f"token:{token.id} ({token.user.email})" if token is not None else None
