"""What can go wrong talking to a channel, independent of its SDK."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of connector failures; the message is shown on the sources page."""


class RateLimited(ConnectorError):
    """The platform asked us to wait ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthFailed(ConnectorError):
    """Credentials are missing, wrong or lack permission (401/403). Retrying will not help."""


class Transient(ConnectorError):
    """A 5xx, a timeout or a connection error: try again later, with back-off."""


class Permanent(ConnectorError):
    """The request itself is wrong (a banned subreddit, a bad query): retrying will not help."""
