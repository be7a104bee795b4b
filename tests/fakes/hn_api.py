"""A fake Algolia HN Search API: GET /api/v1/search_by_date, the real wire format.

Answers ``{"hits": [...], "nbHits", "page", "nbPages", "hitsPerPage", "exhaustiveNbHits",
"query", "params", "processingTimeMS"}``, newest first. Hits carry ``objectID``, ``author``,
``created_at`` / ``created_at_i``, ``_tags`` and, for stories, ``title``, ``url``,
``story_text``, ``points``, ``num_comments``; for comments ``comment_text`` (HTML),
``parent_id``, ``story_id``, ``story_title``, ``story_url``. ``tags`` and ``numericFilters``
on ``created_at_i`` are applied as Algolia does. An item becomes searchable at its
``indexed_at`` (index lag), which a test moves with ``now``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fakes.server import FakeServer, Fault, Reply, Request

FIRST_ID = 40_000_000


def iso(ts: float) -> str:
    """Algolia's created_at: 2024-05-01T12:00:00Z (older records add .000)."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class HNData:
    """An in-memory Hacker News index."""

    items: list[dict[str, Any]] = field(default_factory=list)
    indexed_at: dict[str, float] = field(default_factory=dict)
    next_id: int = FIRST_ID
    clock: float = field(default_factory=lambda: time.time() - 3600)

    def _new(self, created: float | None, lag: float) -> tuple[str, float]:
        self.next_id += 1
        if created is None:
            self.clock += 1.0
            created = self.clock
        oid = str(self.next_id)
        self.indexed_at[oid] = created + lag
        return oid, created

    def story(self, author: str, title: str, *, url: str | None = None, text: str | None = None,
              created: float | None = None, lag: float = 0.0) -> dict[str, Any]:
        """Submit a story (a link, or an Ask HN with ``text`` as HTML)."""
        oid, ts = self._new(created, lag)
        hit = {
            "created_at": iso(ts), "created_at_i": int(ts), "updated_at": iso(ts + 5),
            "title": title, "url": url, "author": author, "points": 1 + len(title) % 50,
            "story_text": text, "num_comments": 0, "story_id": int(oid),
            "_tags": ["story", f"author_{author}", f"story_{oid}"], "objectID": oid,
            "children": [],
        }
        self.items.append(hit)
        return hit

    def comment(self, author: str, html: str, *, parent: dict[str, Any], created: float | None = None,
                lag: float = 0.0) -> dict[str, Any]:
        """Reply to a story or a comment; ``html`` is HN's comment HTML."""
        oid, ts = self._new(created, lag)
        story_id = parent["story_id"]
        story = next(i for i in self.items if i["objectID"] == str(story_id))
        hit = {
            "created_at": iso(ts), "created_at_i": int(ts), "updated_at": iso(ts + 5),
            "author": author, "comment_text": html, "story_id": story_id,
            "story_title": story["title"], "story_url": story.get("url"),
            "parent_id": int(parent["objectID"]),
            "_tags": ["comment", f"author_{author}", f"story_{story_id}"], "objectID": oid,
            "children": [],
        }
        parent["children"].append(int(oid))
        story["num_comments"] += 1
        self.items.append(hit)
        return hit


_FILTER = re.compile(r"created_at_i(>=|<=|>|<|=)(\d+)")


def _searchable(hit: dict[str, Any]) -> str:
    return " ".join(str(hit.get(k) or "") for k in ("title", "story_text", "comment_text", "url", "author")).lower()


class FakeHN(FakeServer):
    """Serves ``HNData`` like hn.algolia.com."""

    def __init__(self, data: HNData | None = None) -> None:
        super().__init__()
        self.data = data or HNData()
        self.now: float | None = None  # the index's clock (None: real time)
        self._sorted: tuple[int, list[dict[str, Any]], list[int]] = (-1, [], [])
        self._texts: dict[tuple[Any, ...], str] = {}

    def _newest_first(self) -> tuple[list[dict[str, Any]], list[int]]:
        # Sorted once per change of the index (a bench serves 20,000 items to 200 requests),
        # with the negated times for bisecting.
        items = self.data.items
        if self._sorted[0] != len(items):
            order = sorted(items, key=lambda h: (h["created_at_i"], int(h.get("objectID") or 0)), reverse=True)
            self._sorted = (len(items), order, [-h["created_at_i"] for h in order])
        return self._sorted[1], self._sorted[2]

    def _text(self, hit: dict[str, Any]) -> str:
        key = (hit.get("objectID"), hit.get("title"), hit.get("comment_text"), hit.get("author"))
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = _searchable(hit)
        return text

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """Algolia's errors: ``{"message": ..., "status": ...}``."""
        body = fault.body if fault.body is not None else {"message": "error", "status": fault.status}
        return Reply(fault.status, body, dict(fault.headers), fault.delay)

    def route(self, request: Request) -> Reply:
        """Answer one search."""
        if request.path != "/api/v1/search_by_date":
            return Reply(404, {"message": "Not Found", "status": 404})
        q = request.query
        words = q.get("query", "").lower().split()
        tags = q.get("tags", "")
        wanted = {t.strip() for t in tags.strip("()").split(",") if t.strip()}
        now = self.now if self.now is not None else time.time()
        try:
            per_page = min(1000, int(q.get("hitsPerPage", "20")))
            page = int(q.get("page", "0"))
        except ValueError:
            return Reply(400, {"message": "invalid hitsPerPage or page", "status": 400})
        checks = []
        for part in filter(None, q.get("numericFilters", "").split(",")):
            m = _FILTER.fullmatch(part.strip())
            if not m:
                return Reply(400, {"message": f"invalid numericFilters {part!r}", "status": 400})
            checks.append((m.group(1), int(m.group(2))))
        ops = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
               "<=": lambda a, b: a <= b, "=": lambda a, b: a == b}
        order, keys = self._newest_first()
        lo, hi = 0, len(order)  # narrow by the created_at_i bounds first (the list is newest first)
        for op, v in checks:
            if op in ("<=", "<"):
                lo = max(lo, bisect.bisect_left(keys, -v if op == "<=" else -v + 1))
            elif op in (">=", ">"):
                hi = min(hi, bisect.bisect_right(keys, -v if op == ">=" else -v - 1))
        matches = (
            h for h in order[lo:hi]
            if all(ops[op](h["created_at_i"], v) for op, v in checks)
            and self.data.indexed_at.get(str(h.get("objectID")), 0.0) <= now
            and (not wanted or wanted & set(h["_tags"]))
            and all(w in self._text(h) for w in words)
        )
        # Algolia serves at most 1,000 hits of a result set (paginationLimitedTo); like Algolia
        # on a large set, we stop counting once the page is filled (exhaustiveNbHits false).
        need = min(1000, (page + 1) * per_page)
        hits = list(itertools.islice(matches, need + 1))
        exhaustive = len(hits) <= need
        n = len(hits) if exhaustive else max(need + 1, hi - lo)
        chunk = hits[:need][page * per_page : (page + 1) * per_page]
        return Reply(200, {
            "hits": chunk, "nbHits": n, "page": page, "nbPages": math.ceil(min(n, 1000) / per_page) if per_page else 0,
            "hitsPerPage": per_page, "exhaustiveNbHits": exhaustive, "exhaustiveTypo": True,
            "query": q.get("query", ""), "params": urlencode(q), "processingTimeMS": 1,
        })
