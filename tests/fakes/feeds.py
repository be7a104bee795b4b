"""A fake feed host: RSS 2.0 and Atom 1.0 documents with ETag / Last-Modified, like a blog.

Documents are built from entry dicts as real generators write them (RSS 2.0: ``<guid
isPermaLink>``, RFC 822 ``pubDate``, HTML in ``<description>``, ``dc:creator``; Atom 1.0:
``<id>``, RFC 3339 ``<updated>``/``<published>``, ``<content type="html">``, ``<author>``), in
UTF-8 or another declared encoding. A request with a matching ``If-None-Match`` or
``If-Modified-Since`` gets a 304, as Apache and nginx answer. Any path can also be given raw
bytes (a malformed feed, an HTML page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from fakes.server import FakeServer, Reply, Request


def rfc822(ts: float) -> str:
    """RSS's date format: Mon, 07 Dec 2026 18:03:27 +0000."""
    return format_datetime(datetime.fromtimestamp(ts, tz=UTC))


def rfc3339(ts: float) -> str:
    """Atom's date format: 2026-12-07T18:03:27Z."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss_document(
    entries: list[dict[str, Any]], *, title: str = "Nimbus Blog", link: str = "https://blog.example/",
    language: str | None = "de-DE", encoding: str = "utf-8",
) -> bytes:  # fmt: skip
    """An RSS 2.0 document; entries newest first, each with title/link/guid/html/ts/author."""
    items = []
    for e in entries:
        parts = [f"<title>{escape(e['title'])}</title>"] if e.get("title") is not None else []
        if e.get("link"):
            parts.append(f"<link>{escape(e['link'])}</link>")
        if e.get("guid"):
            perma = "true" if e["guid"].startswith("http") else "false"
            parts.append(f'<guid isPermaLink="{perma}">{escape(e["guid"])}</guid>')
        if e.get("ts") is not None:
            parts.append(f"<pubDate>{rfc822(e['ts'])}</pubDate>")
        if e.get("author"):
            parts.append(f"<dc:creator>{escape(e['author'])}</dc:creator>")
        if e.get("html") is not None:
            parts.append(f"<description>{escape(e['html'])}</description>")
        for tag in e.get("tags", ()):
            parts.append(f"<category>{escape(tag)}</category>")
        items.append("<item>" + "".join(parts) + "</item>")
    lang = f"<language>{language}</language>" if language else ""
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link><description>Neues</description>{lang}"
        + "".join(items) + "</channel></rss>"
    )  # fmt: skip
    return doc.encode(encoding, errors="xmlcharrefreplace")


def atom_document(
    entries: list[dict[str, Any]], *, title: str = "Forum: Neueste Beiträge",
    link: str = "https://forum.example/", feed_id: str = "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6",
) -> bytes:  # fmt: skip
    """An Atom 1.0 document; entries newest first."""
    items = []
    for e in entries:
        parts = [f"<title type=\"text\">{escape(e['title'])}</title>"]
        if e.get("guid"):
            parts.append(f"<id>{escape(e['guid'])}</id>")
        if e.get("link"):
            parts.append(f'<link rel="alternate" type="text/html" href="{escape(e["link"])}"/>')
        parts.append(f"<updated>{rfc3339(e.get('updated', e['ts']))}</updated>")
        parts.append(f"<published>{rfc3339(e['ts'])}</published>")
        if e.get("author"):
            uri = f"<uri>{escape(e['author_uri'])}</uri>" if e.get("author_uri") else ""
            parts.append(f"<author><name>{escape(e['author'])}</name>{uri}</author>")
        parts.append(f'<content type="html">{escape(e.get("html", ""))}</content>')
        items.append("<entry>" + "".join(parts) + "</entry>")
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">'
        f"<title>{escape(title)}</title><link href=\"{escape(link)}\"/><id>{feed_id}</id>"
        f"<updated>{rfc3339(entries[0]['ts']) if entries else '2026-01-01T00:00:00Z'}</updated>"
        + "".join(items) + "</feed>"
    )  # fmt: skip
    return doc.encode()


@dataclass
class Feed:
    """One document at one path."""

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class FakeFeeds(FakeServer):
    """Serves ``feeds[path]``; 304 on a matching validator, 404 for unknown paths."""

    def __init__(self) -> None:
        super().__init__()
        self.feeds: dict[str, Feed] = {}
        self.version = 0

    def publish(self, path: str, body: bytes, *, content_type: str = "application/rss+xml; charset=utf-8",
                validators: bool = True) -> Feed:  # fmt: skip
        """Put a new version of a document at ``path`` (new ETag and Last-Modified)."""
        self.version += 1
        feed = Feed(body, content_type)
        if validators:
            feed.etag = f'W/"{self.version:x}-{len(body):x}"'
            feed.last_modified = rfc822(1_700_000_000 + self.version * 60).replace("+0000", "GMT")
        self.feeds[path] = feed
        return feed

    def route(self, request: Request) -> Reply:
        """Answer a GET of a feed."""
        feed = self.feeds.get(request.path)
        if feed is None:
            return Reply(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"})
        if feed.status != 200:
            return Reply(feed.status, b"", dict(feed.headers))
        headers = {"Content-Type": feed.content_type, **feed.headers}
        if feed.etag:
            headers["ETag"] = feed.etag
        if feed.last_modified:
            headers["Last-Modified"] = feed.last_modified
        inm, ims = request.headers.get("if-none-match"), request.headers.get("if-modified-since")
        if (inm and inm == feed.etag) or (not inm and ims and ims == feed.last_modified):
            return Reply(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
        return Reply(200, feed.body, headers)
