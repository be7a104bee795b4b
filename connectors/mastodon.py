"""Mastodon via Mastodon.py: hashtag timelines, full-text search, mentions, accounts, threads.

Any Mastodon-API server works (``MASTODON_API_BASE_URL``); a token (``MASTODON_ACCESS_TOKEN``,
scope ``read``) is needed for search and for the notifications of our own account.

Pagination and cursors. Mastodon pages with ``max_id`` (older), ``since_id`` and ``min_id``
(newer) and says where the next pages are in the ``Link`` header. We walk *forward* with
``min_id``: the server answers the ``limit`` items just newer than it, and the next page starts
after the newest of those (the ``Link: rel="prev"`` URL names it). So a run stopped by
``max_items`` or by the rate limit keeps a cursor that loses nothing, and no item comes twice.
The cursor holds ``{"min_id": "<newest id delivered>"}``, plus ``"account_id"`` for account
sources, ``"seen"`` (the ids delivered) for threads, and ``"not_before"`` when the instance's
``X-RateLimit-Remaining`` reached 0. The first poll starts at the backfill floor: Mastodon
status ids are Snowflakes (milliseconds << 16), which is how Mastodon.py turns a datetime into
an id too. Notification ids are a plain sequence, so a first mentions poll reads the newest
page and keeps what is inside the window. A remote status that federates in late gets an id
from its own timestamp and can fall behind the cursor; the thread kind re-reads whole threads.

Statuses: a boost is delivered as the original status (``raw["boosted_by"]``), HTML becomes
text with mentions as ``@user@instance``, the content warning is the title and in
``raw["spoiler_text"]``, visibility is kept in ``raw``. Handles are ``user@instance``: local
accounts' ``acct`` has no domain, so the instance's is appended.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from mastodon import Mastodon

from connectors.base import (
    ConnectorBase,
    Cursor,
    FetchResult,
    Mention,
    Setting,
    budget_interval,
    value,
)
from connectors.errors import Permanent, RateLimited, Transient
from connectors.http import RateLimitInfo
from connectors.mastodon_mapping import MappingError, id_key, map_status, newest_id, translate
from connectors.mastodon_wire import WireMastodon, WireSession, snowflake_at

PAGE_LIMIT = 40  # the maximum Mastodon allows for statuses (notifications allow 80)
SEARCH_MAX = 500
_TAG = re.compile(r"\w{1,100}")
_ACCT = re.compile(r"@?([A-Za-z0-9_]{1,30})(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?")
_STATUS_ID = re.compile(r"[0-9A-Za-z]{1,40}")


@dataclass(frozen=True, slots=True)
class MastodonConfig:
    """Everything the Mastodon connector needs; built from settings by the caller."""

    api_base_url: str
    access_token: str | None = None
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0
    page_limit: int = PAGE_LIMIT


def _plain(value: Any) -> Any:
    """Mastodon.py's entities (dicts with datetimes) as JSON-safe values for ``raw``."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def status_id_from(query: str) -> str:
    """The status id in ``123``, ``https://instance/@user/123`` or ``.../statuses/123``."""
    q = query.strip().rstrip("/")
    return q.rsplit("/", 1)[-1] if "/" in q else q


class MastodonConnector(ConnectorBase):
    """Mastodon through Mastodon.py. ``fetch`` never sleeps (``ratelimit_method="throw"``)."""

    platform = "mastodon"
    label = "Mastodon"
    source_kinds: tuple[str, ...] = ("hashtag", "search", "mentions", "account", "thread")
    kind_labels = {
        "hashtag": "Hashtag timeline (#tag)",
        "search": "Search for a keyword or brand",
        "mentions": "Mentions of our account",
        "account": "An account's posts (user@instance)",
        "thread": "A thread: replies to one post",
    }
    settings = (
        Setting("MASTODON_API_BASE_URL", required=True, type="url",
                help="the instance whose API we read, e.g. https://mastodon.social"),
        Setting("MASTODON_ACCESS_TOKEN", secret=True,
                help="an app token with scope read; needed for search and mentions"),
    )  # fmt: skip
    kind_settings = {"search": ("MASTODON_ACCESS_TOKEN",), "mentions": ("MASTODON_ACCESS_TOKEN",)}

    def __init__(self, config: MastodonConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.domain = urlparse(config.api_base_url).hostname or ""
        self.source_kinds = tuple(
            k for k in type(self).source_kinds
            if config.access_token or k not in ("search", "mentions")
        )  # fmt: skip
        self.rate_limit = RateLimitInfo()
        self._clock = clock
        self._api: Mastodon | None = None
        self._session = WireSession()

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> MastodonConnector:
        """A connector from environment-style values."""
        v = {s.name: value(values, s) for s in cls.settings}
        return cls(MastodonConfig(api_base_url=(v["MASTODON_API_BASE_URL"] or "").rstrip("/"),
                                  access_token=v["MASTODON_ACCESS_TOKEN"]))  # fmt: skip

    @classmethod
    def normalize_query(cls, kind: str, query: str) -> str:
        """``#Tag`` becomes ``Tag``; ``@user@host`` becomes ``user@host``."""
        q = query.strip()
        if kind == "hashtag":
            return q.lstrip("#")
        if kind in ("account", "mentions"):
            return q.lstrip("@")
        return q

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """A tag, a search, an account, or a status id/URL for a thread."""
        if kind not in cls.source_kinds:
            return f"mastodon sources can be: {', '.join(cls.source_kinds)}."
        q = cls.normalize_query(kind, query)
        if kind == "hashtag":
            if not _TAG.fullmatch(q):
                return "Enter one hashtag (letters, digits or _), e.g. #Fediverse."
        elif kind == "search":
            if not q:
                return "Enter words to search for."
            if len(q) > SEARCH_MAX:
                return f"Search queries may be at most {SEARCH_MAX} characters (this one has {len(q)})."
        elif kind == "account":
            if not _ACCT.fullmatch("@" + q):
                return "Enter an account as user@instance, e.g. nimbus_team@fosstodon.org."
        elif kind == "mentions":
            if q and not _ACCT.fullmatch("@" + q):
                return "Leave empty, or enter our account as user@instance."
        elif not _STATUS_ID.fullmatch(status_id_from(q)):
            return "Enter a status URL (https://instance/@user/123…) or its id."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """Mastodon allows 300 requests per 5 minutes per account (and per IP for anonymous use).

        docs.joinmastodon.org, "Rate limits"; the X-RateLimit-* headers win at run time. A poll
        of an up-to-date source costs one request (an account source's first one, two).
        """
        return budget_interval(1, 300, 300)

    def client(self) -> Mastodon:
        """The Mastodon.py client: no version probe, no sleeping on rate limits, our timeout."""
        if self._api is None:
            self._api = WireMastodon(
                access_token=self.config.access_token,
                api_base_url=self.config.api_base_url,
                ratelimit_method="throw",
                request_timeout=self.config.timeout,
                version_check_mode="none",
                user_agent="social-crm/0.1 (social listening)",
                session=self._session,
            )
        return self._api

    def _record(self) -> None:
        api = self.client()
        reset = api.ratelimit_reset
        self.rate_limit = RateLimitInfo(
            remaining=float(api.ratelimit_remaining),
            limit=float(api.ratelimit_limit),
            reset_at=float(reset) if reset is not None else None,
        )

    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult:
        """Everything new since ``cursor``, at most about ``max_items``; never sleeps."""
        if kind not in self.source_kinds:
            raise Permanent(
                f"Mastodon cannot poll {kind!r} with these settings"
                + (" (set MASTODON_ACCESS_TOKEN)" if kind in ("search", "mentions") else "")
            )
        problem = self.validate_query(kind, query)
        if problem:
            raise Permanent(problem)
        query = self.normalize_query(kind, query)
        values: Mapping[str, Any] = cursor.values if cursor else {}
        now = self._clock()
        not_before = values.get("not_before")
        if isinstance(not_before, int | float) and now < not_before:
            raise RateLimited("Mastodon rate limit window not over yet", not_before - now)
        backfill = self.config.backfill_hours if backfill_hours is None else backfill_hours
        run = _Run(self, kind, query, values, floor=now - backfill * 3600)
        try:
            if kind == "thread":
                run.thread()
            elif kind == "search":
                run.backward()
            else:
                run.forward()
        except Exception as exc:  # noqa: BLE001 - every SDK error is translated, none swallowed
            err = translate(exc, self.client().ratelimit_reset, self._clock(), self._session.wire())
            if isinstance(err, RateLimited) and run.mentions:
                err.partial = run.result(exhausted=False)
            if err is exc:
                raise
            raise err from exc
        return run.result(exhausted=run.done)


class _Run:
    """One fetch: pages, mapped mentions, failures and the cursor after them."""

    def __init__(
        self, conn: MastodonConnector, kind: str, query: str, values: Mapping[str, Any],
        floor: float,
    ) -> None:  # fmt: skip
        self.conn, self.kind, self.query, self.values, self.floor = conn, kind, query, values, floor
        self.mentions: list[Mention] = []
        self.failures: list[tuple[str, Mapping[str, Any]]] = []
        self.min_id: str | None = values.get("min_id")
        self.account_id: str | None = values.get("account_id")
        self.seen: list[str] = list(values.get("seen") or [])
        self.max_id: str | None = values.get("max_id")
        self.pending: str | None = values.get("pending_newest")
        self.done = False
        self.rate_limited = False

    def _page(self, min_id: str | None, limit: int) -> list[Any]:
        api, q = self.conn.client(), self.query
        try:
            if self.kind == "hashtag":
                body = api.timeline_hashtag(q, min_id=min_id, limit=limit)
            elif self.kind == "search":
                found = api.search_v2(q, resolve=False, result_type="statuses", min_id=min_id,
                                      max_id=self.max_id, limit=limit, exclude_unreviewed=False)  # fmt: skip
                body = found.get("statuses") if isinstance(found, dict) else None
            elif self.kind == "mentions":
                body = api.notifications(types=["mention"], min_id=min_id, limit=limit)
            else:
                if self.account_id is None:
                    self.account_id = str(api.account_lookup(q)["id"])
                body = api.account_statuses(self.account_id, min_id=min_id, limit=limit)
        finally:
            self.conn._record()
        if not isinstance(body, list):
            raise Transient("Mastodon sent something that is not a list")
        return [item for item in body if self._item_ok(item)]

    def _item_ok(self, item: Any) -> bool:
        if isinstance(item, dict) and isinstance(item.get("id"), str | int):
            return True
        self.failures.append(("item is not an object with an id", {"item": item}))
        return False

    def forward(self) -> None:
        """Walk forward from the cursor with ``min_id`` (see the module docstring)."""
        limit = self.conn.config.page_limit
        first = self.min_id is None
        if first and self.kind != "mentions":
            self.min_id = snowflake_at(max(0.0, self.floor))
        while True:
            page = self._page(None if first and self.kind == "mentions" else self.min_id, limit)
            page_newest = newest_id(str(i.get("id")) for i in page if i.get("id") is not None)
            # Oldest first, so a run cut short below still delivers a gap-free prefix.
            for item in sorted(page, key=lambda i: id_key(str(i.get("id") or ""))):
                self._take(item)
            self.min_id = newest_id([self.min_id, page_newest])
            if first and self.kind == "mentions":
                self.done = True  # notifications: the newest page is the whole backfill
                return
            if not page or len(page) < limit:
                self.done = True
                return
            if len(self.mentions) + len(self.failures) >= self.conn.config.max_items:
                return
            if self.conn.rate_limit.exhausted:
                self.rate_limited = True
                return

    def backward(self) -> None:
        """Search: newest first down to the cursor with ``max_id`` (its hits come by id desc).

        Mastodon orders search hits newest first even with ``min_id``, so ``min_id`` is only
        the floor; a run stopped early keeps ``max_id`` and the walk's newest id to resume.
        """
        limit = self.conn.config.page_limit
        if self.min_id is None:
            self.min_id = snowflake_at(max(0.0, self.floor))
        while True:
            page = self._page(self.min_id, limit)
            ids = [str(i.get("id")) for i in page if i.get("id") is not None]
            for item in page:
                self._take(item)
            self.pending = newest_id([self.pending, *ids])
            if not page or len(page) < limit:
                self.done = True
                self.min_id = newest_id([self.min_id, self.pending])
                self.max_id = self.pending = None
                return
            self.max_id = min(ids, key=id_key)
            if len(self.mentions) + len(self.failures) >= self.conn.config.max_items:
                return
            if self.conn.rate_limit.exhausted:
                self.rate_limited = True
                return

    def _take(self, item: Mapping[str, Any]) -> None:
        status: Any = item
        kind: str | None = None
        if self.kind == "mentions":
            status, kind = item.get("status"), "mention"
            if not isinstance(status, Mapping):
                self.failures.append(("mention notification without a status", _plain(item)))
                return
        channel = f"#{self.query}" if self.kind == "hashtag" else None
        try:
            mention = map_status(status, self.conn.domain, kind=kind, channel=channel)
        except MappingError as exc:
            self.failures.append((str(exc), _plain(status)))
            return
        if mention.created_at.timestamp() < self.floor and self.values.get("min_id") is None:
            return  # before the backfill window (a first notifications poll)
        self.mentions.append(mention)

    def thread(self) -> None:
        """The status and its context; only replies not delivered before."""
        api = self.conn.client()
        status_id = status_id_from(self.query)
        try:
            root = api.status(status_id)
            context = api.status_context(status_id)
        finally:
            self.conn._record()
        if not isinstance(root, dict) or not isinstance(context, dict):
            raise Transient("Mastodon sent something that is not a status and its context")
        ancestors = list(context.get("ancestors") or [])
        items = [*ancestors, root, *list(context.get("descendants") or [])]
        top = str((ancestors[0] if ancestors else root).get("id"))
        seen = set(self.seen)
        for item in items:
            item_id = str(item.get("id"))
            if item_id in seen:
                continue
            try:
                mention = map_status(item, self.conn.domain, thread_id=top)
            except MappingError as exc:
                self.failures.append((str(exc), _plain(item)))
                continue
            seen.add(item_id)
            self.seen.append(item_id)
            self.mentions.append(mention)
        self.done = True

    def result(self, *, exhausted: bool) -> FetchResult:
        """The fetch so far, with the cursor that resumes after it."""
        values: dict[str, Any] = {}
        if self.kind == "thread":
            values["seen"] = self.seen[-5000:]
        else:
            values["min_id"] = self.min_id
        if self.max_id is not None:
            values.update(max_id=self.max_id, pending_newest=self.pending)
        if self.account_id is not None:
            values["account_id"] = self.account_id
        reset = self.conn.rate_limit.reset_at
        if self.rate_limited and reset is not None:
            values["not_before"] = reset
        return FetchResult(self.mentions, Cursor(values), self.failures, exhausted=exhausted)
