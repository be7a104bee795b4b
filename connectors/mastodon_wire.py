"""Mastodon.py over our HTTP session: the wire session that records rate-limit headers and pagination links, and snowflake ids for a time."""

from __future__ import annotations

from typing import Any

import requests
from mastodon import Mastodon


class WireSession(requests.Session):
    """Keeps the last response, for the error bodies Mastodon.py drops."""

    last: requests.Response | None = None

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send and remember the response."""
        self.last = None
        self.last = super().request(*args, **kwargs)
        return self.last

    def wire(self) -> Any:
        """The last response's JSON body (None when there is none or it is not JSON)."""
        try:
            return self.last.json() if self.last is not None else None
        except ValueError:
            return None


class Page(dict[str, Any]):
    """A JSON object whose keys Mastodon.py's paging code can also read as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class WireMastodon(Mastodon):
    """Mastodon.py with its responses left as parsed JSON.

    Mastodon.py casts every response into typed entities (about 1 ms per status, most of a
    poll's time) that add fields the server never sent and turn ids into ints; we map the wire
    JSON ourselves. Overriding its (name-mangled) cast hook changes nothing else: pagination,
    rate-limit headers and errors stay Mastodon.py's. Should a release rename the hook, the
    typed entities are still dicts and everything works, only slower.
    """

    def _Mastodon__try_cast_to_type(self, value: Any, override_type: Any = None) -> tuple[Any, None]:
        return (Page(value) if isinstance(value, dict) else value), None


def snowflake_at(when: float) -> str:
    """The smallest Mastodon status id of a Unix time (ids are milliseconds << 16)."""
    return str(int(when * 1000) << 16)
