"""Which connectors exist, which are usable with the current settings, and why not.

The web form, the sources page and the poll job ask here; none of them imports an SDK. The
connector classes are imported lazily, so importing this module costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from connectors.errors import ConnectorDisabled

if TYPE_CHECKING:
    from connectors.base import Connector


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable a connector reads."""

    name: str
    required: bool = False
    default: str | None = None
    secret: bool = False
    help: str = ""


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    """Whether a platform can be used, in words an operator can act on."""

    platform: str
    enabled: bool
    reason: str
    source_kinds: tuple[str, ...]


class ConnectorClass(Protocol):
    """What the registry needs from a connector class."""

    platform: str
    label: str
    source_kinds: tuple[str, ...]
    settings: tuple[Setting, ...]

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> Connector: ...

    @classmethod
    def kinds_for(cls, values: Mapping[str, str | None]) -> tuple[str, ...]: ...


def connector_classes() -> dict[str, ConnectorClass]:
    """All connector classes by platform (imports the SDKs on first call)."""
    from connectors.reddit import RedditConnector
    from connectors.x import XConnector

    classes: tuple[Any, ...] = (RedditConnector, XConnector)
    return {cls.platform: cls for cls in classes}


def value(values: Mapping[str, str | None], setting: Setting) -> str | None:
    """A setting's value with blanks treated as unset and the default applied."""
    raw = values.get(setting.name)
    if raw is None or not raw.strip():
        return setting.default
    return raw.strip()


def missing_settings(cls: ConnectorClass, values: Mapping[str, str | None]) -> list[str]:
    """Names of required settings that are unset or blank."""
    return [s.name for s in cls.settings if s.required and value(values, s) is None]


def _status(cls: ConnectorClass, values: Mapping[str, str | None]) -> ConnectorStatus:
    missing = missing_settings(cls, values)
    if missing:
        reason = f"{cls.label} is disabled: set {' and '.join(missing)}"
        return ConnectorStatus(cls.platform, False, reason, ())
    kinds = cls.kinds_for(values)
    reason = f"{cls.label} is enabled for: {', '.join(kinds)}"
    if set(kinds) != set(cls.source_kinds):
        off = [k for k in cls.source_kinds if k not in kinds]
        reason += f" ({', '.join(off)} also needs {_extra_hint(cls.platform)})"
    return ConnectorStatus(cls.platform, True, reason, kinds)


def _extra_hint(platform: str) -> str:
    return "REDDIT_USERNAME and REDDIT_PASSWORD" if platform == "reddit" else "more settings"


def available(config_values: Mapping[str, str | None]) -> list[ConnectorStatus]:
    """Every known connector with whether it is enabled and why (or why not)."""
    return [_status(cls, config_values) for cls in connector_classes().values()]


def build(platform: str, config_values: Mapping[str, str | None]) -> Connector:
    """A ready connector for ``platform``; raises ConnectorDisabled saying what to set."""
    classes = connector_classes()
    if platform not in classes:
        raise ConnectorDisabled(f"Unknown platform {platform!r}; known: {', '.join(classes)}")
    status = _status(classes[platform], config_values)
    if not status.enabled:
        raise ConnectorDisabled(status.reason)
    return classes[platform].from_values(config_values)


# --- source queries -------------------------------------------------------------------------

_SUBREDDIT = re.compile(r"[A-Za-z0-9_]{3,21}")
_REDDIT_USER = re.compile(r"[A-Za-z0-9_-]{3,20}")
_X_USER_ID = re.compile(r"[0-9]{1,19}")
REDDIT_SEARCH_MAX = 512  # Reddit rejects longer q= values
X_RECENT_SEARCH_MAX = 512  # "512 query length" for GET /2/tweets/search/recent

KINDS: dict[str, tuple[str, ...]] = {
    "reddit": ("subreddit", "search", "mentions"),
    "x": ("search", "mentions"),
}


def normalize_query(platform: str, kind: str, query: str) -> str:
    """The canonical form of a source query (``r/Python`` becomes ``Python``)."""
    query = query.strip()
    if platform == "reddit" and kind == "subreddit":
        for prefix in ("/r/", "r/"):
            if query.lower().startswith(prefix):
                query = query[len(prefix) :]
        query = query.strip("/")
    if platform == "reddit" and kind == "mentions":
        for prefix in ("/u/", "u/"):
            if query.lower().startswith(prefix):
                query = query[len(prefix) :]
    return query


def validate_query(platform: str, kind: str, query: str) -> str | None:
    """An error message a user can act on, or None when the query is fine."""
    if platform not in KINDS:
        return f"Unknown platform {platform!r}."
    if kind not in KINDS[platform]:
        return f"{platform} sources can be: {', '.join(KINDS[platform])}."
    q = normalize_query(platform, kind, query)
    if platform == "reddit" and kind == "subreddit":
        if not q:
            return "Enter a subreddit name, e.g. r/python."
        for name in q.split("+"):
            if not _SUBREDDIT.fullmatch(name):
                return (
                    f"{name!r} is not a subreddit name: 3 to 21 letters, digits or underscores "
                    "(combine several with +, e.g. python+django)."
                )
        return None
    if kind == "search":
        limit = REDDIT_SEARCH_MAX if platform == "reddit" else X_RECENT_SEARCH_MAX
        if not q:
            return "Enter words to search for."
        if len(q) > limit:
            return f"Search queries may be at most {limit} characters (this one has {len(q)})."
        return None
    if platform == "reddit":  # mentions of the configured account; the query only names it
        if q and not _REDDIT_USER.fullmatch(q):
            return "Leave empty, or enter the Reddit username the connector logs in as."
        return None
    if not _X_USER_ID.fullmatch(q):
        return "Enter the numeric X user id (not the @handle), e.g. 2244994945."
    return None


# --- polling pace ---------------------------------------------------------------------------

# A single API client serves many sources; no source should take more than this share of it.
SOURCES_PER_CLIENT = 20

# (requests per poll, allowed requests, window in seconds)
_BUDGETS: dict[tuple[str, str], tuple[int, int, int]] = {
    ("reddit", "subreddit"): (2, 100, 60),  # new posts + new comments
    ("reddit", "search"): (1, 100, 60),
    ("reddit", "mentions"): (1, 100, 60),
    ("x", "search"): (1, 450, 900),
    ("x", "mentions"): (1, 450, 900),
}


def min_interval_seconds(platform: str, kind: str) -> int:
    """The shortest sensible poll interval for a source, from the platform's rate limit.

    Reddit's free Data API allows 100 queries per minute per OAuth client id (averaged over a
    10-minute window; Reddit, r/redditdev "API Update: Enterprise Level Tier", May 2023). X
    allows 450 requests per 15 minutes per app on GET /2/tweets/search/recent and on
    GET /2/users/:id/mentions with an app-only bearer token (docs.x.com, "Rate limits"; lower
    plans get less, and the x-rate-limit-* headers win at run time). One poll of an up-to-date
    source costs one request per listing; we let one source use at most 1/SOURCES_PER_CLIENT
    of the budget: interval = requests_per_poll * window / (limit / SOURCES_PER_CLIENT).
    """
    try:
        per_poll, limit, window = _BUDGETS[(platform, kind)]
    except KeyError:
        raise ValueError(f"no rate budget for {platform}/{kind}") from None
    return max(1, round(per_poll * window * SOURCES_PER_CLIENT / limit))
