"""A fake X API v2: GET /2/tweets/search/recent and GET /2/users/:id/mentions, real wire format.

Responses are ``{"data": [...], "includes": {"users": [...], "tweets": [...]},
"meta": {"newest_id", "oldest_id", "result_count", "next_token"}}`` (just ``{"meta":
{"result_count": 0}}`` when nothing matches), newest first. Only the default fields (``id``,
``text``, ``edit_history_tweet_ids``; users ``id``, ``name``, ``username``) and the requested
``tweet.fields`` / ``user.fields`` are returned, as X does. Errors use X's problem JSON
(``{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": ...}``), and
every response carries ``x-rate-limit-limit/remaining/reset`` (reset is a Unix time).
"""

from __future__ import annotations

import base64
import bisect
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fakes.server import FakeServer, Fault, Reply, Request
from fakes.texts import DISPLAY_NAMES, NAMES, sentence

FIRST_TWEET_ID = 1790000000000000000
DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER_FIELDS = ("id", "name", "username")


def iso(ts: float) -> str:
    """X's timestamp format: 2024-05-13T09:41:07.000Z."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class XData:
    """An in-memory X: users and tweets."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = FIRST_TWEET_ID
    clock: float = field(default_factory=time.time)

    def add_user(
        self, username: str, name: str, *, followers: int = 42, user_id: str | None = None,
        website: str = "", bio_links: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Register an account (its website and bio links come back t.co-wrapped, as on X)."""
        uid = user_id or str(1000 + len(self.users) * 7919)
        user = {
            "id": uid,
            "name": name,
            "username": username,
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{uid}/avatar_normal.jpg",
            "public_metrics": {
                "followers_count": followers,
                "following_count": 17,
                "tweet_count": 1234,
                "listed_count": 3,
                "like_count": 99,
            },
            "url": "https://t.co/w" + uid if website else "",
            "description": f"Hi, I am {name} 👋" + "".join(f" https://t.co/b{k}" for k in range(len(bio_links))),
        }
        entities: dict[str, Any] = {}
        if website:
            entities["url"] = {"urls": [{"start": 0, "end": 23, "url": user["url"], "expanded_url": website,
                                         "display_url": website.split("://")[-1][:30]}]}
        if bio_links:
            entities["description"] = {"urls": [
                {"start": 0, "end": 23, "url": f"https://t.co/b{k}", "expanded_url": link,
                 "display_url": link.split("://")[-1][:30]} for k, link in enumerate(bio_links)]}
        if entities:
            user["entities"] = entities
        self.users[uid] = user
        return user

    def add_tweet(
        self,
        author: dict[str, Any],
        text: str,
        *,
        reply_to: dict[str, Any] | None = None,
        lang: str = "en",
        created: float | None = None,
    ) -> dict[str, Any]:
        """Post a tweet (a reply when ``reply_to`` is given)."""
        self.next_id += 1000 + len(self.tweets) % 7
        tid = str(self.next_id)
        if created is None:
            self.clock += 1.0
            created = self.clock
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "edit_history_tweet_ids": [tid],
            "author_id": author["id"],
            "created_at": iso(created),
            "conversation_id": reply_to["conversation_id"] if reply_to else tid,
            "lang": lang,
            "public_metrics": {
                "retweet_count": len(text) % 5,
                "reply_count": 0,
                "like_count": len(text) % 13,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 100 + len(text),
            },
        }
        if reply_to is not None:
            tweet["in_reply_to_user_id"] = reply_to["author_id"]
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to["id"]}]
            reply_to["public_metrics"]["reply_count"] += 1
        self.tweets.append(tweet)
        return tweet


def _lang(text: str) -> str:
    if any(ch in text for ch in "äöüß") or text.startswith(("Kann", "Die")):
        return "de"
    if any("\u3040" <= ch <= "\u9fff" for ch in text):
        return "ja"
    if text.startswith("emoji"):
        return "zxx"
    return "en"


def generate(
    *,
    seed: int = 11,
    tweets: int = 30,
    brand_username: str = "crm_brand",
    brand_id: str = "2244994945",
    start: float | None = None,
) -> XData:
    """A deterministic dataset: mixed languages, emoji, reply threads, brand mentions."""
    rng = random.Random(seed)
    data = XData(clock=start if start is not None else time.time() - 3600)
    data.add_user(brand_username, "CRM Brand ✅", followers=10_000, user_id=brand_id)
    people = [
        data.add_user(NAMES[i], DISPLAY_NAMES[i], followers=10 * (i + 1)) for i in range(len(NAMES))
    ]
    for i in range(tweets):
        author = people[i % len(people)]
        text = sentence(rng)
        if i % 3 == 0:
            text = f"@{brand_username} {text}"
        reply_to = data.tweets[-1] if i % 4 == 2 and data.tweets else None
        data.add_tweet(author, text, reply_to=reply_to, lang=_lang(text))
    return data


def _encode_token(last_id: str) -> str:
    return base64.b32encode(f"p:{last_id}".encode()).decode().rstrip("=").lower()


def _decode_token(token: str) -> str | None:
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        raw = base64.b32decode(padded).decode()
    except ValueError:
        return None
    return raw[2:] if raw.startswith("p:") else None


def _invalid(message: str, parameter: str, value: str) -> Reply:
    return Reply(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


class FakeX(FakeServer):
    """Serves ``XData`` like api.twitter.com (app-only bearer token)."""

    def __init__(self, data: XData | None = None, *, bearer_token: str = "test-bearer") -> None:
        super().__init__()
        self.data = data or XData()
        self.bearer_token = bearer_token
        self.rate_limit = 450
        self.rate_remaining = 449
        self.rate_reset_in = 600
        self._selected: dict[tuple[Any, ...], tuple[list[dict[str, Any]], list[int]]] = {}
        # Writing (user context): our account, its keys, what it posted, tweets deleted meanwhile.
        self.consumer_key, self.access_token = "test-consumer", "test-access"
        self.me = {"id": "1500000000000000001", "name": "Nimbus", "username": "nimbus_team"}
        self.posted: list[dict[str, Any]] = []
        self.deleted: set[str] = set()

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(max(0, self.rate_remaining)),
            "x-rate-limit-reset": str(int(time.time()) + self.rate_reset_in),
        }

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """Scripted errors carry X's headers and problem JSON unless the fault sets them."""
        body = fault.body
        if body is None:
            title = _TITLES.get(fault.status, "Error")
            body = {"title": title, "detail": title, "type": "about:blank", "status": fault.status}
        return Reply(fault.status, body, {**self._rate_headers(), **fault.headers}, fault.delay)

    def route(self, request: Request) -> Reply:
        """Answer one API request."""
        if request.headers.get("authorization", "").startswith("OAuth "):
            return self._user_context(request)
        if request.headers.get("authorization") != f"Bearer {self.bearer_token}":
            return Reply(
                401,
                {"title": "Unauthorized", "type": "about:blank", "status": 401,
                 "detail": "Unauthorized"},
            )  # fmt: skip
        self.rate_remaining -= 1
        reply = self._route(request)
        reply.headers = {**self._rate_headers(), **reply.headers}
        return reply

    def _user_context(self, request: Request) -> Reply:
        """OAuth 1.0a (our account): GET /2/users/me and POST /2/tweets, with X's problem JSON."""
        auth = request.headers["authorization"]
        if f'oauth_consumer_key="{self.consumer_key}"' not in auth or f'oauth_token="{self.access_token}"' not in auth:
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        if request.path == "/2/users/me":
            return Reply(200, {"data": dict(self.me)}, self._rate_headers())
        if request.path == "/2/tweets" and request.method == "POST":
            body = json.loads(request.body or b"{}")
            text = body.get("text", "")
            parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")

            def forbidden(detail: str) -> Reply:
                return Reply(403, {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403})
            if any(t["text"] == text for t in self.posted):
                return forbidden("You are not allowed to create a Tweet with duplicate content.")
            if parent is not None and (parent in self.deleted or not any(t["id"] == parent for t in self.data.tweets)):
                return forbidden("You attempted to reply to a Tweet that is deleted or not visible to you.")
            tweet_id = str(1_900_000_000_000_000_000 + len(self.posted) + 1)
            self.posted.append({"id": tweet_id, "text": text, "in_reply_to": parent})
            return Reply(201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}},
                         self._rate_headers())
        return Reply(404, {"title": "Not Found Error", "detail": "Not Found", "type": "about:blank"})

    def _route(self, request: Request) -> Reply:
        q = request.query
        if request.path == "/2/tweets/search/recent":
            if not q.get("query"):
                return _invalid("The `query` query parameter can not be empty", "query", "")
            if len(q["query"]) > 512:
                return _invalid("The `query` param is too long", "query", q["query"][:20])
            words = [
                w.lower() for w in q["query"].split() if ":" not in w and not w.startswith("-")
            ]

            def matching() -> list[dict[str, Any]]:
                return [t for t in self.data.tweets if all(w in t["text"].lower() for w in words)]

            return self._page(request, matching, "next_token", minimum=10)
        m = re.fullmatch(r"/2/users/([^/]+)/mentions", request.path)
        if m:
            uid = m.group(1)
            user = self.data.users.get(uid)
            if user is None:
                return Reply(200, _not_found_user(uid))
            handle = f"@{user['username']}".lower()

            def mentioning() -> list[dict[str, Any]]:
                return [t for t in self.data.tweets if handle in t["text"].lower()]

            return self._page(request, mentioning, "pagination_token", minimum=5)
        return Reply(
            404,
            {"errors": [{"message": "The requested resource could not be found."}],
             "title": "Not Found Error", "detail": "Not Found", "type": "about:blank"},
        )  # fmt: skip

    def _page(
        self,
        request: Request,
        select: Callable[[], list[dict[str, Any]]],
        token_param: str,
        *,
        minimum: int,
    ) -> Reply:
        q = request.query
        try:
            max_results = int(q.get("max_results", "10"))
        except ValueError:
            return _invalid("max_results must be a number", "max_results", q["max_results"])
        if not minimum <= max_results <= 100:
            return _invalid(
                f"The `max_results` query parameter value [{max_results}] is not between "
                f"{minimum} and 100",
                "max_results",
                str(max_results),
            )
        # Filtering and sorting per request would make the fake the bench's bottleneck.
        key = (
            id(self.data), self.data.next_id, request.path,
            tuple(sorted((k, v) for k, v in q.items() if k not in (token_param, "max_results"))),
        )  # fmt: skip
        cached = self._selected.get(key)
        if cached is None:
            selected = self._select(q, select)
            if isinstance(selected, Reply):
                return selected
            cached = (selected, [-int(t["id"]) for t in selected])
            self._selected = {key: cached}
        newest_first, negated_ids = cached
        token = q.get(token_param)
        if token:
            below = _decode_token(token)
            if below is None:
                return _invalid(f"Invalid {token_param}", token_param, token)
            newest_first = newest_first[bisect.bisect_right(negated_ids, -int(below)) :]
        page = newest_first[:max_results]
        if not page:
            return Reply(200, {"meta": {"result_count": 0}})
        tweet_fields = set(DEFAULT_TWEET_FIELDS) | set(_split(q.get("tweet.fields")))
        user_fields = set(DEFAULT_USER_FIELDS) | set(_split(q.get("user.fields")))
        expansions = set(_split(q.get("expansions")))
        body: dict[str, Any] = {"data": [_only(t, tweet_fields) for t in page]}
        user_ids: list[str] = []
        included_tweets: list[dict[str, Any]] = []
        by_id = {t["id"]: t for t in self.data.tweets}
        for t in page:
            if "author_id" in expansions:
                user_ids.append(t["author_id"])
            if "in_reply_to_user_id" in expansions and t.get("in_reply_to_user_id"):
                user_ids.append(t["in_reply_to_user_id"])
            if "referenced_tweets.id" in expansions:
                for ref in t.get("referenced_tweets", []):
                    if ref["id"] in by_id:
                        included_tweets.append(_only(by_id[ref["id"]], tweet_fields))
        includes: dict[str, Any] = {}
        if user_ids:
            unique = list(dict.fromkeys(user_ids))
            includes["users"] = [
                _only(self.data.users[u], user_fields) for u in unique if u in self.data.users
            ]
        if included_tweets:
            includes["tweets"] = list({t["id"]: t for t in included_tweets}.values())
        if includes:
            body["includes"] = includes
        meta: dict[str, Any] = {
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
            "result_count": len(page),
        }
        if len(newest_first) > max_results:
            meta["next_token"] = _encode_token(page[-1]["id"])
        body["meta"] = meta
        return Reply(200, body)

    def _select(
        self, q: dict[str, str], select: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]] | Reply:
        """Matching tweets newest first, after since_id/start_time/until_id."""
        newest_first = sorted(select(), key=lambda t: int(t["id"]), reverse=True)
        if q.get("since_id"):
            newest_first = [t for t in newest_first if int(t["id"]) > int(q["since_id"])]
        elif q.get("start_time"):
            start = datetime.fromisoformat(q["start_time"].replace("Z", "+00:00")).timestamp()
            if start < time.time() - 7 * 86400:
                return _invalid(
                    f"Invalid 'start_time':'{q['start_time']}'. 'start_time' must be on or "
                    "after the last 7 days.",
                    "start_time",
                    q["start_time"],
                )
            newest_first = [t for t in newest_first if _created(t) >= start]
        if q.get("until_id"):
            newest_first = [t for t in newest_first if int(t["id"]) < int(q["until_id"])]
        return newest_first


def _created(tweet: dict[str, Any]) -> float:
    """A tweet's creation time; broken test data counts as "now" so it is still served."""
    try:
        return datetime.fromisoformat(
            str(tweet.get("created_at")).replace("Z", "+00:00")
        ).timestamp()
    except ValueError:
        return time.time()


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _only(obj: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k in fields}


def _not_found_user(uid: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "value": uid,
                "detail": f"Could not find user with id: [{uid}].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "id",
                "resource_id": uid,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


_TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
