"""Bluesky through the atproto SDK: search, mentions of our account, an author's feed, a thread.

The SDK's ``Client`` signs in (``com.atproto.server.createSession`` with an app password),
refreshes its tokens and raises typed errors; we call its XRPC ``invoke_query`` with the SDK's
own parameter models and read the JSON ourselves, because the SDK's response models validate
a whole page at once (one odd post would lose the page) and we keep the wire JSON in ``raw``.
Sessions are kept per process: createSession allows 30 sign-ins per 5 minutes per account.

Endpoints: ``app.bsky.feed.searchPosts`` (sort=latest), ``app.bsky.notification.
listNotifications`` (reasons mention, reply, quote), ``app.bsky.feed.getAuthorFeed``,
``app.bsky.feed.getPostThread``. Listings are newest first with an opaque ``cursor``; where
delivery stands is a ``Watermark`` on the AppView's sort time, with an overlap for late
indexing. Every response carries ``ratelimit-limit/-remaining/-reset``; a 429 becomes
``RateLimited`` until the reset.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from atproto import Client, models
from atproto_client import exceptions as atx
from atproto_client.request import Request

from connectors.base import (
    ConnectorBase,
    Cursor,
    FetchResult,
    Mention,
    Setting,
    budget_interval,
    value,
)
from connectors.bluesky_posts import MappingError, map_notification, map_post_view, sort_at
from connectors.errors import (
    AuthFailed,
    ConnectorError,
    Permanent,
    RateLimited,
    Transient,
    error_for_status,
)
from connectors.http import RateLimitInfo, header_float
from connectors.watermark import Watermark

API_URL = "https://bsky.social"
OVERLAP_SECONDS = 600.0
PAGE = 100
THREAD_DEPTH = 1000
_AT_POST = re.compile(r"at://[^/\s]+/app\.bsky\.feed\.post/[A-Za-z0-9._:~-]{1,512}")
_APP_POST = re.compile(r"https://(?:www\.)?bsky\.app/profile/([^/\s]+)/post/([A-Za-z0-9._:~-]{1,512})/?")
_ACTOR = re.compile(r"(did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}|[A-Za-z0-9][A-Za-z0-9.-]{0,252}\.[A-Za-z]{2,63})")
_RELOGIN = ("ExpiredToken", "InvalidToken")

# (api_url, handle) -> exported session string; shared by the connectors of one process.
_sessions: dict[tuple[str, str], str] = {}
_sessions_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class BlueskyConfig:
    """Everything the Bluesky connector needs."""

    handle: str
    app_password: str
    api_url: str = API_URL
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0


def thread_uri(query: str) -> str | None:
    """An at:// post URI from one, or from a https://bsky.app/profile/<who>/post/<rkey> link."""
    q = query.strip()
    if _AT_POST.fullmatch(q):
        return q
    m = _APP_POST.fullmatch(q)
    return f"at://{m.group(1)}/app.bsky.feed.post/{m.group(2)}" if m else None


def _xrpc_error(exc: atx.RequestErrorBase) -> tuple[int, str, str]:
    response = exc.response
    if response is None:
        return 0, "", ""
    content = response.content
    name = getattr(content, "error", "") or ""
    message = getattr(content, "message", "") or ""
    return response.status_code, str(name), str(message)


class BlueskyConnector(ConnectorBase):
    """Bluesky via atproto's Client, signed in with an app password."""

    platform = "bluesky"
    label = "Bluesky"
    source_kinds: tuple[str, ...] = ("search", "mentions", "author", "thread")
    kind_labels = {
        "search": "Search for a keyword or brand",
        "mentions": "Mentions of our account",
        "author": "Posts of one account",
        "thread": "Replies in one thread",
    }
    settings = (
        Setting("BLUESKY_HANDLE", required=True, help="our account, e.g. brand.bsky.social"),
        Setting("BLUESKY_APP_PASSWORD", required=True, secret=True, help="an app password of it"),
        Setting("BLUESKY_API_URL", default=API_URL, type="url", help="the PDS or entryway"),
    )

    @classmethod
    def normalize_query(cls, kind: str, query: str) -> str:
        """Drop the ``@`` of a handle."""
        q = query.strip()
        return q.removeprefix("@") if kind in ("author", "mentions") else q

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """Words for search, a handle or DID for an author, a post URI or link for a thread."""
        if kind not in cls.source_kinds:
            return f"Bluesky sources can be: {', '.join(cls.source_kinds)}."
        q = cls.normalize_query(kind, query)
        if kind == "search":
            if not q:
                return "Enter words to search for."
            return None if len(q) <= 512 else "Search queries may be at most 512 characters."
        if kind == "mentions":
            return None if not q or _ACTOR.fullmatch(q) else "Leave empty, or enter our account's handle."
        if kind == "author":
            return None if _ACTOR.fullmatch(q) else "Enter a handle (e.g. anna.bsky.social) or a DID."
        if thread_uri(q) is None:
            return "Enter a post link (https://bsky.app/profile/…/post/…) or its at:// URI."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """Bluesky allows 3,000 requests per 5 minutes per IP (docs.bsky.app, "Rate Limits")."""
        return budget_interval(1, 3000, 300)

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> BlueskyConnector:
        """A connector from environment-style values."""
        v = {s.name: value(values, s) for s in cls.settings}
        return cls(BlueskyConfig(handle=(v["BLUESKY_HANDLE"] or "").removeprefix("@"),
                                 app_password=v["BLUESKY_APP_PASSWORD"] or "",
                                 api_url=v["BLUESKY_API_URL"] or API_URL))

    def __init__(self, config: BlueskyConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.rate_limit = RateLimitInfo()
        self._clock = clock
        self._client: Client | None = None

    # --- session ------------------------------------------------------------------------------
    def _record(self, response: httpx.Response) -> None:
        remaining = header_float(response.headers, "ratelimit-remaining")
        if remaining is not None:
            self.rate_limit = RateLimitInfo(
                remaining=remaining, limit=header_float(response.headers, "ratelimit-limit"),
                reset_at=header_float(response.headers, "ratelimit-reset"),
            )

    def client(self, *, fresh: bool = False) -> Client:
        """A signed-in Client (a cached session, or a new sign-in)."""
        if self._client is not None and not fresh:
            return self._client
        key = (self.config.api_url.rstrip("/"), self.config.handle.lower())
        request = Request(timeout=self.config.timeout, event_hooks={"response": [self._record]})
        client = Client(base_url=self.config.api_url, request=request)
        with _sessions_lock:
            saved = None if fresh else _sessions.get(key)
        if saved:
            client.login(session_string=saved, fetch_bsky_profile=False)
        else:
            try:
                client.login(self.config.handle, self.config.app_password, fetch_bsky_profile=False)
            except (atx.UnauthorizedError, atx.BadRequestError) as exc:
                status, name, message = _xrpc_error(exc)
                raise AuthFailed(f"Bluesky refused BLUESKY_HANDLE or BLUESKY_APP_PASSWORD ({status} {name}: {message})".strip()) from None
        with _sessions_lock:
            _sessions[key] = client.export_session_string()
        self._client = client
        return client

    def _query(self, nsid: str, params: Any) -> dict[str, Any]:
        """One XRPC query; signs in again once when the session expired."""
        for attempt in (1, 2):
            try:
                response = self.client(fresh=attempt == 2).invoke_query(nsid, params=params)
            except (atx.UnauthorizedError, atx.BadRequestError) as exc:
                status, name, message = _xrpc_error(exc)
                if attempt == 1 and (name in _RELOGIN or status == 401):
                    continue
                if isinstance(exc, atx.UnauthorizedError):
                    raise AuthFailed(f"Bluesky refused our session: {status} {name} {message}".strip()) from None
                raise Permanent(f"Bluesky: {name or status}: {message}".strip()) from None
            except atx.LoginRequiredError:
                if attempt == 1:
                    continue
                raise AuthFailed("Bluesky asked to sign in again and refused it") from None
            content = response.content
            if not isinstance(content, dict):
                raise Transient(f"Bluesky sent a response to {nsid} that is not a JSON object")
            return content
        raise AuthFailed("Bluesky refused our session twice")  # pragma: no cover - loop returns or raises

    def _translate(self, exc: Exception) -> ConnectorError:
        if isinstance(exc, ConnectorError):
            return exc
        if isinstance(exc, atx.RateLimitExceededError):
            reset = exc.reset_at
            wait = reset.timestamp() - self._clock() if reset else exc.retry_after
            return RateLimited("Bluesky rate limit reached", max(1.0, wait if wait is not None else 300.0))
        if isinstance(exc, atx.InvokeTimeoutError):
            return Transient("Bluesky did not answer in time")
        if isinstance(exc, atx.NetworkError):
            status = exc.response.status_code if exc.response is not None else None
            return Transient(f"Could not reach Bluesky{f' ({status})' if status else ''}")
        if isinstance(exc, atx.RequestErrorBase):
            status, name, message = _xrpc_error(exc)
            return error_for_status(status or 500, f"Bluesky answered {status} {name} {message}".strip())
        if isinstance(exc, ValueError):  # a body that is not JSON (pydantic_core.from_json)
            return Transient("Bluesky sent a response that is not valid JSON")
        if isinstance(exc, httpx.HTTPError):
            return Transient(f"Could not reach Bluesky: {exc.__class__.__name__}")
        return Transient(f"Unexpected Bluesky error: {exc.__class__.__name__}: {exc}")

    # --- listings: pages of (item, sort time, id, mapper) ---------------------------------------
    def _pages(self, kind: str, query: str, walk: dict[str, Any], since: str | None) -> Iterator[list[Any]]:
        while True:
            cursor = walk.get("cursor")
            if kind == "search":
                params: Any = models.AppBskyFeedSearchPosts.Params(q=query, sort="latest", limit=PAGE,
                                                                   cursor=cursor, since=since)
                body = self._query("app.bsky.feed.searchPosts", params)
                items: list[Any] = [(p, sort_at(p.get("record"), p.get("indexedAt")), p.get("uri"), map_post_view)
                                    for p in _list(body, "posts")]
            elif kind == "mentions":
                params = models.AppBskyNotificationListNotifications.Params(
                    limit=PAGE, cursor=cursor, reasons=["mention", "reply", "quote"])
                body = self._query("app.bsky.notification.listNotifications", params)
                items = [(n, sort_at(n.get("record"), n.get("indexedAt")), n.get("uri"), map_notification)
                         for n in _list(body, "notifications") if n.get("reason") in ("mention", "reply", "quote")]
            else:
                params = models.AppBskyFeedGetAuthorFeed.Params(actor=query, limit=PAGE, cursor=cursor,
                                                               filter="posts_with_replies")
                body = self._query("app.bsky.feed.getAuthorFeed", params)
                items = []
                for entry in _list(body, "feed"):
                    post, reason = _obj(entry.get("post")), _obj(entry.get("reason"))
                    # A repost is listed at the time of the repost, and delivered as the original.
                    when = sort_at(post.get("record"), reason.get("indexedAt") or post.get("indexedAt"))
                    items.append((post, when, post.get("uri"), map_post_view))
            yield items
            next_cursor = body.get("cursor")
            if not isinstance(next_cursor, str) or not next_cursor or not items:
                return
            walk["cursor"] = next_cursor

    def _thread(self, query: str) -> list[Any]:
        uri = thread_uri(query)
        params = models.AppBskyFeedGetPostThread.Params(uri=uri, depth=THREAD_DEPTH, parent_height=THREAD_DEPTH)
        body = self._query("app.bsky.feed.getPostThread", params)
        items: list[Any] = []
        stack = [body.get("thread")]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict) or node.get("$type") != "app.bsky.feed.defs#threadViewPost":
                continue  # notFoundPost (deleted), blockedPost
            post = _obj(node.get("post"))
            items.append((post, sort_at(post.get("record"), post.get("indexedAt")), post.get("uri"), map_post_view))
            stack.append(node.get("parent"))
            stack.extend(node.get("replies") or [])
        return items

    # --- the poll -----------------------------------------------------------------------------
    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult:
        """Everything new since ``cursor``, at most about ``max_items``; never sleeps."""
        problem = self.validate_query(kind, query)
        if problem:
            raise Permanent(problem)
        query = self.normalize_query(kind, query)
        values: Mapping[str, Any] = cursor.values if cursor else {}
        now = self._clock()
        not_before = values.get("not_before")
        if isinstance(not_before, int | float) and now < not_before:
            raise RateLimited("Bluesky rate limit window not over yet", not_before - now)
        hours = self.config.backfill_hours if backfill_hours is None else backfill_hours
        floor = values["floor"] if isinstance(values.get("floor"), int | float) else now - hours * 3600
        mark = Watermark.load(values, OVERLAP_SECONDS, floor)
        walk: dict[str, Any] = {"cursor": values["cursor"]} if isinstance(values.get("cursor"), str) else {}
        mentions: list[Mention] = []
        failures: list[tuple[str, Mapping[str, Any]]] = []
        done = rate_limited = False

        def state() -> dict[str, Any]:
            out = mark.values(walk_done=done)
            if not done and walk.get("cursor"):
                out["cursor"] = walk["cursor"]
            return out

        def take(items: list[Any]) -> bool:
            """Deliver a page; True when it reached what earlier polls delivered."""
            reached = False
            for item, when, uri, mapper in items:
                if not isinstance(item, dict):
                    continue
                ts = when.timestamp() if when else None
                if ts is not None and mark.below(ts):
                    reached = True
                    continue
                key = uri if isinstance(uri, str) else repr(item)[:200]
                if ts is not None and not mark.wants(key, ts):
                    continue
                try:
                    mentions.append(mapper(item))
                except MappingError as exc:
                    failures.append((str(exc), dict(item)))
                if ts is not None:
                    mark.delivered(key, ts)
            return reached

        try:
            if kind == "thread":
                take(self._thread(query))
                done = True
            else:
                bound = mark.lower_bound
                since = _iso(bound) if kind == "search" and bound is not None else None
                for page in self._pages(kind, query, walk, since):
                    if take(page):
                        done = True
                        break
                    if len(mentions) + len(failures) >= self.config.max_items:
                        break
                    if self.rate_limit.exhausted:
                        rate_limited = True
                        break
                else:
                    done = True
        except Exception as exc:  # noqa: BLE001 - every SDK error is translated, none swallowed
            err = self._translate(exc)
            if isinstance(err, RateLimited) and mentions:
                err.partial = FetchResult(mentions, Cursor(state()), failures, exhausted=False)
            if err is exc:
                raise
            raise err from exc
        new_values = state()
        if rate_limited and self.rate_limit.reset_at is not None:
            new_values["not_before"] = self.rate_limit.reset_at
        return FetchResult(mentions, Cursor(new_values), failures, exhausted=done)


def _list(body: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    items = body.get(key)
    if not isinstance(items, list):
        raise Transient(f"Bluesky sent a response without {key}")
    return [i for i in items if isinstance(i, dict)]


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
