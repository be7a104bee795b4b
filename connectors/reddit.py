"""Reddit via praw: new posts and comments of subreddits, site-wide search, username mentions.

We call ``praw.Reddit.request`` and map the listing JSON ourselves instead of walking praw's
model objects: praw still does OAuth (client credentials, or the password grant when a
username is set) and error classification, and we keep the exact wire fields for ``raw`` and
can report a single bad item without losing its page.

Pagination and cursors. Reddit listings are newest first; we page backwards with ``after``
until we reach what the cursor already covers (``before`` is not used: it returns nothing
once its anchor item is deleted). Reddit ids are base-36 counters, so "covered" is an id
comparison. A run stopped by ``max_items`` (split evenly between a subreddit's two listings)
resumes with ``after`` next time; if that anchor was deleted meanwhile Reddit answers an
empty page, the walk ends and the rest of that gap is given up (nothing is fetched twice).
Per listing the cursor holds::

    {"newest": "t3_abc" | None,       # everything up to this id has been delivered
     "since_utc": 1700000000.0,      # first poll only: the backfill floor
     "resume_after": "t3_xyz" | None,  # a run stopped early: continue after this item
     "pending_newest": "t3_def" | None}  # newest of the unfinished walk

plus ``"not_before"`` (Unix time) at the top when Reddit said no request is left in this
window; the next fetch before then raises RateLimited without calling Reddit.

Deleted and removed content. A ``[deleted]`` author with a removed or deleted body carries
nothing (no person, no words): it is skipped, not reported as a failure. A ``[deleted]``
author with visible text is kept under a placeholder identity unique to that item
(``reddit-deleted:<fullname>``, ``raw["author_deleted"] = True``): merging all deleted
accounts, or all of a thread's, into one member would invent a person. A removed body with a
known author is kept with ``raw["body_removed"] = True``: a post with its title and empty
text, a comment with Reddit's marker ("[removed]" / "[deleted]") as its text, so that it is
not quarantined for having no words.

prawcore would retry 5xx and timeouts with ``time.sleep`` and pace requests with sleeps of up
to 10 s; a worker must not sleep, so our Requestor raises before prawcore retries and hides
the rate-limit headers from prawcore after recording them. We stop paging instead.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import praw
import praw.exceptions
import requests

from connectors.base import (
    ConnectorBase,
    Cursor,
    FetchResult,
    Setting,
    budget_interval,
    value,
)
from connectors.errors import (
    AuthFailed,
    ConnectorError,
    Permanent,
    RateLimited,
)
from connectors.http import RateLimitInfo
from connectors.reddit_mapping import MappingError, map_thing, translate
from connectors.reddit_wire import Requestor, TokenRejected, Walk, id36, listing_page, max_fullname

DEFAULT_USER_AGENT = "social-crm/0.1 (social listening)"
DEFAULT_OAUTH_URL = "https://oauth.reddit.com"
DEFAULT_REDDIT_URL = "https://www.reddit.com"


@dataclass(frozen=True, slots=True)
class RedditConfig:
    """Everything the Reddit connector needs; built from settings by the caller."""

    client_id: str
    client_secret: str
    user_agent: str = DEFAULT_USER_AGENT
    username: str | None = None
    password: str | None = None
    oauth_url: str = DEFAULT_OAUTH_URL
    reddit_url: str = DEFAULT_REDDIT_URL
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0
    page_size: int = 100


_SUBREDDIT = re.compile(r"[A-Za-z0-9_]{3,21}")
_REDDIT_USER = re.compile(r"[A-Za-z0-9_-]{3,20}")
SEARCH_MAX = 512  # Reddit rejects longer q= values
# (requests per poll, allowed requests, window in seconds). Reddit's free Data API allows 100
# queries per minute per OAuth client id, averaged over 10 minutes (r/redditdev, "API Update:
# Enterprise Level Tier", May 2023); a subreddit poll reads new posts and new comments.
_BUDGETS = {"subreddit": (2, 100, 60), "search": (1, 100, 60), "mentions": (1, 100, 60)}


class RedditConnector(ConnectorBase):
    """Reddit through praw. ``fetch`` never sleeps; see the module docstring for the cursor."""

    platform = "reddit"
    label = "Reddit"
    source_kinds: tuple[str, ...] = ("subreddit", "search", "mentions")
    kind_labels = {
        "subreddit": "Subreddit: new posts and comments",
        "search": "Search for a keyword or brand",
        "mentions": "Mentions of our account",
    }
    settings = (
        Setting("REDDIT_CLIENT_ID", required=True, help="OAuth app id (reddit.com/prefs/apps)"),
        Setting("REDDIT_CLIENT_SECRET", required=True, secret=True),
        Setting("REDDIT_USER_AGENT", default=DEFAULT_USER_AGENT),
        Setting("REDDIT_USERNAME", help="needed for mentions of this account"),
        Setting("REDDIT_PASSWORD", secret=True, help="needed for mentions of this account"),
        Setting("REDDIT_OAUTH_URL", default=DEFAULT_OAUTH_URL, type="url"),
        Setting("REDDIT_URL", default=DEFAULT_REDDIT_URL, type="url"),
    )
    kind_settings = {"mentions": ("REDDIT_USERNAME", "REDDIT_PASSWORD")}

    @classmethod
    def normalize_query(cls, kind: str, query: str) -> str:
        """``r/Python`` and ``/r/Python/`` become ``Python``; ``u/name`` becomes ``name``."""
        query = query.strip()
        if kind == "subreddit":
            for prefix in ("/r/", "r/"):
                if query.lower().startswith(prefix):
                    query = query[len(prefix) :]
            query = query.strip("/")
        if kind == "mentions":
            for prefix in ("/u/", "u/"):
                if query.lower().startswith(prefix):
                    query = query[len(prefix) :]
        return query

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """Subreddit names, search length, or the logged-in username for mentions."""
        if kind not in cls.source_kinds:
            return f"reddit sources can be: {', '.join(cls.source_kinds)}."
        q = cls.normalize_query(kind, query)
        if kind == "subreddit":
            if not q:
                return "Enter a subreddit name, e.g. r/python."
            for name in q.split("+"):
                if not _SUBREDDIT.fullmatch(name):
                    return (
                        f"{name!r} is not a subreddit name: 3 to 21 letters, digits or "
                        "underscores (combine several with +, e.g. python+django)."
                    )
            return None
        if kind == "search":
            if not q:
                return "Enter words to search for."
            if len(q) > SEARCH_MAX:
                return f"Search queries may be at most {SEARCH_MAX} characters (this one has {len(q)})."
            return None
        # mentions of the configured account; the query only names it
        if q and not _REDDIT_USER.fullmatch(q):
            return "Leave empty, or enter the Reddit username the connector logs in as."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """From the 100 requests per minute per client id (see ``_BUDGETS``)."""
        return budget_interval(*_BUDGETS[kind])

    def __init__(
        self,
        config: RedditConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.source_kinds = self.kinds_for_config(config)
        self.rate_limit = RateLimitInfo()
        self._session = session
        self._clock = clock
        self._reddit: praw.Reddit | None = None
        self._token_retried = False

    @classmethod
    def kinds_for_config(cls, config: RedditConfig) -> tuple[str, ...]:
        """Mentions need a logged-in account; the other kinds work with the app alone."""
        if config.username and config.password:
            return cls.source_kinds
        return tuple(k for k in cls.source_kinds if k != "mentions")

    @classmethod
    def config_from_values(cls, values: Mapping[str, str | None]) -> RedditConfig:
        """Build the config from environment-style values (registry has checked them)."""
        v = {s.name: value(values, s) for s in cls.settings}
        return RedditConfig(
            client_id=v["REDDIT_CLIENT_ID"] or "",
            client_secret=v["REDDIT_CLIENT_SECRET"] or "",
            user_agent=v["REDDIT_USER_AGENT"] or DEFAULT_USER_AGENT,
            username=v["REDDIT_USERNAME"],
            password=v["REDDIT_PASSWORD"],
            oauth_url=v["REDDIT_OAUTH_URL"] or DEFAULT_OAUTH_URL,
            reddit_url=v["REDDIT_URL"] or DEFAULT_REDDIT_URL,
        )


    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> RedditConnector:
        """A connector from environment-style values."""
        return cls(cls.config_from_values(values))

    def _client(self) -> praw.Reddit:
        if self._reddit is None:
            cfg = self.config
            # urljoin(oauth_url, "r/x/new") drops a last path segment without a trailing /.
            oauth_url = cfg.oauth_url.rstrip("/") + "/"
            kwargs: dict[str, Any] = {"timeout": cfg.timeout, "on_rate_limit": self._record}
            if self._session is not None:
                kwargs["session"] = self._session
            self._reddit = praw.Reddit(
                client_id=cfg.client_id,
                client_secret=cfg.client_secret,
                user_agent=cfg.user_agent,
                username=cfg.username,
                password=cfg.password,
                oauth_url=oauth_url,
                reddit_url=cfg.reddit_url.rstrip("/"),
                check_for_updates=False,
                check_for_async=False,
                # praw 8 reads but never uses this; Requestor enforces cfg.timeout.
                timeout=max(1, math.ceil(cfg.timeout)),
                requestor_class=Requestor,
                requestor_kwargs=kwargs,
            )
        return self._reddit

    def _record(self, info: RateLimitInfo) -> None:
        self.rate_limit = info

    def _walks(
        self, kind: str, query: str, values: Mapping[str, Any], backfill_hours: float
    ) -> list[Walk]:
        def walk(key: str, path: str, params: dict[str, Any], as_mention: bool = False) -> Walk:
            state = dict(values.get(key) or {})
            if not state.get("newest") and state.get("since_utc") is None:
                state["since_utc"] = self._clock() - backfill_hours * 3600
            return Walk(key, path, params, state, as_mention)

        if kind == "subreddit":
            return [
                walk("posts", f"r/{query}/new", {}),
                walk("comments", f"r/{query}/comments", {}),
            ]
        if kind == "search":
            return [walk("search", "search", {"q": query, "sort": "new", "type": "link"})]
        return [walk("mentions", "message/mentions", {}, as_mention=True)]

    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult:
        """Everything new since ``cursor``, at most ``max_items``; never sleeps."""
        if kind not in self.source_kinds:
            raise Permanent(f"Reddit cannot poll {kind!r} with these settings")
        problem = self.validate_query(kind, query)
        if problem:
            raise Permanent(problem)
        query = self.normalize_query(kind, query)
        backfill = self.config.backfill_hours if backfill_hours is None else backfill_hours
        values: Mapping[str, Any] = cursor.values if cursor else {}
        not_before = values.get("not_before")
        now = self._clock()
        if isinstance(not_before, int | float) and now < not_before:
            raise RateLimited("Reddit rate limit window not over yet", not_before - now)

        walks = self._walks(kind, query, values, backfill)
        self._token_retried = False
        budget = max(1, self.config.max_items // len(walks))
        stopped_by_limit = False
        try:
            for walk in walks:
                if stopped_by_limit:
                    break
                stopped_by_limit = self._run(walk, budget)
        except Exception as exc:  # noqa: BLE001 - every SDK error is translated, none swallowed
            err = translate(exc)
            if isinstance(err, AuthFailed):
                self._reddit = None  # log in afresh next time
            self._attach_partial(err, walks, values)
            if err is exc:
                raise
            raise err from exc
        return self._result(walks, values, rate_limited=stopped_by_limit)

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        """One listing request; a 401 gets a fresh login and one retry per fetch (as prawcore)."""
        try:
            return self._client().request(method="GET", path=path, params=params)
        except TokenRejected:
            if self._token_retried:
                raise
            self._token_retried = True
            self._reddit = None  # a new praw client logs in again and gets a new token
            return self._client().request(method="GET", path=path, params=params)

    def _run(self, walk: Walk, budget: int) -> bool:
        """Page through one listing; True when Reddit's rate-limit budget stopped it."""
        after = walk.state.get("resume_after")
        floor = walk.state.get("newest")
        floor_id = id36(floor) if floor else None
        since_utc = walk.state.get("since_utc")
        while walk.seen < budget:
            limit = min(self.config.page_size, budget - walk.seen)
            params = {**walk.params, "limit": limit, "raw_json": 1}
            if after:
                params["after"] = after
            listing = self._get(walk.path, params)
            children, next_after = listing_page(listing)
            for child in children:
                data = child.get("data") if isinstance(child, dict) else None
                kind = child.get("kind") if isinstance(child, dict) else None
                if not isinstance(data, dict) or not isinstance(kind, str):
                    walk.failures.append(("listing child is not a thing", {"child": child}))
                    continue
                fullname = data.get("name")
                if not isinstance(fullname, str) or not fullname.partition("_")[2].isalnum():
                    walk.failures.append(("missing or invalid name", dict(data)))
                    continue
                if floor_id is not None and id36(fullname) <= floor_id:
                    walk.done = True
                    return False
                created = data.get("created_utc")
                if (
                    floor_id is None
                    and since_utc is not None
                    and isinstance(created, int | float)
                    and created < since_utc
                ):
                    walk.done = True
                    return False
                walk.seen += 1
                walk.last = fullname
                walk.newest = max_fullname(walk.newest, fullname)
                try:
                    mention = map_thing(kind, data, as_mention=walk.as_mention)
                except MappingError as exc:
                    walk.failures.append((str(exc), dict(data)))
                    continue
                if mention is not None:
                    walk.mentions.append(mention)
            if not next_after or not children:
                walk.done = True
                return False
            after = next_after
            if self.rate_limit.exhausted:
                return True
        return False

    def _result(
        self, walks: list[Walk], values: Mapping[str, Any], *, rate_limited: bool
    ) -> FetchResult:
        new_values: dict[str, Any] = {w.key: w.next_state() for w in walks}
        for key, old in values.items():  # listings this run did not reach keep their state
            if key != "not_before" and not any(w.key == key for w in walks):
                new_values[key] = old
        for walk in walks:
            if not walk.seen and not walk.done:
                new_values[walk.key] = dict(values.get(walk.key) or walk.state)
        if rate_limited and self.rate_limit.reset_at is not None:
            new_values["not_before"] = self.rate_limit.reset_at
        return FetchResult(
            mentions=[m for w in walks for m in w.mentions],
            next_cursor=Cursor(values=new_values),
            failures=[f for w in walks for f in w.failures],
            exhausted=all(w.done for w in walks),
        )

    def _attach_partial(
        self, err: ConnectorError, walks: list[Walk], values: Mapping[str, Any]
    ) -> None:
        if isinstance(err, RateLimited) and any(w.seen for w in walks):
            err.partial = self._result(walks, values, rate_limited=False)


