"""What can go wrong talking to a channel, independent of its SDK.

Each connector module translates its SDK's exceptions into these (``reddit.py`` for
praw/prawcore, ``x.py`` for tweepy/requests), so callers never import an SDK to handle errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.base import FetchResult


class ConnectorError(Exception):
    """Base of connector failures; the message is shown on the sources page."""


class RateLimited(ConnectorError):
    """The platform asked us to wait ``retry_after`` seconds.

    ``partial`` holds what was fetched before the limit hit, with a cursor that resumes after
    it. A caller may ingest it and save its cursor, or ignore it: fetching again with the old
    cursor repeats the work but loses nothing.
    """

    def __init__(
        self, message: str, retry_after: float, partial: FetchResult | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.partial = partial


class AuthFailed(ConnectorError):
    """Credentials are missing, wrong or lack permission (401/403). Retrying will not help."""


class Transient(ConnectorError):
    """A 5xx, a timeout or a connection error: try again later, with back-off."""


class Permanent(ConnectorError):
    """The request itself is wrong (a banned subreddit, a bad query): retrying will not help."""


class ConnectorDisabled(ConnectorError):
    """The connector is not configured; the message says which settings are missing."""


def error_for_status(status: int, message: str, retry_after: float = 60.0) -> ConnectorError:
    """Classify an HTTP status the same way for every platform."""
    if status == 429:
        return RateLimited(message, retry_after)
    if status in (401, 403):
        return AuthFailed(message)
    if status >= 500 or status in (408, 520, 522):
        return Transient(message)
    return Permanent(message)
