"""HTTP plumbing shared by connectors: explicit timeouts, base-URL routing, rate-limit headers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The last rate-limit headers a platform sent; ``reset_at`` is a Unix time."""

    remaining: float | None = None
    limit: float | None = None
    reset_at: float | None = None

    @property
    def exhausted(self) -> bool:
        """True when the platform said no request is left in this window."""
        return self.remaining is not None and self.remaining < 1


def header_float(headers: Mapping[str, str], name: str) -> float | None:
    """Parse a numeric header, or None when it is absent or junk."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


class RoutedSession(requests.Session):
    """A requests.Session that sends an SDK's hard-coded host to a configured base URL.

    SDKs such as tweepy build ``https://api.twitter.com`` + route themselves and offer no base
    URL option; tests and self-hosted proxies need to point elsewhere. Every request also gets
    an explicit timeout, because the SDKs default to waiting forever.
    """

    def __init__(
        self,
        *,
        sdk_base: str,
        base_url: str,
        timeout: float,
        on_response: Callable[[requests.Response], None] | None = None,
    ) -> None:
        super().__init__()
        self.sdk_base = sdk_base.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.on_response = on_response

    def request(  # type: ignore[override]
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the SDK's host to ``base_url`` and enforce the timeout."""
        if isinstance(url, bytes):
            url = url.decode()
        if url.startswith(self.sdk_base):
            url = self.base_url + url[len(self.sdk_base) :]
        kwargs["timeout"] = self.timeout
        response = super().request(method, url, *args, **kwargs)
        if self.on_response is not None:
            self.on_response(response)
        return response
