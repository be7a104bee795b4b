"""Web test fixtures: CSRF tokens taken from real pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.htmlpage import parse


@pytest.fixture()
def csrf() -> Callable[..., str]:
    """``csrf(client, path)``: the CSRF token of a form on that page (bound to the client's session)."""

    def get(client, path: str = "/") -> str:  # type: ignore[no-untyped-def]
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        tokens = [e.attrs.get("value") for e in parse(resp.data).find("input", name="csrf_token")]
        assert tokens and tokens[0], f"no CSRF token on {path}"
        return tokens[0]  # type: ignore[return-value]

    return get
