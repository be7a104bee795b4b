"""RSS and Atom feeds via feedparser: any feed URL, conditional GET, stable ids, broken feeds.

We fetch with requests (an explicit timeout; feedparser's own fetcher has none) and hand the
bytes and the HTTP headers to ``feedparser.parse``, so the charset of the Content-Type header
and of the XML declaration are honoured exactly as feedparser does. A feed that is not
well-formed comes back with ``bozo`` set and whatever entries feedparser could recover: those
are kept (their ``raw["feed_problem"]`` says what was wrong); only a document with no feed in
it at all is an error.

Cursor: ``{"etag", "modified"}`` from the last 200 (sent back as If-None-Match /
If-Modified-Since; a 304 means nothing new and costs no parsing), ``"body"``: a hash of the
last document (a server without validators that sends the same bytes is not parsed again), and
``"seen"``: the ids of
the entries delivered, newest first, bounded. A feed is a sliding window of recent entries, so
"new" is "not seen before", whatever the dates say. The first poll delivers the entries of the
backfill window (undated entries count as new). A run cut short by ``max_items`` drops the
validators so the next poll fetches the whole document again and delivers the rest.

Ids: the entry's ``id`` (guid / atom:id), else its link, else a hash of title and content.
An id that is not globally unique (a bare ``guid`` such as "42") is prefixed with the feed URL,
because ``(platform, external_id)`` is unique across all feeds.
"""

from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import feedparser
import requests

from connectors.base import Author, ConnectorBase, Cursor, FetchResult, Mention, Setting, value
from connectors.errors import Permanent, RateLimited, Transient
from connectors.html_text import html_to_text
from connectors.http import header_float

DEFAULT_USER_AGENT = "social-crm/0.1 (feed reader; +https://github.com/)"
SEEN_MAX = 2000  # ids remembered per feed: far more than any feed document holds
MIN_INTERVAL = 300  # see RSSConnector.min_interval_seconds
URL_MAX = 1000  # sources.query holds 1000 characters


@dataclass(frozen=True, slots=True)
class RSSConfig:
    """Everything the feed connector needs."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 15.0
    max_items: int = 1000
    backfill_hours: float = 24.0
    max_bytes: int = 20_000_000


class MappingError(ValueError):
    """An entry that cannot become a Mention; the message is the reason."""


ID_MAX = 255  # what the CRM stores for external ids


def bounded(key: str) -> str:
    """``key`` itself, or a hash of it when it is too long to store as an id."""
    if len(key) <= ID_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _global(entry_id: str) -> bool:
    return "://" in entry_id or entry_id.startswith(("urn:", "tag:"))


def entry_id(entry: Mapping[str, Any], feed_url: str) -> tuple[str, str]:
    """(stable external id, where it came from: "id", "link" or "hash")."""
    for key in ("id", "link"):
        found = entry.get(key)
        if isinstance(found, str) and found.strip():
            found = found.strip()
            return bounded(found if _global(found) else f"{feed_url}#{found}"), key
    content = entry.get("content")
    body = content[0].get("value", "") if isinstance(content, list) and content else ""
    digest = hashlib.sha256(
        "\x1f".join([entry.get("title") or "", entry.get("summary") or "", body]).encode()
    ).hexdigest()
    return bounded(f"{feed_url}#sha256:{digest[:32]}"), "hash"


def _when(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
        parsed = _own(entry, key)
        if isinstance(parsed, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return None


def _own(entry: Mapping[str, Any], key: str) -> Any:
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _lang(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip().split("-")[0].split("_")[0].lower()[:8] or None
    return None


def map_entry(
    entry: Mapping[str, Any], feed: Mapping[str, Any], feed_url: str, fetched_at: datetime,
    problem: str | None = None,
) -> Mention:  # fmt: skip
    """Map one feedparser entry to a Mention."""
    external_id, id_source = entry_id(entry, feed_url)
    title = html_to_text(entry.get("title") or "") or None
    content = entry.get("content")
    html = entry.get("summary") or ""
    if not html and isinstance(content, list) and content:
        html = content[0].get("value") or ""
    detail_of = entry.get("summary_detail")
    if not isinstance(detail_of, Mapping):
        detail_of = content[0] if isinstance(content, list) and content else {}
    base = detail_of.get("base") if isinstance(detail_of, Mapping) else None
    text = html_to_text(html, base=base or feed.get("link") or feed_url)
    if not text and not title:
        raise MappingError("entry without title or text")
    created = _when(entry)
    feed_title = html_to_text(feed.get("title") or "") or urlparse(feed_url).hostname or feed_url
    feed_link = feed.get("link") if isinstance(feed.get("link"), str) else None
    found = entry.get("author_detail")
    detail: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    name = (detail.get("name") or entry.get("author") or "").strip()
    if name:
        author = Author(id=bounded(f"{feed_url}#author={name}"), handle=name, display_name=name,
                        profile_url=detail.get("href") or feed_link)  # fmt: skip
    else:
        author = Author(id=bounded(feed_url), handle=urlparse(feed_link or feed_url).hostname or feed_url,
                        display_name=feed_title, profile_url=feed_link)  # fmt: skip
    raw: dict[str, Any] = {
        "feed_url": feed_url, "id": entry.get("id"), "id_source": id_source,
        "link": entry.get("link"), "title": entry.get("title"),
        "published": entry.get("published"), "updated": _own(entry, "updated"),
        "author": name or None, "tags": [t.get("term") for t in entry.get("tags") or () if t.get("term")],
    }  # fmt: skip
    if created is None:
        raw["date_missing"] = True  # dated by when we first saw it
    if problem:
        raw["feed_problem"] = problem
    link = entry.get("link")
    return Mention(
        platform="rss",
        external_id=external_id,
        author=author,
        created_at=created or fetched_at,
        text=text,
        kind="post",
        title=title,
        url=link if isinstance(link, str) and link.startswith(("http://", "https://")) else None,
        thread_id=external_id,
        language=_lang(entry.get("language")) or _lang(feed.get("language")),
        channel=feed_title,
        raw=raw,
    )


class RSSConnector(ConnectorBase):
    """Feeds through requests + feedparser. Always enabled: feeds need no credentials."""

    platform = "rss"
    label = "RSS / Atom"
    source_kinds: tuple[str, ...] = ("feed",)
    kind_labels = {"feed": "RSS or Atom feed (blog, forum, news alert)"}
    settings = (
        Setting("RSS_USER_AGENT", default=DEFAULT_USER_AGENT,
                help="sent to feed servers; some refuse generic clients"),
        Setting("RSS_TIMEOUT", default="15", type="float", help="seconds to wait for a feed"),
    )  # fmt: skip

    def __init__(
        self, config: RSSConfig | None = None, *, session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.config = config or RSSConfig()
        self._session = session or requests.Session()
        self._clock = clock

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> RSSConnector:
        """A connector from environment-style values."""
        v = {s.name: value(values, s) for s in cls.settings}
        return cls(RSSConfig(user_agent=v["RSS_USER_AGENT"] or DEFAULT_USER_AGENT,
                             timeout=float(v["RSS_TIMEOUT"] or 15)))  # fmt: skip

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """An http(s) URL of a feed."""
        if kind not in cls.source_kinds:
            return f"rss sources can be: {', '.join(cls.source_kinds)}."
        q = query.strip()
        parsed = urlparse(q)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or " " in q:
            return "Enter the feed's URL, starting with https:// or http://."
        if len(q) > URL_MAX:
            return f"Feed URLs may be at most {URL_MAX} characters."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """Five minutes: feeds publish no rate limit, and most update hourly at best.

        The RSS Advisory Board's ``ttl`` and common reader defaults (30-60 minutes) are far
        slower; conditional GET makes an unchanged feed one 304. Faster polling only gets a
        reader blocked by small sites.
        """
        return MIN_INTERVAL

    def _get(self, url: str, values: Mapping[str, Any]) -> requests.Response:
        headers = {"User-Agent": self.config.user_agent,
                   "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"}  # fmt: skip
        if values.get("etag"):
            headers["If-None-Match"] = values["etag"]
        if values.get("modified"):
            headers["If-Modified-Since"] = values["modified"]
        try:
            response = self._session.get(url, headers=headers, timeout=self.config.timeout, stream=True)
            body = response.raw.read(self.config.max_bytes + 1, decode_content=True)
            response.close()
        except requests.Timeout as exc:
            raise Transient(f"The feed did not answer within {self.config.timeout:g} s") from exc
        except (requests.RequestException, OSError) as exc:
            raise Transient(f"Could not reach the feed: {exc.__class__.__name__}") from exc
        if len(body) > self.config.max_bytes:
            raise Permanent(f"The feed is larger than {self.config.max_bytes // 1_000_000} MB")
        response._content = body  # keep the bounded read
        return response

    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult:
        """The entries not delivered before; a 304 is an empty result with the same cursor."""
        problem = self.validate_query(kind, query)
        if problem:
            raise Permanent(problem)
        url = query.strip()
        values: Mapping[str, Any] = cursor.values if cursor else {}
        response = self._get(url, values)
        status = response.status_code
        if status == 304:
            return FetchResult([], Cursor(dict(values)))
        _raise_for(status, response)
        digest = hashlib.sha256(response.content).hexdigest()[:32]
        if values.get("body") == digest:
            # Byte for byte the document of the last poll (a server without validators).
            return FetchResult([], Cursor(dict(values)))
        # feedparser's own HTML sanitizing and link resolving are off: summaries only ever
        # become text (html_to_text, which resolves relative links itself), never markup.
        parsed = feedparser.parse(
            response.content,
            response_headers={k.lower(): v for k, v in response.headers.items()},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        feed, entries = parsed.get("feed") or {}, parsed.get("entries") or []
        bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if not entries and not parsed.get("version"):
            detail = f": {bozo}" if bozo else ""
            raise Permanent(f"This URL does not serve an RSS or Atom feed{detail}")
        problem = f"{type(bozo).__name__}: {bozo}" if bozo else None
        return self._new_entries(url, feed, entries, values, (response, digest), problem, backfill_hours)

    def _new_entries(
        self, url: str, feed: Mapping[str, Any], entries: list[Any], values: Mapping[str, Any],
        document: tuple[requests.Response, str], problem: str | None, backfill_hours: float | None,
    ) -> FetchResult:  # fmt: skip
        now = self._clock()
        fetched_at = datetime.fromtimestamp(now, tz=UTC)
        seen: list[str] = list(values.get("seen") or [])
        seen_set = set(seen)
        first = "seen" not in values
        backfill = self.config.backfill_hours if backfill_hours is None else backfill_hours
        floor = now - backfill * 3600
        mentions: list[Mention] = []
        failures: list[tuple[str, Mapping[str, Any]]] = []
        fresh: list[str] = []
        # Feeds list newest first; deliver oldest first so a cut run keeps the newest for later.
        for entry in reversed(entries):
            ext, _ = entry_id(entry, url)
            if ext in seen_set or ext in fresh:
                continue
            if len(mentions) + len(failures) >= self.config.max_items:
                return self._result(mentions, failures, fresh, seen, document, exhausted=False)
            fresh.append(ext)
            try:
                mention = map_entry(entry, feed, url, fetched_at, problem)
            except MappingError as exc:
                failures.append((str(exc), _plain_entry(entry)))
                continue
            if first and "date_missing" not in mention.raw and mention.created_at.timestamp() < floor:
                continue  # before the backfill window: remembered as seen, not delivered
            mentions.append(mention)
        return self._result(mentions, failures, fresh, seen, document, exhausted=True)

    @staticmethod
    def _result(
        mentions: list[Mention], failures: list[tuple[str, Mapping[str, Any]]], fresh: list[str],
        seen: list[str], document: tuple[requests.Response, str], *, exhausted: bool,
    ) -> FetchResult:  # fmt: skip
        response, digest = document
        cursor: dict[str, Any] = {"seen": (list(reversed(fresh)) + seen)[:SEEN_MAX]}
        if exhausted:
            cursor["body"] = digest
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            if etag:
                cursor["etag"] = etag
            if modified:
                cursor["modified"] = modified
        return FetchResult(mentions, Cursor(cursor), failures, exhausted=exhausted)


def _raise_for(status: int, response: requests.Response) -> None:
    if status < 400:
        return
    if status == 429 or status == 503 and response.headers.get("Retry-After"):
        retry = header_float(response.headers, "Retry-After")
        if status == 429:
            raise RateLimited("The feed server asks us to slow down (429)", retry or 3600.0)
        raise Transient(f"The feed server is unavailable (503), retry after {retry or 0:g} s")
    if status in (401, 403):
        # A feed behind a login: there are no credentials to fix, so this is no AuthFailed
        # (which would read "credentials were refused" and disable the source).
        raise Permanent(f"The feed server refused access ({status}); the feed may need a login")
    if status in (404, 410):
        raise Permanent(f"The feed is gone ({status})")
    if status >= 500 or status == 408:
        raise Transient(f"The feed server answered {status}")
    raise Permanent(f"The feed server answered {status}")


def _plain_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("id", "link", "title", "summary", "published", "updated", "author")
    return {k: _own(entry, k) for k in keep if isinstance(_own(entry, k), str)}
