"""A fake Discourse forum: the JSON API's real wire format (docs.discourse.org).

``/posts.json?before=`` (``latest_posts``), ``/c/<slug>[/<id>]/l/latest.json?page=``
(``topic_list`` by last activity), ``/t/<id>.json`` (``post_stream.posts`` + ``stream``),
``/t/<id>/posts.json?post_ids[]=``, ``/search.json?q=&page=`` (``posts`` with ``blurb``,
``topics``, ``grouped_search_result``) and ``/user_actions.json?username=&filter=&offset=``.
Errors are ``{"errors": [...], "error_type": ...}``; a 429 adds ``Retry-After`` and
``extras.wait_seconds``. Deleted posts vanish for visitors, as they do on a real forum.
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fakes.server import FakeServer, Fault, Reply, Request

LATEST_PAGE = 50
TOPICS_PAGE = 30
SEARCH_PAGE = 50
ACTIONS_PAGE = 30


def iso(ts: float) -> str:
    """Discourse's timestamps: 2024-05-01T12:00:00.000Z."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


@dataclass
class ForumData:
    """An in-memory forum."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_post: int = 1000
    next_topic: int = 100
    clock: float = field(default_factory=lambda: time.time() - 3600)

    def user(self, username: str, name: str = "") -> dict[str, Any]:
        """Register a user."""
        u = {"id": len(self.users) + 2, "username": username, "name": name,
             "avatar_template": f"/user_avatar/forum.example.org/{username.lower()}/{{size}}/{len(self.users) + 7}_2.png"}
        self.users[username] = u
        return u

    def category(self, slug: str, name: str, *, private: bool = False) -> dict[str, Any]:
        """Add a category."""
        c = {"id": len(self.categories) + 5, "slug": slug, "name": name, "private": private}
        self.categories[c["id"]] = c
        return c

    def topic(self, author: dict[str, Any], title: str, cooked: str, *, category: dict[str, Any] | None = None,
              created: float | None = None) -> dict[str, Any]:
        """Open a topic with its first post."""
        self.next_topic += 1
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "topic"
        t = {"id": self.next_topic, "title": title, "fancy_title": html.escape(title), "slug": slug,
             "category_id": category["id"] if category else 1, "post_ids": [], "pinned": False,
             "created_at": None, "last_posted_at": None, "bumped_at": None}
        self.topics[t["id"]] = t
        self.post(author, t, cooked, created=created)
        return t

    def post(self, author: dict[str, Any], topic: dict[str, Any], cooked: str, *,
             reply_to: dict[str, Any] | None = None, created: float | None = None) -> dict[str, Any]:
        """Post into a topic (a reply to ``reply_to`` when given)."""
        self.next_post += 3  # ids grow over the whole forum, not per topic
        if created is None:
            self.clock += 1.0
            created = self.clock
        number = len(topic["post_ids"]) + 1
        p = {
            "id": self.next_post, "name": author["name"], "username": author["username"],
            "avatar_template": author["avatar_template"], "created_at": iso(created), "cooked": cooked,
            "post_number": number, "post_type": 1, "updated_at": iso(created), "reply_count": 0,
            "reply_to_post_number": reply_to["post_number"] if reply_to else None, "quote_count": 0,
            "incoming_link_count": 0, "reads": 3, "readers_count": 2, "score": 0.4, "yours": False,
            "topic_id": topic["id"], "topic_slug": topic["slug"], "display_username": author["name"],
            "primary_group_name": None, "flair_name": None, "version": 1, "can_edit": False,
            "can_delete": False, "can_recover": False, "can_wiki": False, "read": True,
            "user_title": None, "bookmarked": False, "actions_summary": [{"id": 2, "count": number % 3}],
            "moderator": False, "admin": False, "staff": False, "user_id": author["id"],
            "hidden": False, "trust_level": 1, "deleted_at": None, "user_deleted": False,
            "edit_reason": None, "can_view_edit_history": True, "wiki": False,
        }
        if reply_to:
            reply_to["reply_count"] += 1
        self.posts[p["id"]] = p
        topic["post_ids"].append(p["id"])
        topic["created_at"] = topic["created_at"] or p["created_at"]
        topic["last_posted_at"] = topic["bumped_at"] = p["created_at"]
        return p

    def visible(self, p: dict[str, Any]) -> bool:
        return not p["deleted_at"]


def _not_found() -> Reply:
    return Reply(404, {"errors": ["The requested URL or resource could not be found."], "error_type": "not_found"})


def _forbidden() -> Reply:
    return Reply(403, {"errors": ["You are not permitted to view the requested resource."], "error_type": "invalid_access"})


class FakeDiscourse(FakeServer):
    """Serves ``ForumData`` like a Discourse site."""

    def __init__(self, data: ForumData | None = None, *, api_key: str | None = None) -> None:
        super().__init__()
        self.data = data or ForumData()
        self.api_key = api_key  # when set, requests must carry it (and private categories need it)
        self._sorted: tuple[int, list[dict[str, Any]]] = (-1, [])
        self.posted: list[dict[str, Any]] = []

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """Discourse's error JSON; a 429 says how long to wait, in the header and the body."""
        if fault.body is not None:
            return Reply(fault.status, fault.body, dict(fault.headers), fault.delay)
        if fault.status == 429:
            body = {"errors": ["You’ve performed this action too many times. Please wait 10 seconds before trying again."],
                    "error_type": "rate_limit", "extras": {"wait_seconds": 10, "time_left": "10 seconds"}}
            return Reply(429, body, {"Retry-After": "10", **fault.headers}, fault.delay)
        if fault.status == 403:
            return Reply(403, _forbidden().body, dict(fault.headers), fault.delay)
        if fault.status == 404:
            return Reply(404, _not_found().body, dict(fault.headers), fault.delay)
        return Reply(fault.status, b"<html><body>Oops</body></html>", {"Content-Type": "text/html", **fault.headers})

    def _create_post(self, request: Request, authed: bool | None) -> Reply:
        """POST /posts.json (topic_id, reply_to_post_number, raw) as the API user; Discourse's errors."""
        if not authed:
            return Reply(403, {"errors": ["You are not permitted to view the requested resource."],
                               "error_type": "invalid_access"})
        body = json.loads(request.body or b"{}") if request.body.startswith(b"{") else request.form()
        raw = str(body.get("raw") or "")
        topic = self.data.topics.get(int(body.get("topic_id") or 0))
        if topic is None or topic.get("deleted"):
            return Reply(404, {"errors": ["The requested URL or resource could not be found."], "error_type": "not_found"})
        if any(p["raw"] == raw for p in self.posted):
            return Reply(422, {"action": "create_post", "errors": ["Body is too similar to what you recently posted"]})
        if len(raw.strip()) < 20:
            return Reply(422, {"action": "create_post", "errors": ["Body is too short (minimum is 20 characters)"]})
        number = body.get("reply_to_post_number")
        parent = next((self.data.posts[i] for i in topic["post_ids"] if self.data.posts[i]["post_number"] == int(number)),
                      None) if number else None
        me = self.data.users.get("system") or self.data.user("system", "System")
        post = self.data.post(me, topic, f"<p>{html.escape(raw)}</p>", reply_to=parent)
        self.posted.append({"raw": raw, "id": post["id"]})
        return Reply(200, {**post, "raw": raw})

    def _authed(self, request: Request) -> bool | None:
        key = request.headers.get("api-key")
        if key is None:
            return False
        return key == self.api_key and request.headers.get("api-username") == "system"

    def route(self, request: Request) -> Reply:
        """Answer one request."""
        authed = self._authed(request)
        if request.headers.get("api-key") is not None and not authed:
            return _forbidden()
        path, q, d = request.path, request.query, self.data
        if path == "/posts.json" and request.method == "POST":
            return self._create_post(request, authed)
        if path == "/posts.json":
            before = int(q["before"]) if q.get("before") else None
            page = []
            for p in self._newest_first():
                if before is not None and p["id"] >= before:
                    continue
                if d.visible(p) and self._readable(d.topics[p["topic_id"]], authed):
                    page.append(self._latest(p))
                    if len(page) == LATEST_PAGE:
                        break
            return Reply(200, {"latest_posts": page})
        m = re.fullmatch(r"/c/([^/]+)(?:/(\d+))?/l/latest\.json", path)
        if m:
            return self._category(m.group(1), m.group(2), int(q.get("page", "0")), authed)
        m = re.fullmatch(r"/t/(\d+)(/posts)?\.json", path)
        if m:
            topic = d.topics.get(int(m.group(1)))
            if topic is None:
                return _not_found()
            if not self._readable(topic, authed):
                return _forbidden()
            ids = [i for i in topic["post_ids"] if d.visible(d.posts[i])]
            if m.group(2):
                wanted = {int(v) for k, v in _multi(request) if k == "post_ids[]"}
                return Reply(200, {"post_stream": {"posts": [d.posts[i] for i in ids if i in wanted]}, "id": topic["id"]})
            return Reply(200, {
                "post_stream": {"posts": [d.posts[i] for i in ids[:20]], "stream": ids},
                "id": topic["id"], "title": topic["title"], "fancy_title": topic["fancy_title"],
                "slug": topic["slug"], "category_id": topic["category_id"], "posts_count": len(ids),
                "created_at": topic["created_at"], "last_posted_at": topic["last_posted_at"],
            })
        if path == "/search.json":
            return self._search(q.get("q", ""), int(q.get("page", "1")), authed)
        if path == "/user_actions.json":
            user = d.users.get(q.get("username", ""))
            if user is None:
                return _not_found()
            offset = int(q.get("offset", "0"))
            mine = sorted((p for p in d.posts.values() if p["user_id"] == user["id"] and d.visible(p)
                           and self._readable(d.topics[p["topic_id"]], authed)), key=lambda p: -p["id"])
            return Reply(200, {"user_actions": [self._action(p, user) for p in mine[offset : offset + ACTIONS_PAGE]]})
        return _not_found()

    def _newest_first(self) -> list[dict[str, Any]]:
        # Sorted once per new post (a bench serves 20,000 posts to 400 requests).
        if self._sorted[0] != len(self.data.posts):
            self._sorted = (len(self.data.posts), sorted(self.data.posts.values(), key=lambda p: -p["id"]))
        return self._sorted[1]

    def _readable(self, topic: dict[str, Any], authed: bool | None) -> bool:
        cat = self.data.categories.get(topic["category_id"])
        return not (cat and cat["private"]) or bool(authed)

    def _latest(self, p: dict[str, Any]) -> dict[str, Any]:
        t = self.data.topics[p["topic_id"]]
        return {**p, "topic_title": t["title"], "topic_html_title": t["fancy_title"], "category_id": t["category_id"],
                "raw": html.unescape(re.sub(r"<[^>]+>", "", p["cooked"]))}

    def _category(self, key: str, cid: str | None, page: int, authed: bool | None) -> Reply:
        d = self.data
        cat = next((c for c in d.categories.values() if c["slug"] == key or str(c["id"]) in (key, cid)), None)
        if cat is None or (cid and str(cat["id"]) != cid):
            return _not_found()
        if cat["private"] and not authed:
            return _forbidden()
        topics = sorted((t for t in d.topics.values() if t["category_id"] == cat["id"]),
                        key=lambda t: (not t["pinned"], t["bumped_at"]), reverse=False)
        topics = [t for t in topics if t["pinned"]] + sorted(
            (t for t in topics if not t["pinned"]), key=lambda t: t["bumped_at"], reverse=True)
        chunk = topics[page * TOPICS_PAGE : (page + 1) * TOPICS_PAGE]
        topic_list: dict[str, Any] = {
            "can_create_topic": False, "per_page": TOPICS_PAGE, "top_tags": [],
            "topics": [{k: t[k] for k in ("id", "title", "fancy_title", "slug", "category_id", "pinned",
                                          "created_at", "last_posted_at", "bumped_at")}
                       | {"posts_count": len(t["post_ids"]), "bumped": True, "visible": True, "closed": False}
                       for t in chunk],
        }
        if len(topics) > (page + 1) * TOPICS_PAGE:
            topic_list["more_topics_url"] = f"/c/{cat['slug']}/{cat['id']}/l/latest?page={page + 1}"
        return Reply(200, {"users": [], "primary_groups": [], "topic_list": topic_list})

    def _search(self, q: str, page: int, authed: bool | None) -> Reply:
        d = self.data
        words = [w.lower() for w in q.split() if ":" not in w]
        hits = sorted((p for p in d.posts.values() if d.visible(p) and self._readable(d.topics[p["topic_id"]], authed)
                       and all(w in (p["cooked"] + " " + d.topics[p["topic_id"]]["title"]).lower() for w in words)),
                      key=lambda p: -p["id"])
        chunk = hits[(page - 1) * SEARCH_PAGE : page * SEARCH_PAGE]
        topic_ids = sorted({p["topic_id"] for p in chunk})
        posts = [{k: p[k] for k in ("id", "name", "username", "avatar_template", "created_at", "post_number", "topic_id")}
                 | {"like_count": 0, "blurb": html.unescape(re.sub(r"<[^>]+>", "", p["cooked"]))[:200]} for p in chunk]
        topics = [{k: d.topics[t][k] for k in ("id", "title", "fancy_title", "slug", "category_id", "created_at")}
                  for t in topic_ids]
        more = len(hits) > page * SEARCH_PAGE
        return Reply(200, {
            "posts": posts, "topics": topics, "users": [], "categories": [], "tags": [], "groups": [],
            "grouped_search_result": {
                "more_posts": None, "more_users": None, "more_categories": None, "term": q,
                "search_log_id": 7, "more_full_page_results": True if more else None, "can_create_topic": False,
                "error": None, "extra": {}, "post_ids": [p["id"] for p in chunk], "user_ids": [],
                "topic_ids": topic_ids, "category_ids": [], "tag_ids": [], "group_ids": [],
            },
        })

    def _action(self, p: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
        t = self.data.topics[p["topic_id"]]
        return {
            "excerpt": html.unescape(re.sub(r"<[^>]+>", "", p["cooked"]))[:300],
            "action_type": 4 if p["post_number"] == 1 else 5, "created_at": p["created_at"],
            "avatar_template": user["avatar_template"], "acting_avatar_template": user["avatar_template"],
            "slug": t["slug"], "topic_id": t["id"], "target_user_id": user["id"], "target_name": user["name"],
            "target_username": user["username"], "post_number": p["post_number"], "post_id": p["id"],
            "username": user["username"], "name": user["name"], "user_id": user["id"],
            "acting_username": user["username"], "acting_name": user["name"], "acting_user_id": user["id"],
            "title": t["title"], "deleted": False, "hidden": False, "post_type": 1, "action_code": None,
            "category_id": t["category_id"], "closed": False, "archived": False,
        }


def _multi(request: Request) -> list[tuple[str, str]]:
    """Repeated query parameters (``post_ids[]=1&post_ids[]=2``), which ``query`` collapses."""
    return parse_qsl(request.raw_query, keep_blank_values=True)
