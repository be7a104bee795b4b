"""X (Twitter) via tweepy's API v2 Client: recent search and mentions of a user id.

tweepy hard-codes ``https://api.twitter.com`` and has no timeout; we give the Client a
``RoutedSession`` that rewrites that host to ``XConfig.api_url`` and sets the timeout, and we
pass ``wait_on_rate_limit=False`` so a worker never sleeps. The Client returns plain dicts
(``return_type=dict``): tweepy's Tweet objects parse a whole page at once, so one bad item
would lose the page, and we keep the wire JSON for ``raw``.

Cursor. X returns newest first and pages backwards with ``next_token``. The cursor holds::

    {"since_id": "1790..." | None,     # everything up to this id has been delivered
     "start_time": 1700000000.0,      # first poll only: the backfill floor (Unix time)
     "until_id": "1789..." | None,     # a run stopped early: continue below this id
     "pending_newest": "1791..." | None}  # newest of the unfinished walk

plus ``"not_before"`` when X said no request is left in the window.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from connectors.base import (
    ConnectorBase,
    Cursor,
    FetchResult,
    Mention,
    Setting,
    budget_interval,
    value,
)
from connectors.errors import (
    AuthFailed,
    Permanent,
    RateLimited,
    Transient,
)
from connectors.http import RateLimitInfo, RoutedSession, header_float
from connectors.x_mapping import MappingError, map_tweet, translate

SDK_BASE = "https://api.twitter.com"
EXPANSIONS = ["author_id", "referenced_tweets.id", "in_reply_to_user_id"]
TWEET_FIELDS = [
    "created_at", "lang", "conversation_id", "in_reply_to_user_id", "referenced_tweets",
    "public_metrics", "author_id",
]  # fmt: skip
USER_FIELDS = ["username", "name", "profile_image_url", "public_metrics", "url", "description", "entities"]
RECENT_SEARCH_DAYS = 7  # recent search (and its start_time) reaches back 7 days


@dataclass(frozen=True, slots=True)
class XConfig:
    """Everything the X connector needs; built from settings by the caller."""

    bearer_token: str
    api_url: str = SDK_BASE
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0


def _max_id(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if int(a) >= int(b) else b


def _min_id(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if int(a) <= int(b) else b


_USER_ID = re.compile(r"[0-9]{1,19}")
SEARCH_MAX = 512  # "512 query length" for GET /2/tweets/search/recent


class XConnector(ConnectorBase):
    """X through tweepy's v2 Client. ``fetch`` never sleeps; see the module docstring."""

    platform = "x"
    label = "X"
    source_kinds: tuple[str, ...] = ("search", "mentions")
    kind_labels = {"search": "Search for a keyword or brand", "mentions": "Mentions of our account"}
    settings = (
        Setting("X_BEARER_TOKEN", required=True, secret=True, help="app-only bearer token"),
        Setting("X_API_URL", default=SDK_BASE, type="url"),
        # Replying needs user context (OAuth 1.0a keys of our account); polling does not.
        Setting("X_CONSUMER_KEY", help="to reply: the app's API key"),
        Setting("X_CONSUMER_SECRET", secret=True, help="to reply: the app's API key secret"),
        Setting("X_ACCESS_TOKEN", help="to reply: our account's access token"),
        Setting("X_ACCESS_TOKEN_SECRET", secret=True, help="to reply: our account's access token secret"),
    )

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """A search of at most 512 characters, or a numeric user id for mentions."""
        if kind not in cls.source_kinds:
            return f"x sources can be: {', '.join(cls.source_kinds)}."
        q = query.strip()
        if kind == "search":
            if not q:
                return "Enter words to search for."
            if len(q) > SEARCH_MAX:
                return f"Search queries may be at most {SEARCH_MAX} characters (this one has {len(q)})."
            return None
        if not _USER_ID.fullmatch(q):
            return "Enter the numeric X user id (not the @handle), e.g. 2244994945."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """X allows 450 requests per 15 minutes per app on recent search and on mentions.

        With an app-only bearer token (docs.x.com, "Rate limits"); lower plans get less, and
        the x-rate-limit-* headers win at run time. One request per poll.
        """
        return budget_interval(1, 450, 900)

    def __init__(self, config: XConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.rate_limit = RateLimitInfo()
        self._clock = clock
        self._client: tweepy.Client | None = None

    @classmethod
    def config_from_values(cls, values: Mapping[str, str | None]) -> XConfig:
        """Build the config from environment-style values (registry has checked them)."""
        v = {s.name: value(values, s) for s in cls.settings}
        return XConfig(bearer_token=v["X_BEARER_TOKEN"] or "", api_url=v["X_API_URL"] or SDK_BASE)


    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> XConnector:
        """A connector from environment-style values."""
        return cls(cls.config_from_values(values))

    def client(self) -> tweepy.Client:
        """The tweepy Client, its session routed to ``api_url`` with our timeout."""
        if self._client is None:
            client = tweepy.Client(
                bearer_token=self.config.bearer_token, return_type=dict, wait_on_rate_limit=False
            )
            client.session = RoutedSession(
                sdk_base=SDK_BASE,
                base_url=self.config.api_url,
                timeout=self.config.timeout,
                on_response=self._record,
            )
            self._client = client
        return self._client

    def _record(self, response: requests.Response) -> None:
        remaining = header_float(response.headers, "x-rate-limit-remaining")
        if remaining is not None:
            self.rate_limit = RateLimitInfo(
                remaining=remaining,
                limit=header_float(response.headers, "x-rate-limit-limit"),
                reset_at=header_float(response.headers, "x-rate-limit-reset"),
            )

    def _call(self, kind: str, query: str, params: dict[str, Any], token: str | None) -> Any:
        client = self.client()
        common = {
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            **params,
        }
        if kind == "search":
            return client.search_recent_tweets(query, next_token=token, **common)
        return client.get_users_mentions(query, pagination_token=token, **common)

    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult:
        """Everything new since ``cursor``, at most about ``max_items``; never sleeps."""
        if kind not in self.source_kinds:
            raise Permanent(f"X cannot poll {kind!r}")
        backfill = self.config.backfill_hours if backfill_hours is None else backfill_hours
        problem = self.validate_query(kind, query)
        if problem:
            raise Permanent(problem)
        query = query.strip()
        values: Mapping[str, Any] = cursor.values if cursor else {}
        now = self._clock()
        not_before = values.get("not_before")
        if isinstance(not_before, int | float) and now < not_before:
            raise RateLimited("X rate limit window not over yet", not_before - now)

        since_id = values.get("since_id")
        start_time: float | None = values.get("start_time")
        if not since_id and start_time is None:
            start_time = now - backfill * 3600
        params: dict[str, Any] = {}
        if since_id:
            params["since_id"] = since_id
        else:
            # X rejects a start_time older than the 7-day recent window.
            oldest = now - RECENT_SEARCH_DAYS * 86400 + 60
            assert start_time is not None
            params["start_time"] = datetime.fromtimestamp(max(start_time, oldest), tz=UTC)
        if values.get("until_id"):
            params["until_id"] = values["until_id"]

        default_kind = "mention" if kind == "mentions" else "post"
        mentions: list[Mention] = []
        failures: list[tuple[str, Mapping[str, Any]]] = []
        newest: str | None = None
        oldest_seen: str | None = None
        seen = 0
        done = rate_limited = False
        token: str | None = None

        def state() -> dict[str, Any]:
            pending = values.get("pending_newest") if values.get("until_id") else None
            walk_newest = _max_id(pending, newest)
            if done:
                new_since = _max_id(since_id, walk_newest)
                if new_since:
                    return {"since_id": new_since}
                return {"since_id": None, "start_time": start_time}
            return {
                "since_id": since_id,
                "start_time": None if since_id else start_time,
                "until_id": oldest_seen or values.get("until_id"),
                "pending_newest": walk_newest,
            }

        try:
            while True:
                remaining = self.config.max_items - seen
                params["max_results"] = max(10, min(100, remaining))
                page = self._call(kind, query, params, token)
                if not isinstance(page, dict):
                    raise Transient("X sent something that is not a JSON object")
                data = page.get("data")
                if data is None:
                    self._check_errors(page)
                    data = []
                if not isinstance(data, list):
                    raise Transient("X sent a response whose data is not a list")
                users = _users(page)
                for tweet in data:
                    if not isinstance(tweet, dict):
                        failures.append(("tweet is not an object", {"item": tweet}))
                        continue
                    tweet_id = tweet.get("id")
                    if isinstance(tweet_id, str) and tweet_id.isdigit():
                        newest = _max_id(newest, tweet_id)
                        oldest_seen = _min_id(oldest_seen, tweet_id)
                    seen += 1
                    try:
                        mentions.append(map_tweet(tweet, users, default_kind=default_kind))
                    except MappingError as exc:
                        failures.append((str(exc), dict(tweet)))
                meta = page.get("meta")
                token = meta.get("next_token") if isinstance(meta, dict) else None
                if not token or not data:
                    done = True
                    break
                if seen >= self.config.max_items:
                    break
                if self.rate_limit.exhausted:
                    rate_limited = True
                    break
        except Exception as exc:  # noqa: BLE001 - every SDK error is translated, none swallowed
            err = translate(exc, self._clock())
            if isinstance(err, RateLimited) and seen:
                err.partial = FetchResult(mentions, Cursor(state()), failures, exhausted=False)
            if err is exc:
                raise
            raise err from exc

        new_values = state()
        if rate_limited and self.rate_limit.reset_at is not None:
            new_values["not_before"] = self.rate_limit.reset_at
        return FetchResult(mentions, Cursor(new_values), failures, exhausted=done)

    @staticmethod
    def _check_errors(page: Mapping[str, Any]) -> None:
        """A 200 without data may carry errors, e.g. the mentioned user does not exist."""
        errors = page.get("errors")
        if not isinstance(errors, list) or not errors:
            return
        first = errors[0] if isinstance(errors[0], dict) else {}
        detail = first.get("detail") or first.get("title") or "unknown error"
        if "not-found" in str(first.get("type", "")) or first.get("title") == "Not Found Error":
            raise Permanent(f"X: {detail}")
        if "authorization" in str(first.get("type", "")):
            raise AuthFailed(f"X: {detail}")
        raise Permanent(f"X: {detail}")


def _users(page: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    includes = page.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list):
        return {}
    return {u["id"]: u for u in users if isinstance(u, dict) and isinstance(u.get("id"), str)}
