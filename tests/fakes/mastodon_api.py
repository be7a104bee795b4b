"""A fake Mastodon instance: the REST endpoints the connector reads, in Mastodon's wire format.

Entities follow docs.joinmastodon.org (Status, Account, Notification, Context, Search): ids
are Snowflake strings (milliseconds << 16), ``created_at`` is ``2026-12-07T18:03:27.123Z``,
``content`` is Mastodon's HTML (``h-card`` mentions, ``hashtag`` links, links shortened with
``invisible``/``ellipsis`` spans). Lists come newest first and carry a ``Link`` header
(``<...?max_id=OLDEST>; rel="next", <...?min_id=NEWEST>; rel="prev"``); ``max_id``,
``since_id`` and ``min_id`` behave as Mastodon's Paginable (``min_id`` returns the items just
newer than it; search hits stay newest first). Every response has ``X-RateLimit-Limit``,
``-Remaining`` and ``-Reset`` (an ISO 8601 time), errors are ``{"error": "..."}``, a deleted
status answers 410 and an unknown one 404.
"""

from __future__ import annotations

import bisect
import html
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fakes.server import FakeServer, Fault, Reply, Request
from fakes.texts import DISPLAY_NAMES, NAMES, sentence

INSTANCE = "social.example"


def iso_ms(ts: float) -> str:
    """Mastodon's timestamp format with milliseconds."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


@dataclass
class MastodonData:
    """An in-memory instance: accounts, statuses (local and federated), our notifications."""

    domain: str = INSTANCE
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    me: str | None = None  # our account id (the token's owner)
    clock: float = field(default_factory=lambda: time.time() - 3600)
    seq: int = 0
    next_notification: int = 34975000

    def _snowflake(self, ts: float) -> str:
        self.seq = (self.seq + 1) % 65536
        return str((int(ts * 1000) << 16) | self.seq)

    def tick(self, seconds: float = 7.0) -> float:
        self.clock += seconds
        return self.clock

    def add_account(
        self, username: str, *, domain: str | None = None, display_name: str = "",
        note: str = "<p>Hallo 👋</p>", followers: int = 42, fields: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """An Account entity; ``domain`` None means local (acct without a domain)."""
        host = domain or self.domain
        account_id = str(100000 + len(self.accounts))
        account = {
            "id": account_id, "username": username,
            "acct": username if domain is None else f"{username}@{domain}",
            "display_name": display_name, "locked": False, "bot": False, "discoverable": True,
            "indexable": True, "group": False, "created_at": "2022-11-05T00:00:00.000Z",
            "note": note, "url": f"https://{host}/@{username}", "uri": f"https://{host}/users/{username}",
            "avatar": f"https://files.{host}/accounts/avatars/{account_id}.png",
            "avatar_static": f"https://files.{host}/accounts/avatars/{account_id}.png",
            "header": "", "header_static": "", "followers_count": followers, "following_count": 10,
            "statuses_count": 0, "last_status_at": "2026-12-01", "hide_collections": False,
            "noindex": False, "emojis": [], "roles": [], "fields": fields or [],
        }  # fmt: skip
        self.accounts[account_id] = account
        return account

    def add_status(
        self, account: dict[str, Any], text: str, *, tags: tuple[str, ...] = (),
        mentions: tuple[dict[str, Any], ...] = (), link: str | None = None,
        reply_to: dict[str, Any] | None = None, spoiler: str = "", visibility: str = "public",
        language: str | None = "de", created: float | None = None, reblog: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A Status entity with Mastodon-rendered HTML content."""
        ts = created if created is not None else self.tick()
        status_id = self._snowflake(ts)
        host = account["url"].split("/")[2]
        parts = [html.escape(text)]
        for m in mentions:
            parts.insert(0, f'<span class="h-card" translate="no"><a href="{m["url"]}" class="u-url mention">'
                            f'@<span>{html.escape(m["username"])}</span></a></span>')  # fmt: skip
        if link:
            scheme, rest = link.split("://", 1)
            parts.append(f'<a href="{html.escape(link)}" target="_blank" rel="nofollow noopener">'
                         f'<span class="invisible">{scheme}://</span><span class="ellipsis">{html.escape(rest[:20])}'
                         f'</span><span class="invisible">{html.escape(rest[20:])}</span></a>')  # fmt: skip
        for t in tags:
            parts.append(f'<a href="https://{self.domain}/tags/{quote(t.lower())}" class="mention hashtag" '
                         f'rel="tag">#<span>{html.escape(t)}</span></a>')  # fmt: skip
        status = {
            "id": status_id, "created_at": iso_ms(ts),
            "in_reply_to_id": reply_to["id"] if reply_to else None,
            "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None,
            "sensitive": bool(spoiler), "spoiler_text": spoiler, "visibility": visibility,
            "language": language, "uri": f"https://{host}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{host}/@{account['username']}/{status_id}", "replies_count": 0,
            "reblogs_count": 0, "favourites_count": 3, "edited_at": None, "favourited": False,
            "reblogged": False, "muted": False, "bookmarked": False,
            "content": "" if reblog else f"<p>{' '.join(parts)}</p>", "filtered": [], "reblog": reblog,
            "application": {"name": "Web", "website": None}, "account": account,
            "media_attachments": [],
            "mentions": [{"id": m["id"], "username": m["username"], "url": m["url"], "acct": m["acct"]}
                         for m in mentions],
            "tags": [{"name": t.lower(), "url": f"https://{self.domain}/tags/{quote(t.lower())}"} for t in tags],
            "emojis": [], "card": None, "poll": None,
        }  # fmt: skip
        if reply_to:
            reply_to["replies_count"] += 1
        self.statuses[status_id] = status
        return status

    def mention_me(self, status: dict[str, Any]) -> dict[str, Any]:
        """A Notification of type mention for our account."""
        self.next_notification += 1
        note = {"id": str(self.next_notification), "type": "mention", "group_key": f"ungrouped-{self.next_notification}",
                "created_at": status["created_at"], "account": status["account"], "status": status}  # fmt: skip
        self.notifications.append(note)
        return note


def generate(seed: int = 7, statuses: int = 120) -> MastodonData:
    """A small instance with local and remote accounts, tagged posts, replies and mentions."""
    rng = random.Random(seed)
    data = MastodonData()
    me = data.add_account("nimbus_team", display_name="Nimbus Team")
    data.me = me["id"]
    people = [
        data.add_account(name, domain=None if i % 3 == 0 else "chaos.social", display_name=DISPLAY_NAMES[i])
        for i, name in enumerate(NAMES)
    ]
    for i in range(statuses):
        who = rng.choice(people)
        tags = ("NimbusSync",) if i % 2 == 0 else ("Fediverse",)
        mentions = (me,) if i % 5 == 0 else ()
        parents = [s for s in data.statuses.values() if not s["reblog"]]
        reply_to = rng.choice(parents) if parents and i % 4 == 3 else None
        status = data.add_status(who, sentence(rng), tags=tags, mentions=mentions, reply_to=reply_to)
        if mentions:
            data.mention_me(status)
    return data


class FakeMastodon(FakeServer):
    """Serves ``MastodonData`` like a Mastodon 4.3 instance."""

    def __init__(self, data: MastodonData | None = None, *, token: str = "test-token") -> None:
        super().__init__()
        self.data = data or MastodonData()
        self.token = token
        self.limit = 300
        self.remaining = 300
        self.reset_in = 240.0
        self.posted: list[dict[str, Any]] = []
        self.idempotent: dict[str, dict[str, Any]] = {}
        self.max_characters = 500
        # Selecting and sorting per request would make the fake the bench's bottleneck.
        self._cache: dict[Any, tuple[list[dict[str, Any]], list[int]]] = {}

    def counter_for(self, method: str, path: str) -> str:
        """Mastodon.py reads the instance once per client; API requests are numbered apart."""
        return "instance" if path.rstrip("/") in ("/api/v1/instance", "/api/v2/instance") else "api"

    def _rate_headers(self) -> dict[str, str]:
        reset = datetime.fromtimestamp(time.time() + self.reset_in, tz=UTC)
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(max(0, self.remaining)),
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}  # fmt: skip

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """Scripted errors carry the rate-limit headers and Mastodon's error body."""
        body = fault.body if fault.body is not None else {"error": _ERRORS.get(fault.status, "Error")}
        return Reply(fault.status, body, {**self._rate_headers(), **fault.headers}, fault.delay)

    def route(self, request: Request) -> Reply:
        """Answer one API request."""
        self.remaining -= 1
        reply = self._route(request)
        reply.headers = {**self._rate_headers(), **reply.headers}
        return reply

    def _post_status(self, request: Request) -> Reply:
        """POST /api/v1/statuses as our account; an Idempotency-Key seen before returns that status."""
        if not self._authed(request):
            return Reply(401, {"error": "The access token is invalid"})
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotent:
            return Reply(200, self.idempotent[key])
        ctype = request.headers.get("content-type", "")
        params = json.loads(request.body or b"{}") if "json" in ctype else request.form()
        text = str(params.get("status") or "")
        if not text.strip():
            return Reply(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > self.max_characters:
            return Reply(422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"})
        parent_id = params.get("in_reply_to_id")
        parent = self.data.statuses.get(str(parent_id)) if parent_id else None
        if parent_id and (parent is None or str(parent_id) in self.data.deleted):
            return Reply(404, {"error": "Record not found"})
        me = self.data.accounts[self.data.me]
        status = self.data.add_status(me, text, reply_to=parent, language="en")
        self.posted.append(status)
        if key:
            self.idempotent[key] = status
        return Reply(200, status)

    def _authed(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def _route(self, request: Request) -> Reply:
        path = request.path.rstrip("/")
        auth = request.headers.get("authorization")
        if auth is not None and not self._authed(request):
            return Reply(401, {"error": "The access token is invalid"})
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return Reply(200, {"uri": self.data.domain, "domain": self.data.domain, "title": "Fake",
                               "version": "4.3.2", "api_versions": {"mastodon": 2},
                               "configuration": {"statuses": {"max_characters": self.max_characters,
                                                              "characters_reserved_per_url": 23}}})  # fmt: skip
        parts = path.split("/")
        if path == "/api/v1/statuses" and request.method == "POST":
            return self._post_status(request)
        if path.startswith("/api/v1/timelines/tag/"):
            tag = parts[-1].lower()
            return self._list(request, self._selected(("tag", tag), lambda s: any(t["name"] == tag for t in s["tags"])))
        if path == "/api/v2/search":
            if request.query.get("type") not in (None, "statuses"):
                return Reply(200, {"accounts": [], "statuses": [], "hashtags": []})
            if not self._authed(request):
                # Mastodon searches statuses only for a signed-in account.
                return Reply(200, {"accounts": [], "statuses": [], "hashtags": []})
            words = request.query.get("q", "").lower().split()
            found = [s for s in self._statuses() if all(w in html.unescape(s["content"]).lower() for w in words)]
            page = self._window(request, found, search=True)
            return Reply(200, {"accounts": [], "statuses": page, "hashtags": []})
        if path == "/api/v1/notifications":
            if not self._authed(request):
                return Reply(401, {"error": "The access token is invalid"})
            types = request.query.get("types[]")
            found = [n for n in reversed(self.data.notifications) if types in (None, n["type"])]
            return self._list(request, found, limit_max=80)
        if path == "/api/v1/accounts/lookup":
            acct = request.query.get("acct", "").lstrip("@").removesuffix("@" + self.data.domain)
            for account in self.data.accounts.values():
                if account["acct"].lower() == acct.lower():
                    return Reply(200, account)
            return Reply(404, {"error": "Record not found"})
        if len(parts) == 6 and parts[3] == "accounts" and parts[5] == "statuses":
            if parts[4] not in self.data.accounts:
                return Reply(404, {"error": "Record not found"})
            account_id = parts[4]
            return self._list(request, self._selected(("account", account_id), lambda s: s["account"]["id"] == account_id))
        if len(parts) >= 5 and parts[3] == "statuses":
            status_id = parts[4]
            if status_id in self.data.deleted:
                return Reply(410, {"error": "This status has been deleted"})
            status = self.data.statuses.get(status_id)
            if status is None:
                return Reply(404, {"error": "Record not found"})
            if len(parts) == 5:
                return Reply(200, status)
            if parts[5] == "context":
                return Reply(200, self._context(status))
        return Reply(404, {"error": "Record not found"})

    def _selected(self, key: Any, keep: Any) -> tuple[list[dict[str, Any]], list[int]]:
        """Newest first, and the ids ascending (for bisect); cached until the data changes."""
        version = (key, len(self.data.statuses), len(self.data.deleted), self.data.seq)
        if version not in self._cache:
            items = [s for s in self._statuses() if keep(s)]
            self._cache = {version: (items, [int(s["id"]) for s in reversed(items)])}
        return self._cache[version]

    def _statuses(self) -> list[dict[str, Any]]:
        live = [s for s in self.data.statuses.values() if s["id"] not in self.data.deleted]
        return sorted(live, key=lambda s: int(s["id"]), reverse=True)

    def _context(self, status: dict[str, Any]) -> dict[str, Any]:
        ancestors: list[dict[str, Any]] = []
        parent = status.get("in_reply_to_id")
        while parent and parent in self.data.statuses and parent not in self.data.deleted:
            ancestors.insert(0, self.data.statuses[parent])
            parent = self.data.statuses[parent]["in_reply_to_id"]
        descendants: list[dict[str, Any]] = []
        frontier = [status["id"]]
        while frontier:
            current = frontier.pop(0)
            children = sorted((s for s in self.data.statuses.values() if s["in_reply_to_id"] == current
                               and s["id"] not in self.data.deleted), key=lambda s: int(s["id"]))  # fmt: skip
            descendants += children
            frontier += [c["id"] for c in children]
        return {"ancestors": ancestors, "descendants": descendants}

    def _window(self, request: Request, newest_first: Any, *, search: bool = False,
                limit_max: int = 40) -> list[dict[str, Any]]:  # fmt: skip
        q = request.query
        try:
            limit = max(1, min(limit_max, int(q.get("limit", "20"))))
        except ValueError:
            limit = 20
        if isinstance(newest_first, tuple):  # cached: slice by bisect instead of filtering
            items, ascending = newest_first
            n = len(items)
            hi, lo = n, 0  # positions in newest-first order: items[lo:hi] qualify
            if q.get("max_id"):
                lo = n - bisect.bisect_left(ascending, int(q["max_id"]))
            for bound in ("since_id", "min_id"):
                if q.get(bound):
                    hi = min(hi, n - bisect.bisect_right(ascending, int(q[bound])))
            items = items[lo:hi]
        else:
            items = newest_first
            if q.get("max_id"):
                items = [i for i in items if int(i["id"]) < int(q["max_id"])]
            for bound in ("since_id", "min_id"):
                if q.get(bound):
                    items = [i for i in items if int(i["id"]) > int(q[bound])]
        if q.get("min_id") and not search:  # Paginable: the items just newer than min_id
            return items[-limit:]
        return items[:limit]

    def _list(self, request: Request, newest_first: Any, *, limit_max: int = 40) -> Reply:
        page = self._window(request, newest_first, limit_max=limit_max)
        headers = {}
        if page:
            base = f"http://{request.headers.get('host', self.data.domain)}{request.path}"
            keep = {k: v for k, v in request.query.items() if k not in ("max_id", "min_id", "since_id")}
            older = urlencode({**keep, "max_id": page[-1]["id"]})
            newer = urlencode({**keep, "min_id": page[0]["id"]})
            headers["Link"] = f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
        return Reply(200, page, headers)


_ERRORS = {
    401: "The access token is invalid",
    403: "This action is not allowed",
    404: "Record not found",
    410: "Gone",
    422: "Validation failed: Text can't be blank",
    429: "Too many requests",
    500: "We're sorry, but something went wrong on our end.",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
