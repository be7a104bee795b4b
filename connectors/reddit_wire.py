"""Reddit over the wire: prawcore's requestor with our timeout and rate-limit bookkeeping, and the walk state of a paginated listing (where a poll resumes)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import prawcore
import prawcore.exceptions
import requests

from connectors.base import Mention
from connectors.errors import AuthFailed, RateLimited, Transient
from connectors.http import RateLimitInfo, header_float


def id36(fullname: str) -> int:
    return int(fullname.partition("_")[2], 36)


class TokenRejected(AuthFailed):
    """An API call (not the login) got a 401: the token expired or was revoked mid-poll."""


class Requestor(prawcore.Requestor):
    """prawcore's Requestor with our timeout, no sleeping retries, and rate-limit capture."""

    def __init__(
        self, *args: Any, on_rate_limit: Callable[[RateLimitInfo], None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._on_rate_limit = on_rate_limit

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Send one request; raise our errors for what prawcore would retry with sleeps."""
        try:
            # praw always passes prawcore's 16 s default; the configured timeout wins.
            kwargs["timeout"] = self.timeout
            response = self._http.request(*args, **kwargs)
        except requests.Timeout as exc:
            raise Transient(f"Reddit did not answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise Transient(f"Could not reach Reddit: {exc.__class__.__name__}") from exc
        headers = response.headers
        remaining = header_float(headers, "x-ratelimit-remaining")
        reset = header_float(headers, "x-ratelimit-reset")
        if remaining is not None or reset is not None:
            used = header_float(headers, "x-ratelimit-used")
            self._on_rate_limit(
                RateLimitInfo(
                    remaining=remaining,
                    limit=None if used is None or remaining is None else used + remaining,
                    reset_at=None if reset is None else time.time() + reset,
                )
            )
        status = response.status_code
        if status == 429:
            retry = reset if reset is not None else header_float(headers, "retry-after")
            raise RateLimited("Reddit rate limit reached", retry if retry is not None else 60.0)
        if status == 401:
            url = str(args[1] if len(args) > 1 else kwargs.get("url", ""))
            if "access_token" in url:
                raise AuthFailed("Reddit rejected the credentials (401)")
            raise TokenRejected("Reddit rejected the access token (401)")
        if status >= 500:
            raise Transient(f"Reddit answered {status}")
        for name in ("x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset"):
            headers.pop(name, None)  # see the module docstring: prawcore would sleep on them
        return response


@dataclass(slots=True)
class Walk:
    """One listing's progress within a run."""

    key: str
    path: str
    params: dict[str, Any]
    state: dict[str, Any]
    as_mention: bool = False
    mentions: list[Mention] = field(default_factory=list)
    failures: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    seen: int = 0
    newest: str | None = None  # newest fullname met in this run
    last: str | None = None  # last fullname processed, where a stopped run resumes
    done: bool = False

    def next_state(self) -> dict[str, Any]:
        """The cursor state for this listing after the run."""
        pending = self.state.get("pending_newest") if self.state.get("resume_after") else None
        newest_of_walk = max_fullname(pending, self.newest)
        if self.done:
            newest = max_fullname(self.state.get("newest"), newest_of_walk)
            state: dict[str, Any] = {"newest": newest}
            if newest is None and self.state.get("since_utc") is not None:
                state["since_utc"] = self.state["since_utc"]
            return state
        return {
            "newest": self.state.get("newest"),
            "since_utc": self.state.get("since_utc"),
            "resume_after": self.last or self.state.get("resume_after"),
            "pending_newest": newest_of_walk,
        }


def max_fullname(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if id36(a) >= id36(b) else b


def listing_page(payload: Any) -> tuple[list[Any], str | None]:
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        raise Transient("Reddit sent something that is not a listing")
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise Transient("Reddit sent a listing without children")
    after = data.get("after")
    return data["children"], after if isinstance(after, str) else None
