"""A fake Bluesky PDS + AppView: the XRPC wire format the atproto SDK speaks.

``POST /xrpc/com.atproto.server.createSession`` / ``refreshSession`` (JWTs with ``exp``, a DID
document naming this server as the PDS), ``GET /xrpc/app.bsky.feed.searchPosts``,
``app.bsky.notification.listNotifications``, ``app.bsky.feed.getAuthorFeed`` and
``app.bsky.feed.getPostThread``. Posts are ``app.bsky.feed.defs#postView`` with their
``app.bsky.feed.post`` record (text, createdAt, langs, facets in UTF-8 byte offsets, reply
refs); listings are newest first by sort time with an opaque ``cursor``. Errors are XRPC
``{"error": ..., "message": ...}``; every answer carries ``ratelimit-*`` headers.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fakes.server import FakeServer, Fault, Reply, Request

POST = "app.bsky.feed.post"


def iso(ts: float) -> str:
    """atproto datetimes: 2024-05-01T12:00:00.123Z."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(did: str, scope: str, ttl: float) -> str:
    """An (unsigned-for-us) JWT shaped like the PDS's: the SDK reads ``exp`` to refresh early."""
    now = int(time.time())
    head = _b64(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    body = _b64(json.dumps({"scope": scope, "sub": did, "iat": now, "exp": now + int(ttl),
                            "aud": "did:web:fake.pds"}).encode())
    return f"{head}.{body}.{_b64(secrets.token_bytes(32))}"


def facet(text: str, part: str, feature: dict[str, Any]) -> dict[str, Any]:
    """A facet over the first occurrence of ``part`` in ``text`` (byte offsets, as on the wire)."""
    start = text.encode().index(part.encode())
    return {"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": start + len(part.encode())},
            "features": [feature]}


@dataclass
class BskyData:
    """An in-memory network: accounts, posts, reposts."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # did -> profileViewBasic
    posts: list[dict[str, Any]] = field(default_factory=list)  # postViews with "_sort" and "_reason"
    reposts: list[dict[str, Any]] = field(default_factory=list)  # {"by": did, "post": view, "at": ts}
    clock: float = field(default_factory=lambda: time.time() - 3600)
    counter: int = 0

    def account(self, handle: str, name: str = "") -> dict[str, Any]:
        """Create an account (a did:plc)."""
        did = "did:plc:" + base64.b32encode(handle.encode()).decode().lower().rstrip("=")[:24]
        profile = {"did": did, "handle": handle, "displayName": name,
                   "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkrei{len(self.accounts)}@jpeg",
                   "associated": {"chat": {"allowIncoming": "following"}},
                   "viewer": {"muted": False, "blockedBy": False}, "labels": [], "createdAt": iso(self.clock - 86400)}
        self.accounts[did] = profile
        return profile

    def post(self, author: dict[str, Any], text: str, *, facets: list[dict[str, Any]] | None = None,
             reply_to: dict[str, Any] | None = None, quote: dict[str, Any] | None = None,
             langs: list[str] | None = None, created: float | None = None, lag: float = 0.0) -> dict[str, Any]:
        """Publish a post (a reply or a quote when given); ``lag`` delays its indexing."""
        self.counter += 1
        if created is None:
            self.clock += 1.0
            created = self.clock
        rkey = "3l" + base64.b32encode(self.counter.to_bytes(6, "big")).decode().lower().rstrip("=")
        uri = f"at://{author['did']}/{POST}/{rkey}"
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": iso(created), "langs": langs or ["en"]}
        if facets:
            record["facets"] = facets
        if reply_to:
            root = reply_to["record"].get("reply", {}).get("root") or {"uri": reply_to["uri"], "cid": reply_to["cid"]}
            record["reply"] = {"root": root, "parent": {"uri": reply_to["uri"], "cid": reply_to["cid"]}}
            reply_to["replyCount"] += 1
        if quote:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": {"uri": quote["uri"], "cid": quote["cid"]}}
        view = {
            "uri": uri, "cid": "bafyrei" + secrets.token_hex(20), "author": author, "record": record,
            "replyCount": 0, "repostCount": 0, "likeCount": len(text) % 7, "quoteCount": 0,
            "indexedAt": iso(created + lag), "viewer": {"threadMuted": False}, "labels": [],
            "_sort": min(created, created + lag), "_visible_at": created + lag,
        }
        self.posts.append(view)
        return view

    def repost(self, who: dict[str, Any], post: dict[str, Any]) -> None:
        """``who`` reposts ``post`` now."""
        self.clock += 1.0
        post["repostCount"] += 1
        self.reposts.append({"by": who["did"], "post": post, "at": self.clock})

    def notifications_for(self, did: str) -> list[dict[str, Any]]:
        """Mentions, replies and quotes of ``did``, and likes (which the connector filters out)."""
        out = []
        for p in self.posts:
            r = p["record"]
            reason = None
            if any(f["features"][0].get("did") == did for f in r.get("facets", [])):
                reason = "mention"
            parent = r.get("reply", {}).get("parent", {}).get("uri", "")
            if parent.startswith(f"at://{did}/"):
                reason = "reply"
            if r.get("embed", {}).get("record", {}).get("uri", "").startswith(f"at://{did}/"):
                reason = "quote"
            if reason and p["author"]["did"] != did:
                out.append((p, reason))
        return out


def _public(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if not k.startswith("_")}


class FakeBluesky(FakeServer):
    """Serves ``BskyData`` as a PDS that proxies the AppView (like bsky.social)."""

    def __init__(self, data: BskyData | None = None, *, handle: str = "brand.bsky.social",
                 password: str = "abcd-efgh-ijkl-mnop") -> None:
        super().__init__()
        self.data = data or BskyData()
        self.handle, self.password = handle, password
        self.brand = self.data.account(handle, "Brand ✅")
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.access_ttl = 7200.0
        self.remaining = 2999
        self.now: float | None = None  # the AppView's clock for index lag (None: real time)
        self._sorted: tuple[int, list[dict[str, Any]]] = (-1, [])
        self._search_cache: tuple[Any, list[dict[str, Any]]] = (None, [])
        self.posted: list[dict[str, Any]] = []

    def counter_for(self, method: str, path: str) -> str:
        return "auth" if path.startswith("/xrpc/com.atproto.server.") else "api"

    def _rate(self) -> dict[str, str]:
        return {"ratelimit-limit": "3000", "ratelimit-remaining": str(max(0, self.remaining)),
                "ratelimit-reset": str(int(time.time()) + 240), "ratelimit-policy": "3000;w=300"}

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """XRPC error bodies with the rate headers."""
        names = {400: "InvalidRequest", 401: "AuthMissing", 403: "Forbidden", 404: "NotFound",
                 429: "RateLimitExceeded", 500: "InternalServerError", 502: "UpstreamFailure",
                 503: "NotEnoughResources"}
        body = fault.body if fault.body is not None else {"error": names.get(fault.status, "Error"),
                                                           "message": f"fake {fault.status}"}
        headers = {**self._rate(), **fault.headers}
        if fault.status == 429:
            headers["ratelimit-remaining"] = "0"
        return Reply(fault.status, body, headers, fault.delay)

    def _create_record(self, body: dict[str, Any]) -> Reply:
        """com.atproto.repo.createRecord of an app.bsky.feed.post in our repo (reply refs checked)."""
        did = self.brand["did"]
        if body.get("repo") not in (did, self.handle) or body.get("collection") != POST:
            return Reply(400, {"error": "InvalidRequest", "message": "Invalid repo or collection"})
        record, rkey = body.get("record") or {}, body.get("rkey")
        uri = f"at://{did}/{POST}/{rkey}"
        if any(p["uri"] == uri for p in self.data.posts):
            return Reply(400, {"error": "InvalidRequest", "message": f"Record already exists: {uri}"})
        reply = record.get("reply") or {}
        by_uri = {p["uri"]: p for p in self.data.posts}
        for ref in ("root", "parent"):
            target = by_uri.get((reply.get(ref) or {}).get("uri", ""))
            if reply and (target is None or target.get("_deleted") or target["cid"] != reply[ref].get("cid")):
                return Reply(400, {"error": "InvalidRequest", "message": f"Invalid reply {ref}: record not found"})
        if not isinstance(record.get("text"), str) or len(record["text"]) > 3000:
            return Reply(400, {"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record"})
        parent = by_uri.get((reply.get("parent") or {}).get("uri", ""))
        view = self.data.post(self.brand, record["text"], reply_to=parent)
        view["uri"] = uri
        self.posted.append(view)
        return Reply(200, {"uri": uri, "cid": view["cid"], "commit": {"cid": "bafyreicommit", "rev": "3l" + rkey[:11]},
                           "validationStatus": "valid"})

    def expire_tokens(self) -> None:
        """Every access token stops working (the PDS answers ExpiredToken)."""
        self.access.clear()

    def _session(self) -> dict[str, Any]:
        did = self.brand["did"]
        access, refresh = jwt(did, "com.atproto.appPass", self.access_ttl), jwt(did, "com.atproto.refresh", 86400 * 60)
        self.access.add(access)
        self.refresh.add(refresh)
        return {
            "did": did, "handle": self.handle, "email": "team@example.org", "emailConfirmed": True,
            "emailAuthFactor": False, "accessJwt": access, "refreshJwt": refresh, "active": True,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
                "id": did, "alsoKnownAs": [f"at://{self.handle}"],
                "verificationMethod": [{"id": f"{did}#atproto", "type": "Multikey", "controller": did,
                                        "publicKeyMultibase": "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"}],
                "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": self.url}],
            },
        }

    def route(self, request: Request) -> Reply:
        """Answer one XRPC call."""
        reply = self._route(request)
        reply.headers = {**self._rate(), **reply.headers}
        return reply

    def _route(self, request: Request) -> Reply:
        nsid = request.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            body = json.loads(request.body or b"{}")
            if body.get("identifier") not in (self.handle, self.brand["did"]) or body.get("password") != self.password:
                return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            return Reply(200, self._session())
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if nsid == "com.atproto.server.refreshSession":
            if token not in self.refresh:
                return Reply(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
            self.refresh.discard(token)
            return Reply(200, {k: v for k, v in self._session().items() if k not in ("email", "emailConfirmed")})
        if not token:
            return Reply(401, {"error": "AuthMissing", "message": "Authentication Required"})
        if token not in self.access:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        self.remaining -= 1
        q = dict(parse_qsl(request.raw_query))
        multi = parse_qsl(request.raw_query)
        now = self.now if self.now is not None else time.time()
        if self._sorted[0] != len(self.data.posts):  # sorted once per new post (the bench's 20,000)
            self._sorted = (len(self.data.posts), sorted(self.data.posts, key=lambda p: p["_sort"], reverse=True))
        visible = [p for p in self._sorted[1] if p["_visible_at"] <= now]
        if nsid == "com.atproto.repo.createRecord":
            return self._create_record(json.loads(request.body or b"{}"))
        if nsid == "app.bsky.feed.searchPosts":
            if not q.get("q"):
                return Reply(400, {"error": "InvalidRequest", "message": 'Error: Params must have the property "q"'})
            words = q["q"].lower().split()
            since = _parse(q.get("since"))
            # The same search pages through one result list (the bench's 200 pages of 20,000).
            key = (tuple(words), since, len(self.data.posts), len(visible), self.now)
            if self._search_cache[0] != key:
                self._search_cache = (key, [p for p in visible if (since is None or p["_sort"] >= since)
                                            and all(w in p["record"]["text"].lower() for w in words)])
            hits = self._search_cache[1]
            chunk, cursor = self._page(hits, q)
            out: dict[str, Any] = {"posts": [_public(p) for p in chunk], "hitsTotal": len(hits)}
            return Reply(200, out | ({"cursor": cursor} if cursor else {}))
        if nsid == "app.bsky.notification.listNotifications":
            reasons = {v for k, v in multi if k == "reasons"}
            shown = {id(p) for p in visible}
            notes = [(p, r) for p, r in self.data.notifications_for(self.brand["did"]) if id(p) in shown]
            notes = [n for n in notes if not reasons or n[1] in reasons]
            notes.sort(key=lambda n: n[0]["_sort"], reverse=True)
            chunk, cursor = self._page(notes, q)
            items = [{"uri": p["uri"], "cid": p["cid"], "author": {**p["author"], "description": "hi"},
                      "reason": r, "reasonSubject": p["record"].get("reply", {}).get("parent", {}).get("uri"),
                      "record": p["record"], "isRead": False, "indexedAt": p["indexedAt"], "labels": []}
                     for p, r in chunk]
            out = {"notifications": items, "priority": False, "seenAt": iso(now - 600)}
            return Reply(200, out | ({"cursor": cursor} if cursor else {}))
        if nsid == "app.bsky.feed.getAuthorFeed":
            actor = q.get("actor", "")
            who = next((a for a in self.data.accounts.values() if actor in (a["did"], a["handle"])), None)
            if who is None:
                return Reply(400, {"error": "InvalidRequest", "message": "Profile not found"})
            entries = [(p["_sort"], {"post": _public(p)}) for p in visible if p["author"]["did"] == who["did"]]
            entries += [(r["at"], {"post": _public(r["post"]), "reason": {
                "$type": "app.bsky.feed.defs#reasonRepost", "by": who, "indexedAt": iso(r["at"])}})
                for r in self.data.reposts if r["by"] == who["did"]]
            entries.sort(key=lambda e: e[0], reverse=True)
            chunk, cursor = self._page(entries, q)
            return Reply(200, {"feed": [e for _, e in chunk]} | ({"cursor": cursor} if cursor else {}))
        if nsid == "app.bsky.feed.getPostThread":
            uri = q.get("uri", "")
            root = next((p for p in visible if p["uri"] == uri or _by_handle(p) == uri), None)
            if root is None:
                return Reply(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
            return Reply(200, {"thread": self._thread_view(root, visible)})
        return Reply(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def _page(self, items: list[Any], q: dict[str, str]) -> tuple[list[Any], str | None]:
        start = int(q["cursor"]) if q.get("cursor", "").isdigit() else 0
        limit = int(q.get("limit", "50"))
        chunk = items[start : start + limit]
        return chunk, str(start + limit) if start + limit < len(items) else None

    def _thread_view(self, root: dict[str, Any], visible: list[dict[str, Any]]) -> dict[str, Any]:
        def node(p: dict[str, Any]) -> dict[str, Any]:
            kids = [c for c in visible if c["record"].get("reply", {}).get("parent", {}).get("uri") == p["uri"]]
            return {"$type": "app.bsky.feed.defs#threadViewPost", "post": _public(p),
                    "replies": [node(c) if not c.get("_deleted") else
                                {"$type": "app.bsky.feed.defs#notFoundPost", "uri": c["uri"], "notFound": True}
                                for c in kids]}
        return node(root)


def _parse(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _by_handle(p: dict[str, Any]) -> str:
    return p["uri"].replace(p["author"]["did"], p["author"]["handle"])
