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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import mastodon as mastodon_sdk
import requests
from mastodon import Mastodon

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
from connectors.errors import AuthFailed, ConnectorError, Permanent, RateLimited, Transient
from connectors.html_text import html_to_text, profile_text
from connectors.http import RateLimitInfo

WINDOW_SECONDS = 300.0  # Mastodon's rate-limit window: 300 requests per 5 minutes per token/IP
PAGE_LIMIT = 40  # the maximum Mastodon allows for statuses (notifications allow 80)
SEARCH_MAX = 500
_TAG = re.compile(r"\w{1,100}")
_ACCT = re.compile(r"@?([A-Za-z0-9_]{1,30})(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?")
_STATUS_ID = re.compile(r"[0-9A-Za-z]{1,40}")
_URL_IN_FIELD = re.compile(r"https?://[^\s<>\"')\]]+")
# The wire fields kept in ``raw`` (as Reddit's connector keeps a list): the thread, the
# audience and the counts. The HTML content is not kept (its text is the mention's text, and
# raw rows are written on every ingest); account, emojis, filters and per-viewer flags neither.
_RAW_FIELDS = ("id", "uri", "url", "created_at", "edited_at", "in_reply_to_id",
               "in_reply_to_account_id", "visibility", "sensitive", "spoiler_text", "language",
               "replies_count", "reblogs_count", "favourites_count")  # fmt: skip


@dataclass(frozen=True, slots=True)
class MastodonConfig:
    """Everything the Mastodon connector needs; built from settings by the caller."""

    api_base_url: str
    access_token: str | None = None
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0
    page_limit: int = PAGE_LIMIT


class MappingError(ValueError):
    """A status that cannot become a Mention; the message is the reason."""


def _plain(value: Any) -> Any:
    """Mastodon.py's entities (dicts with datetimes) as JSON-safe values for ``raw``."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MappingError("invalid created_at") from None
    else:
        raise MappingError("missing created_at")
    if when.tzinfo is None:
        raise MappingError("created_at without a timezone")
    return when.astimezone(UTC)


def _id_key(item_id: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings of varying length; other servers use sortable strings.
    return (len(item_id), item_id) if item_id.isdigit() else (0, item_id)


def newest_id(ids: Iterable[str | None]) -> str | None:
    """The newest of some ids (None when there are none)."""
    present = [i for i in ids if i]
    return max(present, key=_id_key) if present else None


def full_acct(acct: str, domain: str) -> str:
    """``user@instance``: a local account's ``acct`` gets the instance's domain."""
    acct = acct.lstrip("@")
    return acct if "@" in acct else f"{acct}@{domain}"


def map_account(account: Mapping[str, Any], domain: str) -> tuple[Author, dict[str, Any]]:
    """An Author and the profile facts Author has no field for (bio, fields, counts)."""
    account_id = account.get("id")
    acct = account.get("acct") or account.get("username")
    if account_id is None or not isinstance(acct, str) or not acct:
        raise MappingError("status without a usable account")
    handle = full_acct(acct, domain)
    followers = account.get("followers_count")
    name = account.get("display_name")
    raw_fields = account.get("fields")
    fields: list[Any] = raw_fields if isinstance(raw_fields, list) else []
    bio = profile_text(account.get("note") or "") if isinstance(account.get("note"), str) else ""
    values = [profile_text(f.get("value") if isinstance(f.get("value"), str) else "") for f in fields if isinstance(f, dict)]
    profile = {
        "bio": bio,
        "fields": [
            {"name": f.get("name"), "value": v, "verified": bool(f.get("verified_at"))}
            for f, v in zip((f for f in fields if isinstance(f, dict)), values, strict=True)
        ],
        "url": account.get("url"),
        "bot": bool(account.get("bot")),
        "following": account.get("following_count"),
        "statuses": account.get("statuses_count"),
    }  # fmt: skip
    # Identity matching reads the bio and the links of the profile's fields (a person's other
    # accounts, their site): Mastodon has no website field, its fields are where links go.
    links = tuple(dict.fromkeys(u for v in values for u in _URL_IN_FIELD.findall(v)))[:20]
    author = Author(
        id=str(account_id),
        handle=handle,
        display_name=name if isinstance(name, str) and name else handle.partition("@")[0],
        profile_url=account.get("url") or None,
        avatar_url=account.get("avatar") or None,
        followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else None,
        bio=bio or None,
        links=links,
    )
    return author, profile


def map_status(
    status: Mapping[str, Any], domain: str, *, kind: str | None = None,
    channel: str | None = None, thread_id: str | None = None,
) -> Mention:
    """Map one Status entity (a boost maps to its original) to a Mention."""
    boost = status.get("reblog")
    booster = status.get("account") if boost else None
    if isinstance(boost, Mapping):
        status = boost
    status_id = status.get("id")
    if status_id is None or not str(status_id):
        raise MappingError("missing id")
    status_id = str(status_id)
    created_at = _when(status.get("created_at"))
    account = status.get("account")
    if not isinstance(account, Mapping):
        raise MappingError("status without a usable account")
    author, profile = map_account(account, domain)
    content = status.get("content")
    if not isinstance(content, str):
        raise MappingError("missing content")
    mentions = {
        m["url"]: full_acct(m.get("acct") or m.get("username") or "", domain)
        for m in status.get("mentions") or () if isinstance(m, Mapping) and m.get("url")
    }
    text = html_to_text(content, mentions)
    spoiler = status.get("spoiler_text") or ""
    parent = status.get("in_reply_to_id")
    raw: dict[str, Any] = {k: status[k] for k in _RAW_FIELDS if k in status}
    raw["mentions"] = sorted(mentions.values())
    raw["tags"] = [t.get("name") for t in status.get("tags") or () if isinstance(t, Mapping)]
    media = [m for m in status.get("media_attachments") or () if isinstance(m, Mapping)]
    if media:
        raw["media"] = [{"type": m.get("type"), "url": m.get("url"), "description": m.get("description")}
                        for m in media]  # fmt: skip
    raw["account"] = {"id": author.id, "acct": author.handle, "profile": profile}
    if booster is not None:
        raw["boosted_by"] = full_acct(str(booster.get("acct") or ""), domain)
    if not text and status.get("media_attachments"):
        # A picture post: its descriptions are the words it has.
        alts = [m.get("description") for m in status["media_attachments"] if isinstance(m, Mapping)]
        text = "\n".join(a for a in alts if isinstance(a, str) and a)
    language = status.get("language")
    return Mention(
        platform="mastodon",
        external_id=status_id,
        author=author,
        created_at=created_at,
        text=text,
        kind=kind or ("reply" if parent else "post"),
        title=spoiler if isinstance(spoiler, str) and spoiler else None,
        url=status.get("url") or status.get("uri") or None,
        parent_id=str(parent) if parent else None,
        thread_id=thread_id or (None if parent else status_id),
        language=language if isinstance(language, str) and language else None,
        channel=channel,
        raw=raw,
    )


class _WireSession(requests.Session):
    """Keeps the last response, for the error bodies Mastodon.py drops."""

    last: requests.Response | None = None

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send and remember the response."""
        self.last = None
        self.last = super().request(*args, **kwargs)
        return self.last

    def wire(self) -> Any:
        """The last response's JSON body (None when there is none or it is not JSON)."""
        try:
            return self.last.json() if self.last is not None else None
        except ValueError:
            return None


class _Page(dict[str, Any]):
    """A JSON object whose keys Mastodon.py's paging code can also read as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _WireMastodon(Mastodon):
    """Mastodon.py with its responses left as parsed JSON.

    Mastodon.py casts every response into typed entities (about 1 ms per status, most of a
    poll's time) that add fields the server never sent and turn ids into ints; we map the wire
    JSON ourselves. Overriding its (name-mangled) cast hook changes nothing else: pagination,
    rate-limit headers and errors stay Mastodon.py's. Should a release rename the hook, the
    typed entities are still dicts and everything works, only slower.
    """

    def _Mastodon__try_cast_to_type(self, value: Any, override_type: Any = None) -> tuple[Any, None]:
        return (_Page(value) if isinstance(value, dict) else value), None


def translate(
    exc: Exception, reset_at: float | None, now: float, body: Any = None
) -> ConnectorError:
    """Turn a Mastodon.py exception (and the error body it came with) into one of ours."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, mastodon_sdk.MastodonRatelimitError):
        wait = reset_at - now if reset_at is not None and reset_at > now else WINDOW_SECONDS
        return RateLimited("Mastodon rate limit reached", max(1.0, wait))
    if isinstance(exc, mastodon_sdk.MastodonNetworkError):
        return Transient(f"Could not reach the Mastodon instance: {exc.__class__.__name__}")
    if isinstance(exc, mastodon_sdk.MastodonAPIError):
        args = exc.args
        status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        detail = args[3] if len(args) > 3 and args[3] else ""
        if not detail and isinstance(body, dict) and isinstance(body.get("error"), str):
            detail = body["error"]
        said = f": {detail}" if detail else ""
        if status is None:
            return Transient("Mastodon sent a response that is not valid JSON")
        if status == 401:
            return AuthFailed(f"Mastodon rejected the access token (401){said}")
        if status == 403:
            low = str(detail).lower()
            if any(w in low for w in ("token", "scope", "authenticat", "login")):
                return AuthFailed(f"Mastodon refused the access token (403){said}")
            return Permanent(f"Mastodon does not allow this (403){said}")
        if status == 404:
            return Permanent(f"Mastodon says it does not exist (404){said}")
        if status == 410:
            return Permanent(f"Deleted on Mastodon (410){said}")
        if status == 422:
            return Permanent(f"Mastodon rejected the request (422){said}")
        if status == 429:
            return RateLimited("Mastodon rate limit reached", WINDOW_SECONDS)
        if status >= 500 or status == 408:
            return Transient(f"The Mastodon instance answered {status}")
        return Permanent(f"Mastodon answered {status}{said}")
    if isinstance(exc, mastodon_sdk.MastodonError):
        return Permanent(f"Mastodon client error: {exc}")
    return Transient(f"Unexpected Mastodon error: {exc.__class__.__name__}")


def snowflake_at(when: float) -> str:
    """The smallest Mastodon status id of a Unix time (ids are milliseconds << 16)."""
    return str(int(when * 1000) << 16)


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
        self._session = _WireSession()

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
            self._api = _WireMastodon(
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
            for item in sorted(page, key=lambda i: _id_key(str(i.get("id") or ""))):
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
            self.max_id = min(ids, key=_id_key)
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
