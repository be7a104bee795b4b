"""Input checks at the edge, before a view runs: ids in URLs, JSON bodies.

Everything here turns junk into a 4xx with a message: an id beyond a 64-bit integer in a URL
is a 404 (no row can have it), a JSON body nested deeper than MAX_JSON_DEPTH or holding a lone
surrogate (which no database can store) is a 400 naming the problem.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter, Map

from crm.db import MAX_ID
from web.api.v1.auth import OWN_AUTH_ENDPOINTS

MAX_JSON_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only ids a BIGINT can hold; a larger one is a 404."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def check_json(value: Any) -> None:
    """Raise ValueError when ``value`` nests deeper than MAX_JSON_DEPTH or holds a lone surrogate."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a JSON string holds a lone surrogate (\\ud800-\\udfff), which is not text") from None


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, whose ``loads`` refuses what would crash a view later."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
        check_json(value)
        return value


class SafeRequest(Request):
    """A request whose JSON errors say what is wrong (400), in production too."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest(f"The body is not usable JSON: {e}." if e else "The body is not usable JSON.")


def refuse_json_outside_the_api(request: Request) -> None:
    """Pages take forms. Flask-WTF would read a JSON body as form data, and a JSON number or
    list where it expects text crashes a form field, so a JSON body to a page is refused."""
    if request.is_json and not request.path.startswith("/api/") and request.method not in ("GET", "HEAD"):
        raise UnsupportedMediaType("This page takes a form (application/x-www-form-urlencoded or "
                                   "multipart/form-data); the JSON API is under /api/v1.")


def check_api_json(request: Request) -> None:
    """Parse an API body once through the safe provider, so an API library that parses JSON
    itself (webargs) never sees one nested past MAX_JSON_DEPTH or with a lone surrogate (400).
    The inbound API reads and answers for its raw body itself."""
    if (request.path.startswith("/api/") and request.is_json and request.method not in ("GET", "HEAD")
            and request.endpoint not in OWN_AUTH_ENDPOINTS and request.content_length != 0):
        request.get_json()


class App(Flask):
    """Our Flask: the safe request and JSON provider above."""

    request_class = SafeRequest
    json_provider_class = SafeJSONProvider
