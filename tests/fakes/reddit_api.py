"""A fake Reddit: the OAuth token endpoint and the listing endpoints praw uses, real wire format.

Shapes follow Reddit's JSON (``{"kind": "Listing", "data": {"after", "before", "dist",
"modhash", "geo_filter", "children": [{"kind": "t3", "data": {...}}]}}``), the token
endpoint ``POST /api/v1/access_token`` (HTTP Basic client auth; ``client_credentials`` and
``password`` grants; a wrong password is a 200 with ``{"error": "invalid_grant"}``), and the
``x-ratelimit-used/remaining/reset`` headers (reset in seconds). Error bodies are Reddit's
``{"message": "Forbidden", "error": 403, "reason": "private"}`` style.

One server can play both hosts (``reddit_url`` for the token, ``oauth_url`` for the API);
tests that check routing start two.
"""

from __future__ import annotations

import base64
import random
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakes.server import FakeServer, Fault, Reply, Request
from fakes.texts import NAMES, sentence

FIRST_ID = int("1a0000", 36)


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50] or "post"


@dataclass
class RedditData:
    """An in-memory Reddit: posts and comments per subreddit, and an inbox of mentions."""

    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mentions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)
    banned: set[str] = field(default_factory=set)
    next_id: int = FIRST_ID
    clock: float = field(default_factory=time.time)

    def _new_id(self) -> str:
        self.next_id += 1
        return _b36(self.next_id)

    def _tick(self, created_utc: float | None) -> float:
        if created_utc is None:
            self.clock += 1.0
            return float(int(self.clock))
        return float(int(created_utc))

    def add_post(
        self,
        subreddit: str,
        *,
        author: str | None = "anna_schmidt",
        title: str = "A post",
        selftext: str = "",
        created_utc: float | None = None,
        score: int = 1,
        num_comments: int = 0,
    ) -> dict[str, Any]:
        """Append a submission; ``author=None`` means a deleted account."""
        pid = self._new_id()
        created = self._tick(created_utc)
        permalink = f"/r/{subreddit}/comments/{pid}/{_slug(title)}/"
        data: dict[str, Any] = {
            "approved_at_utc": None,
            "subreddit": subreddit,
            "selftext": selftext,
            "author_fullname": _author_fullname(author),
            "saved": False,
            "mod_reason_title": None,
            "gilded": 0,
            "clicked": False,
            "title": title,
            "link_flair_richtext": [],
            "subreddit_name_prefixed": f"r/{subreddit}",
            "hidden": False,
            "pwls": 6,
            "link_flair_css_class": None,
            "downs": 0,
            "hide_score": False,
            "name": f"t3_{pid}",
            "quarantine": False,
            "link_flair_text_color": "dark",
            "upvote_ratio": 0.97,
            "subreddit_type": "public",
            "ups": score,
            "total_awards_received": 0,
            "is_original_content": False,
            "is_reddit_media_domain": False,
            "is_meta": False,
            "link_flair_text": None,
            "can_mod_post": False,
            "score": score,
            "approved_by": None,
            "is_created_from_ads_ui": False,
            "author_premium": False,
            "thumbnail": "self" if selftext else "default",
            "edited": False,
            "author_flair_css_class": None,
            "author_flair_richtext": [],
            "gildings": {},
            "content_categories": None,
            "is_self": bool(selftext),
            "mod_note": None,
            "created": created,
            "link_flair_type": "text",
            "wls": 6,
            "removed_by_category": "deleted" if selftext == "[deleted]" else None,
            "banned_by": None,
            "author_flair_type": "text",
            "domain": f"self.{subreddit}",
            "allow_live_comments": False,
            "selftext_html": None,
            "likes": None,
            "suggested_sort": None,
            "banned_at_utc": None,
            "view_count": None,
            "archived": False,
            "no_follow": False,
            "is_crosspostable": True,
            "pinned": False,
            "over_18": False,
            "all_awardings": [],
            "awarders": [],
            "media_only": False,
            "can_gild": False,
            "spoiler": False,
            "locked": False,
            "author_flair_text": None,
            "treatment_tags": [],
            "visited": False,
            "removed_by": None,
            "num_reports": None,
            "distinguished": None,
            "subreddit_id": "t5_2qh0y",
            "author_is_blocked": False,
            "mod_reason_by": None,
            "removal_reason": None,
            "link_flair_background_color": "",
            "id": pid,
            "is_robot_indexable": True,
            "report_reasons": None,
            "author": author or "[deleted]",
            "discussion_type": None,
            "num_comments": num_comments,
            "send_replies": True,
            "contest_mode": False,
            "mod_reports": [],
            "author_patreon_flair": False,
            "author_flair_text_color": None,
            "permalink": permalink,
            "stickied": False,
            "url": f"https://www.reddit.com{permalink}",
            "subreddit_subscribers": 1234567,
            "created_utc": created,
            "num_crossposts": 0,
            "media": None,
            "is_video": False,
        }
        if author is None:
            del data["author_fullname"]
            del data["author_premium"]
        self.posts.setdefault(subreddit.lower(), []).append(data)
        return data

    def add_comment(
        self,
        post: dict[str, Any],
        *,
        author: str | None = "bob_dev",
        body: str = "A comment",
        parent: dict[str, Any] | None = None,
        created_utc: float | None = None,
        score: int = 1,
    ) -> dict[str, Any]:
        """Append a comment on ``post`` (a reply when ``parent`` is a comment)."""
        cid = self._new_id()
        created = self._tick(created_utc)
        subreddit = post["subreddit"]
        data: dict[str, Any] = {
            "total_awards_received": 0,
            "approved_at_utc": None,
            "author_is_blocked": False,
            "comment_type": None,
            "link_title": post["title"],
            "mod_reason_by": None,
            "banned_by": None,
            "ups": score,
            "num_reports": None,
            "author_flair_type": "text",
            "removal_reason": None,
            "link_id": post["name"],
            "author_flair_template_id": None,
            "likes": None,
            "replies": "",
            "user_reports": [],
            "saved": False,
            "id": cid,
            "banned_at_utc": None,
            "mod_reason_title": None,
            "gilded": 0,
            "archived": False,
            "collapsed_reason_code": None,
            "no_follow": True,
            "author": author or "[deleted]",
            "num_comments": post["num_comments"],
            "can_mod_post": False,
            "send_replies": True,
            "parent_id": (parent or post)["name"],
            "score": score,
            "author_fullname": _author_fullname(author),
            "over_18": False,
            "report_reasons": None,
            "removal_reason_title": None,
            "approved_by": None,
            "controversiality": 0,
            "body": body,
            "edited": False,
            "top_awarded_type": None,
            "downs": 0,
            "author_flair_css_class": None,
            "is_submitter": author == post["author"],
            "collapsed": False,
            "author_flair_richtext": [],
            "author_patreon_flair": False,
            "body_html": '&lt;div class="md"&gt;&lt;p&gt;…&lt;/p&gt;&lt;/div&gt;',
            "gildings": {},
            "collapsed_reason": None,
            "distinguished": None,
            "associated_award": None,
            "stickied": False,
            "author_premium": False,
            "can_gild": False,
            "link_author": post["author"],
            "unrepliable_reason": None,
            "author_flair_text_color": None,
            "score_hidden": False,
            "permalink": f"{post['permalink']}{cid}/",
            "subreddit_type": "public",
            "link_permalink": post["url"],
            "name": f"t1_{cid}",
            "author_flair_template_id_": None,
            "subreddit": subreddit,
            "author_flair_text": None,
            "treatment_tags": [],
            "created": created,
            "created_utc": created,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "link_url": post["url"],
            "quarantine": False,
            "subreddit_id": post["subreddit_id"],
            "mod_note": None,
            "locked": False,
            "link_num_comments": post["num_comments"],
            "all_awardings": [],
            "awarders": [],
            "mod_reports": [],
            "author_flair_background_color": None,
        }
        del data["author_flair_template_id_"]
        if author is None:
            del data["author_fullname"]
            del data["author_premium"]
        post["num_comments"] += 1
        self.comments.setdefault(subreddit.lower(), []).append(data)
        return data

    def add_mention(
        self, username: str, comment: dict[str, Any], *, new: bool = True
    ) -> dict[str, Any]:
        """Put a username mention of ``username`` (made by ``comment``) into the inbox."""
        link_id36 = comment["link_id"].partition("_")[2]
        data = {
            "first_message": None,
            "first_message_name": None,
            "subreddit": comment["subreddit"],
            "likes": None,
            "replies": "",
            "author_fullname": comment.get("author_fullname"),
            "id": comment["id"],
            "subject": "username mention",
            "associated_awarding_id": None,
            "score": comment["score"],
            "author": comment["author"],
            "num_comments": comment["num_comments"],
            "parent_id": comment["parent_id"],
            "subreddit_name_prefixed": comment["subreddit_name_prefixed"],
            "new": new,
            "type": "username_mention",
            "body": comment["body"],
            "link_title": comment["link_title"],
            "dest": username,
            "was_comment": True,
            "body_html": comment["body_html"],
            "name": comment["name"],
            "created": comment["created"],
            "created_utc": comment["created_utc"],
            "context": (
                f"/r/{comment['subreddit']}/comments/{link_id36}/"
                f"{_slug(comment['link_title'])}/{comment['id']}/?context=3"
            ),
            "distinguished": None,
        }
        if data["author_fullname"] is None:
            del data["author_fullname"]
        self.mentions.setdefault(username.lower(), []).append(data)
        return data


def _author_fullname(author: str | None) -> str:
    if author is None:
        return ""
    return "t2_" + _b36(zlib.crc32(author.encode()) % 36**7 + 36**6)


def generate(
    *,
    seed: int = 7,
    subreddit: str = "python",
    posts: int = 20,
    comments_per_post: int = 3,
    mention_user: str = "crm_bot",
    mentions: int = 5,
    start_utc: float | None = None,
) -> RedditData:
    """A deterministic dataset: mixed languages, emoji, deleted authors, reply threads."""
    rng = random.Random(seed)
    data = RedditData(clock=(start_utc if start_utc is not None else time.time() - 3600))
    for i in range(posts):
        author: str | None = NAMES[i % len(NAMES)]
        selftext = sentence(rng)
        if i % 7 == 3:
            author = None  # deleted account, visible post
        if i % 11 == 5:
            author, selftext = None, "[deleted]"  # gone entirely: skipped
        post = data.add_post(
            subreddit, author=author, title=f"Post {i}: {sentence(rng)}", selftext=selftext
        )
        previous = None
        for j in range(comments_per_post):
            c_author: str | None = NAMES[(i + j + 1) % len(NAMES)]
            body = sentence(rng)
            if (i + j) % 9 == 4:
                body = "[removed]"
            if (i + j) % 13 == 6:
                c_author = None
            parent = previous if j % 2 == 1 else None
            previous = data.add_comment(post, author=c_author, body=body, parent=parent)
    all_comments = data.comments.get(subreddit.lower(), [])
    for k in range(min(mentions, len(all_comments))):
        comment = all_comments[k * 2 % len(all_comments)]
        if comment["author"] != "[deleted]" and comment["body"] != "[removed]":
            data.add_mention(mention_user, comment)
    return data


class FakeReddit(FakeServer):
    """Serves ``RedditData`` like www.reddit.com (token) and oauth.reddit.com (API)."""

    def __init__(
        self,
        data: RedditData | None = None,
        *,
        client_id: str = "test-client",
        client_secret: str = "test-secret",
        username: str = "crm_bot",
        password: str = "hunter2",
    ) -> None:
        super().__init__()
        self.data = data or RedditData()
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.tokens: dict[str, str] = {}  # token -> grant type
        self._sorted: dict[tuple[Any, ...], tuple[list[dict[str, Any]], dict[str, int]]] = {}
        self.ratelimit_remaining = 996.0
        self.ratelimit_reset = 420
        # Writing: what we posted, parents deleted meanwhile, "you are doing that too much".
        self.posted: list[dict[str, Any]] = []
        self.deleted: set[str] = set()
        self.comment_ratelimit = False

    def counter_for(self, method: str, path: str) -> str:
        """Token requests and API requests are numbered separately."""
        return "token" if path == "/api/v1/access_token" else "api"

    def _rate_headers(self) -> dict[str, str]:
        remaining = max(0.0, self.ratelimit_remaining)
        return {
            "x-ratelimit-used": str(int(1000 - remaining)),
            "x-ratelimit-remaining": f"{remaining:.1f}",
            "x-ratelimit-reset": str(self.ratelimit_reset),
        }

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """Scripted errors carry Reddit's headers and error body unless the fault sets them."""
        headers = {**self._rate_headers(), **fault.headers} if request.counter == "api" else {}
        body = fault.body
        if body is None:
            body = {"message": _REASONS.get(fault.status, "Error"), "error": fault.status}
        return Reply(fault.status, body, {**headers, **fault.headers}, fault.delay)

    def route(self, request: Request) -> Reply:
        """Answer the token endpoint or an authenticated API call."""
        if request.counter == "token":
            return self._token(request)
        auth = request.headers.get("authorization", "")
        token = auth.partition(" ")[2]
        if not auth.lower().startswith("bearer ") or token not in self.tokens:
            return Reply(
                401,
                {"message": "Unauthorized", "error": 401},
                {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
            )
        self.ratelimit_remaining -= 1
        headers = self._rate_headers()
        reply = self._api(request, self.tokens[token])
        reply.headers = {**headers, **reply.headers}
        return reply

    def _token(self, request: Request) -> Reply:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return Reply(401, {"message": "Unauthorized", "error": 401})
        form = request.form()
        grant = form.get("grant_type")
        if grant == "password":
            if form.get("username") != self.username or form.get("password") != self.password:
                return Reply(200, {"error": "invalid_grant"})
        elif grant != "client_credentials":
            return Reply(200, {"error": "unsupported_grant_type"})
        token = f"fake-{grant}-{len(self.tokens) + 1}"
        self.tokens[token] = grant
        return Reply(
            200, {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def _api(self, request: Request, grant: str) -> Reply:
        path = request.path.rstrip("/").removesuffix(".json")
        m = re.fullmatch(r"/r/([^/]+)/(new|comments|search)", path)
        if m:
            names = [n.lower() for n in m.group(1).split("+")]
            for name in names:
                if name in self.data.private:
                    return Reply(403, {"reason": "private", "message": "Forbidden", "error": 403})
                if name in self.data.banned:
                    return Reply(404, {"reason": "banned", "message": "Not Found", "error": 404})
                if name not in self.data.posts and name not in ("all", "popular"):
                    return Reply(404, {"message": "Not Found", "error": 404})
            if m.group(2) == "search":
                return self.listing_page(request, lambda: self._search(request, names))
            source = self.data.posts if m.group(2) == "new" else self.data.comments
            if "all" in names:
                names = list(source)
            return self.listing_page(
                request, lambda: [item for n in names for item in source.get(n, [])]
            )
        if path == "/api/comment" and request.method == "POST":
            return self._comment(request, grant)
        if path == "/search":
            return self.listing_page(request, lambda: self._search(request, list(self.data.posts)))
        if path == "/message/mentions":
            if grant != "password":
                return Reply(403, {"message": "Forbidden", "error": 403})
            return self.listing_page(request, lambda: self.data.mentions.get(self.username.lower(), []))
        return Reply(404, {"message": "Not Found", "error": 404})

    def _find(self, fullname: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(the post, the comment or None) that ``fullname`` names."""
        for posts in self.data.posts.values():
            for p in posts:
                if p["name"] == fullname:
                    return p, None
        for comments in self.data.comments.values():
            for c in comments:
                if c["name"] == fullname:
                    post, _ = self._find(c["link_id"])
                    return post, c
        return None, None

    def _comment(self, request: Request, grant: str) -> Reply:
        """POST /api/comment (api_type=json): Reddit's {"json": {"errors", "data": {"things"}}}."""
        if grant != "password":
            return Reply(403, {"message": "Forbidden", "error": 403})
        form = request.form()
        errors: list[list[str]] = []
        if self.comment_ratelimit:
            errors.append(["RATELIMIT", "Looks like you've been doing that a lot. Take a break for 3 minutes "
                                        "before trying again.", "ratelimit"])
        post, parent = self._find(form.get("thing_id", ""))
        if not errors and (post is None or form.get("thing_id") in self.deleted):
            kind = "DELETED_COMMENT" if form.get("thing_id", "").startswith("t1_") else "DELETED_LINK"
            errors.append([kind, "that comment has been deleted" if kind == "DELETED_COMMENT"
                           else "the link you are commenting on has been deleted", "parent"])
        if not errors and not form.get("text", "").strip():
            errors.append(["NO_TEXT", "we need something here", "text"])
        if errors:
            return Reply(200, {"json": {"errors": errors}})
        assert post is not None
        comment = self.data.add_comment(post, author=self.username, body=form["text"], parent=parent)
        self.posted.append(comment)
        return Reply(200, {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": comment}]}}})

    def _search(self, request: Request, names: list[str]) -> list[dict[str, Any]]:
        words = request.query.get("q", "").lower().split()
        found = []
        for name in names:
            for post in self.data.posts.get(name, []):
                haystack = f"{post['title']} {post['selftext']}".lower()
                if all(w in haystack for w in words):
                    found.append(post)
        return found

    def listing_page(self, request: Request, select: Callable[[], list[dict[str, Any]]]) -> Reply:
        # Selecting and sorting per request would make the fake the bench's bottleneck.
        key = (id(self.data), self.data.next_id, request.path, request.query.get("q"))
        cached = self._sorted.get(key)
        if cached is None:
            ordered = sorted(select(), key=lambda d: int(d["id"], 36), reverse=True)
            cached = (ordered, {d["name"]: i for i, d in enumerate(ordered)})
            self._sorted = {key: cached}
        newest_first, position = cached
        try:
            limit = max(1, min(100, int(request.query.get("limit", "25"))))
        except ValueError:
            limit = 25
        after = request.query.get("after")
        start = 0
        if after:
            if after not in position:
                newest_first, start = [], 0  # Reddit answers an unknown anchor with nothing
            else:
                start = position[after] + 1
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        children = [{"kind": d["name"][:2], "data": d} for d in page]
        return Reply(
            200,
            {
                "kind": "Listing",
                "data": {
                    "after": page[-1]["name"] if more and page else None,
                    "dist": len(page),
                    "modhash": None,
                    "geo_filter": "",
                    "children": children,
                    "before": page[0]["name"] if after and page else None,
                },
            },
        )


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
