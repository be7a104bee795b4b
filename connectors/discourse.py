"""Discourse forums through their JSON API (requests): latest posts, a category, search, a user.

Endpoints (docs.discourse.org): ``/posts.json?before=`` (latest posts, newest first),
``/c/<category>/l/latest.json?page=`` (topics by last activity) with ``/t/<id>.json``,
``/search.json?q=.. order:latest&page=``, ``/user_actions.json?username=&filter=4,5&offset=``,
and ``/t/<id>/posts.json?post_ids[]=`` to load the full posts that search and user actions
only excerpt. An API key is optional (``Api-Key`` and ``Api-Username`` headers); without one
only what a visitor sees is read. A 429 carries ``Retry-After`` (and ``extras.wait_seconds``).

Post ids grow over the whole forum, so the cursor is ``{"since_id": <newest id delivered>}``,
plus ``"walk"`` while a run stopped by its bound continues into older pages, and ``"floor"``
(the backfill window) until the first walk is done. Ids and author ids are prefixed with the
forum's host: ids of two forums would otherwise collide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from connectors.base import (
    ConnectorBase,
    Cursor,
    FetchResult,
    Mention,
    Setting,
    budget_interval,
    value,
)
from connectors.discourse_mapping import MappingError, forum_host, is_gone, map_post
from connectors.errors import (
    AuthFailed,
    ConnectorError,
    Permanent,
    RateLimited,
    Transient,
    error_for_status,
)
from connectors.http import header_float

HYDRATE_CHUNK = 50
CATEGORY_SLACK = 300.0  # a topic's last_posted_at may trail the newest post we delivered a little


@dataclass(frozen=True, slots=True)
class DiscourseConfig:
    """Everything the Discourse connector needs."""

    base_url: str
    api_key: str | None = None
    api_username: str | None = None
    timeout: float = 10.0
    max_items: int = 1000
    backfill_hours: float = 24.0
    user_agent: str = "social-crm/0.1 (self-hosted)"


# One listed post: (post id, topic id, the full post when the listing has it, topic title).
Listed = tuple[int, int, "dict[str, Any] | None", "str | None"]


class DiscourseConnector(ConnectorBase):
    """One Discourse forum (DISCOURSE_URL); an API key is optional."""

    platform = "discourse"
    label = "Discourse"
    source_kinds: tuple[str, ...] = ("latest", "category", "search", "user")
    kind_labels = {
        "latest": "Latest posts of the whole forum",
        "category": "Posts in a forum category",
        "search": "Search for a keyword or brand",
        "user": "Posts of one forum user",
    }
    settings = (
        Setting("DISCOURSE_URL", required=True, type="url", help="the forum, e.g. https://forum.example.org"),
        Setting("DISCOURSE_API_KEY", secret=True, help="optional: reads what that user may read"),
        Setting("DISCOURSE_API_USERNAME", default="system", help="the user the API key acts as"),
    )

    @classmethod
    def normalize_query(cls, kind: str, query: str) -> str:
        """Drop a leading ``@`` of a username and ``/c/`` or ``#`` of a category."""
        q = query.strip()
        if kind == "user":
            q = q.removeprefix("@")
        if kind == "category":
            q = q.removeprefix("/c/").removeprefix("#").strip("/")
        return q

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """Latest needs nothing; a category is a slug or id, a user a username."""
        if kind not in cls.source_kinds:
            return f"Discourse sources can be: {', '.join(cls.source_kinds)}."
        q = cls.normalize_query(kind, query)
        if kind == "latest":
            return None if not q else "Leave the query empty: this source reads the whole forum."
        if not q:
            return {"category": "Enter the category's slug or id, e.g. support or support/7.",
                    "search": "Enter words to search for.",
                    "user": "Enter a forum username."}[kind]
        if kind == "search" and len(q) > 200:
            return "Search queries may be at most 200 characters."
        if kind == "user" and (len(q) > 60 or any(c in q for c in "/?# ")):
            return "Enter a forum username (letters, digits, '_', '.', '-')."
        if kind == "category" and any(c in q for c in "?# "):
            return "Enter the category's slug or id, e.g. support or support/7."
        return None

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """Discourse allows an API key 60 requests a minute (DISCOURSE_MAX_ADMIN_API_REQS_PER_MINUTE).

        Visitors get more (200 a minute per IP), so the key's budget is the safe one. A poll
        costs one listing and one or two loads of full posts; a category also loads each
        active topic.
        """
        per_poll = 4 if kind == "category" else 2
        return budget_interval(per_poll, 60, 60)

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> DiscourseConnector:
        """A connector from environment-style values."""
        v = {s.name: value(values, s) for s in cls.settings}
        return cls(DiscourseConfig(
            base_url=v["DISCOURSE_URL"] or "", api_key=v["DISCOURSE_API_KEY"],
            api_username=v["DISCOURSE_API_USERNAME"],
        ))

    def __init__(self, config: DiscourseConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.base = config.base_url.rstrip("/")
        self._clock = clock
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": config.user_agent, "Accept": "application/json"})
        if config.api_key:
            self._session.headers.update({"Api-Key": config.api_key,
                                          "Api-Username": config.api_username or "system"})

    # --- HTTP ---------------------------------------------------------------------------------
    def _get(self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> dict[str, Any]:
        try:
            resp = self._session.get(self.base + path, params=params, timeout=self.config.timeout)
        except requests.Timeout:
            raise Transient("The forum did not answer in time") from None
        except requests.RequestException as exc:
            raise Transient(f"Could not reach the forum: {exc.__class__.__name__}") from None
        if resp.status_code != 200:
            raise self._error(resp)
        try:
            body = resp.json()
        except ValueError:
            raise Transient(f"The forum sent a response to {path} that is not valid JSON") from None
        if not isinstance(body, dict):
            raise Transient(f"The forum sent a response to {path} that is not a JSON object")
        return body

    def _error(self, resp: requests.Response) -> ConnectorError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        errors = body.get("errors") if isinstance(body, dict) else None
        detail = "; ".join(str(e) for e in errors[:2]) if isinstance(errors, list) else ""
        message = f"The forum answered {resp.status_code}" + (f": {detail[:300]}" if detail else "")
        if resp.status_code == 429:
            wait = header_float(resp.headers, "Retry-After")
            extras = body.get("extras") if isinstance(body, dict) else None
            if wait is None and isinstance(extras, dict) and isinstance(extras.get("wait_seconds"), int | float):
                wait = float(extras["wait_seconds"])
            return RateLimited(message, max(1.0, wait if wait is not None else 60.0))
        if resp.status_code in (401, 403):
            hint = " (check DISCOURSE_API_KEY and DISCOURSE_API_USERNAME)" if self.config.api_key else \
                " (a private category or user needs DISCOURSE_API_KEY)"
            return AuthFailed(message + hint)
        return error_for_status(resp.status_code, message)

    def _hydrate(self, wanted: list[tuple[int, int]]) -> dict[int, dict[str, Any]]:
        """Full posts for (topic_id, post_id) pairs, one request per topic and chunk."""
        by_topic: dict[int, list[int]] = {}
        for topic_id, post_id in wanted:
            by_topic.setdefault(topic_id, []).append(post_id)
        posts: dict[int, dict[str, Any]] = {}
        for topic_id, ids in by_topic.items():
            for i in range(0, len(ids), HYDRATE_CHUNK):
                chunk = ids[i : i + HYDRATE_CHUNK]
                body = self._get(f"/t/{topic_id}/posts.json", [("post_ids[]", pid) for pid in chunk])
                stream = body.get("post_stream")
                for p in stream.get("posts", []) if isinstance(stream, dict) else []:
                    if isinstance(p, dict) and isinstance(p.get("id"), int):
                        posts[p["id"]] = p
        return posts

    # --- listings: each yields pages of (post_id, topic_id, full post or None, topic title) -----
    def _latest(self, walk: dict[str, Any]) -> Iterator[list[Listed]]:
        while True:
            params = {"before": walk["before"]} if walk.get("before") else None
            posts = self._get("/posts.json", params).get("latest_posts")
            if not isinstance(posts, list):
                raise Transient("The forum sent /posts.json without latest_posts")
            page: list[Listed] = [(p["id"], p.get("topic_id", 0), p, p.get("topic_title")) for p in posts
                    if isinstance(p, dict) and isinstance(p.get("id"), int)]
            if not page:
                return
            walk["before"] = min(pid for pid, *_ in page)
            yield page

    def _search(self, query: str, walk: dict[str, Any]) -> Iterator[list[Listed]]:
        while True:
            walk["page"] = walk.get("page", 0) + 1
            body = self._get("/search.json", {"q": f"{query} order:latest", "page": walk["page"]})
            topics = {t["id"]: t for t in body.get("topics") or [] if isinstance(t, dict) and "id" in t}
            posts = body.get("posts") or []
            page: list[Listed] = [(p["id"], p.get("topic_id", 0), None, topics.get(p.get("topic_id"), {}).get("title"))
                    for p in posts if isinstance(p, dict) and isinstance(p.get("id"), int)]
            if not page:
                return
            yield page
            grouped = body.get("grouped_search_result") or {}
            if not (grouped.get("more_full_page_results") or grouped.get("more_posts")):
                return

    def _user(self, username: str, walk: dict[str, Any]) -> Iterator[list[Listed]]:
        while True:
            offset = walk.get("offset", 0)
            body = self._get("/user_actions.json", {"username": username, "filter": "4,5", "offset": offset})
            actions = body.get("user_actions")
            if not isinstance(actions, list):
                raise Transient("The forum sent /user_actions.json without user_actions")
            page: list[Listed] = [(a["post_id"], a.get("topic_id", 0), None, a.get("title")) for a in actions
                    if isinstance(a, dict) and isinstance(a.get("post_id"), int) and not a.get("deleted")]
            if not actions:
                return
            walk["offset"] = offset + len(actions)
            yield page

    def _category(self, category: str, since_id: int, active_after: float | None, walk: dict[str, Any]
                  ) -> Iterator[list[Listed]]:
        done_topics = set(walk.setdefault("done_topics", []))
        while True:
            page_no = walk.get("page", 0)
            body = self._get(f"/c/{category}/l/latest.json", {"page": page_no} if page_no else None)
            topic_list = body.get("topic_list")
            topics = topic_list.get("topics") if isinstance(topic_list, dict) else None
            if not isinstance(topics, list):
                raise Transient("The forum sent a category without a topic_list")
            stop = not topics
            for topic in topics:
                if not isinstance(topic, dict) or not isinstance(topic.get("id"), int):
                    continue
                if topic["id"] in done_topics:
                    continue
                active = _ts(topic.get("last_posted_at") or topic.get("bumped_at"))
                if active_after is not None and active is not None and active < active_after and not topic.get("pinned"):
                    stop = True  # topics come by last activity: the rest have nothing new
                    break
                detail = self._get(f"/t/{topic['id']}.json")
                raw_stream = detail.get("post_stream")
                stream: dict[str, Any] = raw_stream if isinstance(raw_stream, dict) else {}
                ids = [i for i in stream.get("stream", []) if isinstance(i, int) and i > since_id]
                loaded = {p["id"]: p for p in stream.get("posts", []) if isinstance(p, dict) and "id" in p}
                title = detail.get("title") or topic.get("title")
                missing = [(topic["id"], i) for i in ids if i not in loaded]
                loaded.update(self._hydrate(missing))
                page: list[Listed] = [(i, topic["id"], loaded.get(i, {}) | {"topic_slug": topic.get("slug")}
                         if i in loaded else None, title) for i in ids]
                done_topics.add(topic["id"])
                walk["done_topics"] = sorted(done_topics)
                yield page
            if stop or not (isinstance(topic_list, dict) and topic_list.get("more_topics_url")):
                return
            walk["page"] = page_no + 1

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
        raw_since = values.get("since_id")
        since_id: int = raw_since if isinstance(raw_since, int) else 0
        raw_at = values.get("since_at")
        since_at: float | None = float(raw_at) if isinstance(raw_at, int | float) else None
        hours = self.config.backfill_hours if backfill_hours is None else backfill_hours
        floor = values.get("floor")
        if not isinstance(floor, int | float):
            floor = self._clock() - hours * 3600 if not since_id else None
        walk: dict[str, Any] = dict(values["walk"]) if isinstance(values.get("walk"), dict) else {}
        top: int = walk["top"] if isinstance(walk.get("top"), int) else since_id
        top_at: float | None = walk["top_at"] if isinstance(walk.get("top_at"), int | float) else since_at
        walk_min: int | None = walk["min"] if isinstance(walk.get("min"), int) else None
        pages = {
            "latest": lambda: self._latest(walk),
            "search": lambda: self._search(query, walk),
            "user": lambda: self._user(query, walk),
            "category": lambda: self._category(
                query, since_id, since_at - CATEGORY_SLACK if since_at is not None else floor, walk
            ),
        }[kind]()
        channel = f"{forum_host(self.base)}/c/{query}" if kind == "category" else None
        mentions: list[Mention] = []
        failures: list[tuple[str, Mapping[str, Any]]] = []
        done = False

        def state() -> dict[str, Any]:
            if done:
                return {"since_id": max(top, since_id) or None, "since_at": top_at}
            out: dict[str, Any] = {"since_id": since_id or None, "since_at": since_at,
                                   "walk": {**walk, "top": top, "top_at": top_at, "min": walk_min}}
            if floor is not None:
                out["floor"] = floor
            return out

        try:
            for page in pages:
                ordered = kind != "category"  # listings by id, newest first; a topic is not
                wanted = [(tid, pid) for pid, tid, post, _ in page
                          if pid > since_id and (walk_min is None or not ordered or pid < walk_min) and post is None]
                full = self._hydrate(wanted) if wanted else {}
                reached = False
                for pid, _, post, title in page:
                    if pid <= since_id:
                        reached = True
                        continue
                    if ordered and walk_min is not None and pid >= walk_min:
                        continue  # seen earlier in this walk (pages shift as posts arrive)
                    top = max(top, pid)
                    if ordered:
                        walk_min = pid if walk_min is None else min(walk_min, pid)
                    post = post or full.get(pid)
                    created_ts = _ts(post.get("created_at")) if post else None
                    if created_ts is not None and (top_at is None or created_ts > top_at):
                        top_at = created_ts
                    if post is None or is_gone(post):
                        continue  # deleted since it was listed, or not a person's post
                    if floor is not None and (created_ts or 0) < floor:
                        reached = ordered or reached
                        continue
                    try:
                        mentions.append(map_post(post, self.base, topic_title=title, channel=channel))
                    except MappingError as exc:
                        failures.append((str(exc), dict(post)))
                if reached and ordered:
                    done = True
                    break
                if len(mentions) + len(failures) >= self.config.max_items:
                    break
            else:
                done = True
        except RateLimited as exc:
            if mentions:
                exc.partial = FetchResult(mentions, Cursor(state()), failures, exhausted=False)
            raise
        return FetchResult(mentions, Cursor(state()), failures, exhausted=done)


def _ts(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
