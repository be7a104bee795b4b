"""Hacker News through the Algolia HN Search API: stories and comments matching a query, by date.

``GET {HN_API_URL}/api/v1/search_by_date?query=..&tags=(story,comment)&numericFilters=..``
answers ``{"hits": [...], "nbHits", "page", "nbPages", "hitsPerPage", ...}``, newest first.
A walk narrows ``created_at_i<=until`` to the oldest second of the previous page instead of
paging with ``page=`` (Algolia stops paging after 1,000 hits, and pages shift while new items
arrive). Where delivery stands is a ``Watermark`` with an overlap for the index's lag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import (
    Author,
    ConnectorBase,
    Cursor,
    FetchResult,
    Mention,
    Setting,
    budget_interval,
    value,
)
from connectors.errors import ConnectorError, Permanent, RateLimited, Transient, error_for_status
from connectors.html_text import html_to_text
from connectors.http import header_float
from connectors.watermark import Watermark

API_URL = "https://hn.algolia.com"
ITEM_URL = "https://news.ycombinator.com/item?id="
USER_URL = "https://news.ycombinator.com/user?id="
QUERY_MAX = 512  # Algolia refuses queries above 512 bytes
HITS_PER_PAGE = 100
OVERLAP_SECONDS = 600.0  # new items reach the index within a minute or two; ten to be safe


@dataclass(frozen=True, slots=True)
class HackerNewsConfig:
    """Everything the HN connector needs."""

    api_url: str = API_URL
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0
    user_agent: str = "social-crm/0.1 (self-hosted)"


class MappingError(ValueError):
    """A hit that cannot become a Mention; the message is the reason."""


class Deleted(Exception):
    """A deleted or dead item: nothing to deliver, and nothing went wrong."""


def _text(value: object) -> str:
    return html_to_text(value) if isinstance(value, str) else ""


def map_hit(hit: Mapping[str, Any]) -> Mention:
    """One Algolia hit (story or comment) as a Mention; raises Deleted or MappingError."""
    object_id = hit.get("objectID")
    if not isinstance(object_id, str) or not object_id.isdigit():
        raise MappingError("missing or invalid objectID")
    raw_tags = hit.get("_tags")
    tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
    author = hit.get("author")
    is_comment = "comment" in tags or hit.get("comment_text") is not None
    body = hit.get("comment_text") if is_comment else hit.get("story_text")
    title = hit.get("title") if isinstance(hit.get("title"), str) else None
    if not isinstance(author, str) or not author:
        if not body and not title:
            raise Deleted(object_id)
        raise MappingError("missing author")
    ts = hit.get("created_at_i")
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        created = datetime.fromtimestamp(ts, tz=UTC)
    else:
        created_s = hit.get("created_at")
        try:
            created = datetime.fromisoformat(str(created_s).replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            raise MappingError("missing or invalid created_at") from None
    text = _text(body)
    if is_comment:
        if not text:
            raise Deleted(object_id)
        parent, story = hit.get("parent_id"), hit.get("story_id")
        return Mention(
            platform="hackernews", external_id=object_id,
            author=Author(id=author, handle=author, profile_url=USER_URL + author),
            created_at=created, text=text, kind="comment", title=None, url=ITEM_URL + object_id,
            parent_id=str(parent) if parent is not None else None,
            thread_id=str(story) if story is not None else None,
            channel="Hacker News", raw=dict(hit),
        )
    if not title and not text:
        raise Deleted(object_id)
    return Mention(
        platform="hackernews", external_id=object_id,
        author=Author(id=author, handle=author, profile_url=USER_URL + author),
        created_at=created, text=text, kind="post", title=title, url=ITEM_URL + object_id,
        thread_id=object_id, channel="Hacker News", raw=dict(hit),
    )


def _ts(hit: Mapping[str, Any]) -> float | None:
    ts = hit.get("created_at_i")
    return float(ts) if isinstance(ts, int | float) and not isinstance(ts, bool) else None


class HackerNewsConnector(ConnectorBase):
    """Hacker News search by date (Algolia); needs no credentials."""

    platform = "hackernews"
    label = "Hacker News"
    source_kinds: tuple[str, ...] = ("search",)
    kind_labels = {"search": "Search for a keyword or brand"}
    settings = (Setting("HN_API_URL", default=API_URL, type="url", help="Algolia HN Search API"),)

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """Words to search for, at most 512 bytes."""
        if kind not in cls.source_kinds:
            return f"Hacker News sources can be: {', '.join(cls.source_kinds)}."
        q = query.strip()
        if not q:
            return "Enter words to search for."
        if len(q.encode()) > QUERY_MAX:
            return f"Search queries may be at most {QUERY_MAX} bytes."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """The HN Search API allows 10,000 requests per hour per IP (hn.algolia.com/api)."""
        return budget_interval(1, 10_000, 3600)

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> HackerNewsConnector:
        """A connector from environment-style values."""
        v = {s.name: value(values, s) for s in cls.settings}
        return cls(HackerNewsConfig(api_url=v["HN_API_URL"] or API_URL))

    def __init__(self, config: HackerNewsConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._session = requests.Session()
        self._session.headers["User-Agent"] = config.user_agent

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self.config.api_url.rstrip("/") + "/api/v1/search_by_date"
        try:
            resp = self._session.get(url, params=params, timeout=self.config.timeout)
        except requests.Timeout:
            raise Transient("Hacker News search did not answer in time") from None
        except requests.RequestException as exc:
            raise Transient(f"Could not reach Hacker News search: {exc.__class__.__name__}") from None
        if resp.status_code != 200:
            message = f"Hacker News search answered {resp.status_code}"
            try:
                detail = resp.json().get("message")
            except ValueError:
                detail = None
            if isinstance(detail, str) and detail:
                message += f": {detail[:200]}"
            retry = header_float(resp.headers, "Retry-After") or 60.0
            raise error_for_status(resp.status_code, message, retry)
        try:
            page = resp.json()
        except ValueError:
            raise Transient("Hacker News search sent a response that is not valid JSON") from None
        if not isinstance(page, dict) or not isinstance(page.get("hits"), list):
            raise Transient("Hacker News search sent a response without a list of hits")
        return page

    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult:
        """Everything new since ``cursor``, at most about ``max_items``; never sleeps."""
        problem = self.validate_query(kind, query)
        if problem:
            raise Permanent(problem)
        values: Mapping[str, Any] = cursor.values if cursor else {}
        now = self._clock()
        hours = self.config.backfill_hours if backfill_hours is None else backfill_hours
        floor = values.get("floor") if isinstance(values.get("floor"), int | float) else now - hours * 3600
        mark = Watermark.load(values, OVERLAP_SECONDS, floor)
        until = values.get("until") if isinstance(values.get("until"), int) else None
        mentions: list[Mention] = []
        failures: list[tuple[str, Mapping[str, Any]]] = []
        page_no = 0
        done = False

        def state() -> dict[str, Any]:
            out = mark.values(walk_done=done)
            if not done:
                out["until"] = until
            return out

        try:
            while True:
                filters = []
                bound = mark.lower_bound
                if bound is not None:
                    filters.append(f"created_at_i>={int(bound)}")
                if until is not None:
                    filters.append(f"created_at_i<={until}")
                params: dict[str, Any] = {"query": query.strip(), "tags": "(story,comment)",
                                          "hitsPerPage": HITS_PER_PAGE, "page": page_no}
                if filters:
                    params["numericFilters"] = ",".join(filters)
                page = self._get(params)
                hits = page["hits"]
                oldest: float | None = None
                for hit in hits:
                    if not isinstance(hit, dict):
                        failures.append(("hit is not an object", {"item": hit}))
                        continue
                    ts = _ts(hit)
                    item_id = str(hit.get("objectID"))
                    if ts is not None:
                        oldest = ts if oldest is None else min(oldest, ts)
                        if not mark.wants(item_id, ts):
                            continue
                        mark.seen(ts)
                    try:
                        mentions.append(map_hit(hit))
                    except Deleted:
                        pass
                    except MappingError as exc:
                        failures.append((str(exc), dict(hit)))
                    if ts is not None:
                        mark.delivered(item_id, ts)
                if len(hits) < HITS_PER_PAGE or oldest is None:
                    done = True
                    break
                # Narrow to the oldest second seen; if a whole page shared it, page within it.
                if until is not None and int(oldest) == until:
                    page_no += 1
                else:
                    until, page_no = int(oldest), 0
                if len(mentions) + len(failures) >= self.config.max_items:
                    break
        except RateLimited as exc:
            if mentions:
                exc.partial = FetchResult(mentions, Cursor(state()), failures, exhausted=False)
            raise
        except ConnectorError:
            raise
        return FetchResult(mentions, Cursor(state()), failures, exhausted=done)
