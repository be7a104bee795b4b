"""The RSS/Atom connector through real requests + feedparser against a fake feed host."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fakes.feeds import FakeFeeds, atom_document, rss_document
from fakes.server import Fault

from connectors.base import Cursor
from connectors.errors import Permanent, RateLimited, Transient
from connectors.registry import available, build
from connectors.rss import RSSConfig, RSSConnector

NOW = time.time()


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    server = FakeFeeds().start()
    yield server
    server.stop()


def _entries(n: int, start: float = NOW - 3600, prefix: str = "Beitrag") -> list[dict]:  # type: ignore[type-arg]
    """Newest first, as feeds list them."""
    out = [
        {"title": f"{prefix} {i}: Größe & Maß", "link": f"https://blog.example/{prefix.lower()}-{i}",
         "guid": f"https://blog.example/?p={prefix.lower()}{i}", "ts": start + i * 60,
         "html": f"<p>Text <b>{i}</b> mit <a href=\"https://x.example/{i}\">Link</a> 🚀</p>",
         "author": "Jürgen Groß", "tags": ["nimbus"]}
        for i in range(n)
    ]  # fmt: skip
    return list(reversed(out))


def connector(**overrides: object) -> RSSConnector:
    values: dict[str, object] = {"timeout": 0.5}
    values.update(overrides)
    return RSSConnector(RSSConfig(**values))  # type: ignore[arg-type]


def test_rss_entry_maps_every_field(feeds: FakeFeeds) -> None:
    [entry] = _entries(1)
    feeds.publish("/feed.xml", rss_document([entry]))
    url = feeds.url + "/feed.xml"

    result = connector().fetch("feed", url, None)

    [m] = result.mentions
    assert m.platform == "rss" and m.external_id == entry["guid"] and m.kind == "post"
    assert m.title == "Beitrag 0: Größe & Maß"
    assert m.text == "Text 0 mit Link (https://x.example/0) 🚀"
    assert m.url == entry["link"] and m.thread_id == entry["guid"]
    assert m.created_at == datetime.fromtimestamp(int(entry["ts"]), tz=UTC)
    assert m.language == "de" and m.channel == "Nimbus Blog"
    assert m.author.id == f"{url}#author=Jürgen Groß" and m.author.display_name == "Jürgen Groß"
    assert m.author.profile_url == "https://blog.example/"
    assert m.raw["id_source"] == "id" and m.raw["tags"] == ["nimbus"] and m.raw["feed_url"] == url
    assert result.failures == [] and result.exhausted


def test_atom_entry_maps_every_field(feeds: FakeFeeds) -> None:
    entry = {"title": "Re: Export nach Excel?", "guid": "tag:forum.example,2026:post-77",
             "link": "https://forum.example/t/export/77", "ts": NOW - 600,
             "html": "<p>Geht über <code>Datei → Export</code> ✅</p>", "author": "anna",
             "author_uri": "https://forum.example/u/anna"}  # fmt: skip
    feeds.publish("/atom", atom_document([entry]), content_type="application/atom+xml")

    [m] = connector().fetch("feed", feeds.url + "/atom", None).mentions

    assert m.external_id == "tag:forum.example,2026:post-77"
    assert m.text == "Geht über Datei → Export ✅" and m.title == "Re: Export nach Excel?"
    assert m.author.handle == "anna" and m.author.profile_url == "https://forum.example/u/anna"
    assert m.channel == "Forum: Neueste Beiträge" and m.language == "de"
    assert m.created_at == datetime.fromtimestamp(int(entry["ts"]), tz=UTC)


def test_stable_ids_from_id_link_or_hash(feeds: FakeFeeds) -> None:
    url = feeds.url + "/f"
    entries = [
        {"title": "bare guid", "guid": "42", "link": "https://blog.example/42", "ts": NOW - 60, "html": "a"},
        {"title": "link only", "link": "https://blog.example/link-only", "ts": NOW - 120, "html": "b"},
        {"title": "nothing but words", "ts": NOW - 180, "html": "c"},
    ]
    feeds.publish("/f", rss_document(entries))

    by_title = {m.title: m for m in connector().fetch("feed", url, None).mentions}

    assert by_title["bare guid"].external_id == f"{url}#42"  # not unique across feeds alone
    assert by_title["link only"].external_id == "https://blog.example/link-only"
    hashed = by_title["nothing but words"]
    assert hashed.external_id.startswith(f"{url}#sha256:") and hashed.raw["id_source"] == "hash"
    again = {m.title: m for m in connector().fetch("feed", url, None).mentions}
    assert again["nothing but words"].external_id == hashed.external_id  # stable across polls


def test_conditional_get_and_cursor_across_polls(feeds: FakeFeeds) -> None:
    url = feeds.url + "/feed.xml"
    first_entries = _entries(5)
    feed = feeds.publish("/feed.xml", rss_document(first_entries))
    rss = connector()

    first = rss.fetch("feed", url, None)
    assert [m.external_id for m in first.mentions] == [e["guid"] for e in reversed(first_entries)]
    assert first.next_cursor.values["etag"] == feed.etag
    assert first.next_cursor.values["modified"] == feed.last_modified

    unchanged = rss.fetch("feed", url, first.next_cursor)
    assert unchanged.mentions == [] and unchanged.next_cursor == first.next_cursor
    assert feeds.requests[-1].headers["if-none-match"] == feed.etag

    # Two new entries; the oldest ones slide out of the window.
    newer = _entries(2, start=NOW, prefix="Neu")
    feeds.publish("/feed.xml", rss_document(newer + first_entries[:3]))
    second = rss.fetch("feed", url, unchanged.next_cursor)
    assert [m.external_id for m in second.mentions] == [e["guid"] for e in reversed(newer)]
    third = rss.fetch("feed", url, second.next_cursor)
    assert third.mentions == []


def test_last_modified_alone_is_used_when_there_is_no_etag(feeds: FakeFeeds) -> None:
    feed = feeds.publish("/f", rss_document(_entries(1)))
    feed.etag = None
    first = connector().fetch("feed", feeds.url + "/f", None)
    assert "etag" not in first.next_cursor.values
    assert connector().fetch("feed", feeds.url + "/f", first.next_cursor).mentions == []
    assert feeds.requests[-1].headers["if-modified-since"] == feed.last_modified


def test_a_run_cut_by_max_items_fetches_the_rest_next_time(feeds: FakeFeeds) -> None:
    entries = _entries(25)
    feeds.publish("/f", rss_document(entries))
    rss = connector(max_items=10)
    seen: list[str] = []
    cursor: Cursor | None = None
    for _ in range(3):
        result = rss.fetch("feed", feeds.url + "/f", cursor)
        seen += [m.external_id for m in result.mentions]
        cursor = result.next_cursor
    assert seen == [e["guid"] for e in reversed(entries)]
    assert result.exhausted and "etag" in cursor.values


def test_first_poll_backfills_only_the_window(feeds: FakeFeeds) -> None:
    old = {"title": "alt", "guid": "https://b/old", "ts": NOW - 5 * 86400, "html": "x"}
    undated = {"title": "ohne Datum", "guid": "https://b/undated", "ts": None, "html": "y"}
    new = {"title": "neu", "guid": "https://b/new", "ts": NOW - 3600, "html": "z"}
    feeds.publish("/f", rss_document([new, undated, old]))
    result = connector().fetch("feed", feeds.url + "/f", None, backfill_hours=24)
    by_id = {m.external_id: m for m in result.mentions}
    assert set(by_id) == {"https://b/new", "https://b/undated"}
    assert by_id["https://b/undated"].raw["date_missing"] is True
    assert "https://b/old" in result.next_cursor.values["seen"]  # never delivered later


def test_a_broken_feed_keeps_its_good_entries(feeds: FakeFeeds) -> None:
    good = _entries(3)
    body = rss_document(good)
    broken = body.replace(b"</channel></rss>", b"<item><title>kaputt & <b>offen</title></item>")
    feeds.publish("/broken", broken)

    result = connector().fetch("feed", feeds.url + "/broken", None)

    ids = [m.external_id for m in result.mentions]
    assert [e["guid"] for e in reversed(good)] == [i for i in ids if i.startswith("https://blog.example")]
    assert all("feed_problem" in m.raw for m in result.mentions)


def test_a_non_utf8_feed_is_decoded_as_declared(feeds: FakeFeeds) -> None:
    entry = {"title": "Übergrößen für Straßenräder", "guid": "https://b/latin", "ts": NOW - 60,
             "html": "<p>Schöne Grüße aus Köln</p>"}  # fmt: skip
    feeds.publish("/latin1", rss_document([entry], encoding="iso-8859-1"),
                  content_type="application/rss+xml; charset=iso-8859-1")  # fmt: skip
    [m] = connector().fetch("feed", feeds.url + "/latin1", None).mentions
    assert m.title == "Übergrößen für Straßenräder" and m.text == "Schöne Grüße aus Köln"


def test_a_charset_the_header_gets_wrong_is_still_read(feeds: FakeFeeds) -> None:
    entry = {"title": "Größe", "guid": "https://b/wrong", "ts": NOW - 60, "html": "Maß"}
    # The server says UTF-8 but the bytes are Latin-1: feedparser reports it and falls back.
    feeds.publish("/wrong", rss_document([entry], encoding="iso-8859-1"),
                  content_type="application/rss+xml; charset=utf-8")  # fmt: skip
    result = connector().fetch("feed", feeds.url + "/wrong", None)
    [m] = result.mentions
    assert "Gr" in m.title and m.text.startswith("Ma")


def test_an_html_page_is_not_a_feed(feeds: FakeFeeds) -> None:
    feeds.publish("/page", b"<html><head><title>Blog</title></head><body><p>Hallo</p></body></html>",
                  content_type="text/html; charset=utf-8")  # fmt: skip
    with pytest.raises(Permanent, match="does not serve an RSS or Atom feed"):
        connector().fetch("feed", feeds.url + "/page", None)


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [(404, Permanent, "gone"), (410, Permanent, "gone"), (401, Permanent, "login"),
     (403, Permanent, "login"), (500, Transient, "500"), (502, Transient, "502")],
)  # fmt: skip
def test_http_errors_map_to_error_kinds(feeds: FakeFeeds, status: int, error: type, match: str) -> None:
    feeds.publish("/f", rss_document(_entries(1)))
    feeds.fail(1, Fault(status, body=b""))
    with pytest.raises(error, match=match):
        connector().fetch("feed", feeds.url + "/f", None)


def test_429_waits_for_retry_after(feeds: FakeFeeds) -> None:
    feeds.publish("/f", rss_document(_entries(1)))
    feeds.fail(1, Fault(429, body=b"", headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as info:
        connector().fetch("feed", feeds.url + "/f", None)
    assert info.value.retry_after == 120


def test_a_slow_feed_is_transient(feeds: FakeFeeds) -> None:
    feeds.publish("/f", rss_document(_entries(1)))
    feeds.fail(1, Fault(200, delay=1.0))
    with pytest.raises(Transient, match="within 0.3 s"):
        connector(timeout=0.3).fetch("feed", feeds.url + "/f", None)


def test_an_oversized_feed_is_refused(feeds: FakeFeeds) -> None:
    feeds.publish("/big", rss_document(_entries(50)))
    with pytest.raises(Permanent, match="larger than"):
        connector(max_bytes=1000).fetch("feed", feeds.url + "/big", None)


def test_registry_lists_rss_as_always_enabled() -> None:
    status = {s.platform: s for s in available({})}["rss"]
    assert status.enabled and status.source_kinds == ("feed",)
    rss = build("rss", {"RSS_TIMEOUT": "3"})
    assert isinstance(rss, RSSConnector) and rss.config.timeout == 3.0
    junk = {s.platform: s for s in available({"RSS_TIMEOUT": "soon"})}["rss"]
    assert not junk.enabled and "RSS_TIMEOUT must be a number" in junk.reason


@pytest.mark.parametrize(
    ("query", "ok"),
    [("https://blog.example/feed.xml", True), ("http://x.example/rss?q=nimbus", True),
     ("ftp://x.example/feed", False), ("blog.example/feed", False), ("", False)],
)  # fmt: skip
def test_validate_query(query: str, ok: bool) -> None:
    assert (RSSConnector.validate_query("feed", query) is None) is ok


def test_ids_too_long_to_store_are_hashed(feeds: FakeFeeds) -> None:
    long_link = "https://blog.example/" + "ä" * 300
    feeds.publish("/f", rss_document([{"title": "lang", "link": long_link, "ts": NOW - 60, "html": "x"}]))
    [m] = connector().fetch("feed", feeds.url + "/f", None).mentions
    assert m.external_id.startswith("sha256:") and len(m.external_id) == 71
    assert m.url == long_link and m.raw["link"] == long_link


def test_relative_links_resolve_against_the_feed(feeds: FakeFeeds) -> None:
    entry = {"title": "rel", "guid": "https://b/rel", "ts": NOW - 60,
             "html": '<p>Siehe <a href="/docs/export">Anleitung</a> und <a href="javascript:x()">das</a></p>'}  # fmt: skip
    feeds.publish("/f", rss_document([entry], link="https://blog.example/"))
    [m] = connector().fetch("feed", feeds.url + "/f", None).mentions
    assert m.text == "Siehe Anleitung (https://blog.example/docs/export) und das"


def test_the_same_bytes_without_validators_are_not_parsed_again(feeds: FakeFeeds, monkeypatch: pytest.MonkeyPatch) -> None:
    import feedparser

    feeds.publish("/f", rss_document(_entries(3)), validators=False)
    first = connector().fetch("feed", feeds.url + "/f", None)
    assert len(first.mentions) == 3 and "etag" not in first.next_cursor.values
    calls: list[object] = []
    real_parse = feedparser.parse
    monkeypatch.setattr(feedparser, "parse", lambda *a, **k: calls.append(a) or real_parse(*a, **k))
    again = connector().fetch("feed", feeds.url + "/f", first.next_cursor)
    assert again.mentions == [] and calls == []
    feeds.publish("/f", rss_document(_entries(4)), validators=False)
    assert len(connector().fetch("feed", feeds.url + "/f", first.next_cursor).mentions) == 1 and calls
