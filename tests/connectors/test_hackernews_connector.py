"""The Hacker News connector through requests against the fake Algolia HN API on 127.0.0.1."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.hn_api import FakeHN, HNData  # noqa: E402
from fakes.server import Fault  # noqa: E402

from connectors import registry  # noqa: E402
from connectors.errors import AuthFailed, Permanent, RateLimited, Transient  # noqa: E402
from connectors.hackernews import HackerNewsConfig, HackerNewsConnector, map_hit  # noqa: E402

MakeHN = Callable[..., HackerNewsConnector]


@pytest.fixture
def fake_hn() -> Iterator[FakeHN]:
    server = FakeHN().start()
    yield server
    server.stop()


@pytest.fixture
def make_hn(fake_hn: FakeHN) -> MakeHN:
    def make(**overrides: object) -> HackerNewsConnector:
        values: dict[str, object] = {"api_url": fake_hn.url, "timeout": 0.5}
        values.update(overrides)
        return HackerNewsConnector(HackerNewsConfig(**values))  # type: ignore[arg-type]

    return make


def _thread(data: HNData) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    story = data.story("pg", "Widget 2.0: offline sync für alle 🚀", url="https://example.com/widget")
    comment = data.comment(
        "anna_schmidt",
        "<p>Die Größenänderung des widget klappt nicht &#x27;richtig&#x27; 😡</p>"
        "<p>See <a href=\"https:&#x2F;&#x2F;example.com&#x2F;bug?id=1&amp;x=2\" rel=\"nofollow\">the bug</a>"
        " and <i>this</i>:</p><pre><code>  widget --sync\n</code></pre>",
        parent=story,
    )
    reply = data.comment("bob_dev", "widget works for me", parent=comment)
    return story, comment, reply


def test_story_and_comments_map_every_field(fake_hn: FakeHN, make_hn: MakeHN) -> None:
    story, comment, reply = _thread(fake_hn.data)
    result = make_hn().fetch("search", "widget", None)
    assert result.failures == [] and result.exhausted
    by_id = {m.external_id: m for m in result.mentions}
    s, c, r = by_id[story["objectID"]], by_id[comment["objectID"]], by_id[reply["objectID"]]
    assert s.platform == "hackernews" and s.kind == "post" and s.parent_id is None
    assert s.title == "Widget 2.0: offline sync für alle 🚀" and s.text == ""
    assert s.url == f"https://news.ycombinator.com/item?id={story['objectID']}"
    assert s.thread_id == story["objectID"] and s.raw["url"] == "https://example.com/widget"
    assert s.created_at == datetime.fromtimestamp(story["created_at_i"], tz=UTC)
    assert s.author.id == "pg" and s.author.handle == "pg"
    assert s.author.profile_url == "https://news.ycombinator.com/user?id=pg"
    assert c.kind == "comment" and c.title is None
    assert c.text == (
        "Die Größenänderung des widget klappt nicht 'richtig' 😡\n\n"
        "See the bug (https://example.com/bug?id=1&x=2) and this:\n\nwidget --sync"
    )
    assert c.parent_id == story["objectID"] and c.thread_id == story["objectID"]
    assert r.parent_id == comment["objectID"] and r.thread_id == story["objectID"]
    assert r.raw["story_title"] == story["title"] and r.raw["comment_text"] == "widget works for me"
    assert [m.external_id for m in result.mentions] == [reply["objectID"], comment["objectID"], story["objectID"]]


def test_the_request_asks_for_stories_and_comments_since_the_backfill_floor(fake_hn: FakeHN, make_hn: MakeHN) -> None:
    now = time.time()
    make_hn(backfill_hours=2).fetch("search", "widget", None)
    q = fake_hn.requests[0].query
    assert fake_hn.requests[0].path == "/api/v1/search_by_date"
    assert q["query"] == "widget" and q["tags"] == "(story,comment)" and q["hitsPerPage"] == "100"
    floor = int(q["numericFilters"].removeprefix("created_at_i>="))
    assert abs(floor - (now - 7200)) < 5
    # The source's backfill window wins over the config's.
    make_hn(backfill_hours=2).fetch("search", "widget", None, backfill_hours=0.5)
    floor = int(fake_hn.requests[1].query["numericFilters"].removeprefix("created_at_i>="))
    assert abs(floor - (now - 1800)) < 5


def test_cursors_across_polls_deliver_everything_once_including_late_indexed_items(
    fake_hn: FakeHN, make_hn: MakeHN
) -> None:
    data = fake_hn.data
    root = data.story("pg", "widget launch")
    for i in range(249):
        data.comment(f"user{i % 17}", f"widget comment {i} – Grüße ✨", parent=root)
    hn = make_hn(max_items=60)
    delivered: list[str] = []
    cursor = None
    runs = 0
    while True:
        result = hn.fetch("search", "widget", cursor)
        delivered += [m.external_id for m in result.mentions]
        cursor = result.next_cursor
        runs += 1
        if result.exhausted:
            break
    assert runs >= 3
    assert sorted(delivered) == sorted(h["objectID"] for h in data.items)
    assert len(delivered) == len(set(delivered)) == 250
    # Nothing new: nothing delivered.
    assert hn.fetch("search", "widget", cursor).mentions == []
    # A comment written before the newest delivered item, indexed only now (index lag),
    # and a brand-new one: both arrive, once.
    late = data.comment("slowpoke", "late widget comment", parent=root,
                        created=root["created_at_i"] + 100, lag=0)
    fresh = data.comment("eve", "fresh widget comment", parent=root)
    result = hn.fetch("search", "widget", cursor)
    assert sorted(m.external_id for m in result.mentions) == sorted([late["objectID"], fresh["objectID"]])
    again = hn.fetch("search", "widget", result.next_cursor)
    assert again.mentions == []


def test_a_whole_page_within_one_second_is_paged_not_looped(fake_hn: FakeHN, make_hn: MakeHN) -> None:
    data = fake_hn.data
    root = data.story("pg", "widget", created=time.time() - 100)
    for i in range(230):
        data.comment("anna", f"widget {i}", parent=root, created=time.time() - 50)
    result = make_hn().fetch("search", "widget", None)
    ids = [m.external_id for m in result.mentions]
    assert len(ids) == len(set(ids)) == 231 and result.exhausted


def test_deleted_items_are_skipped_and_broken_ones_reported(fake_hn: FakeHN, make_hn: MakeHN) -> None:
    story, comment, _ = _thread(fake_hn.data)
    comment["author"] = None
    comment["comment_text"] = None  # how a deleted comment looks
    fake_hn.data.items.append({"created_at_i": story["created_at_i"], "_tags": ["comment"], "author": "x",
                               "comment_text": "widget broken hit"})  # no objectID
    result = make_hn().fetch("search", "widget", None)
    ids = {m.external_id for m in result.mentions}
    assert comment["objectID"] not in ids and story["objectID"] in ids
    assert [reason for reason, _ in result.failures] == ["missing or invalid objectID"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(429, headers={"Retry-After": "120"}), RateLimited),
        (Fault(403, body={"message": "Method not allowed with this API key", "status": 403}), AuthFailed),
        (Fault(404), Permanent),
        (Fault(400, body={"message": "invalid numericFilters", "status": 400}), Permanent),
        (Fault(500), Transient),
        (Fault(503), Transient),
        (Fault(200, malformed=True), Transient),
        (Fault(200, delay=1.0), Transient),
    ],
)
def test_each_error_kind(fake_hn: FakeHN, make_hn: MakeHN, fault: Fault, error: type) -> None:
    _thread(fake_hn.data)
    fake_hn.fail(1, fault)
    with pytest.raises(error) as info:
        make_hn().fetch("search", "widget", None)
    if error is RateLimited:
        assert info.value.retry_after == 120  # type: ignore[attr-defined]


def test_a_rate_limit_mid_walk_keeps_what_was_fetched(fake_hn: FakeHN, make_hn: MakeHN) -> None:
    root = fake_hn.data.story("pg", "widget")
    for i in range(150):
        fake_hn.data.comment("anna", f"widget {i}", parent=root)
    fake_hn.fail(2, Fault(429))
    hn = make_hn()
    with pytest.raises(RateLimited) as info:
        hn.fetch("search", "widget", None)
    partial = info.value.partial
    assert partial is not None and len(partial.mentions) == 100 and not partial.exhausted
    rest = hn.fetch("search", "widget", partial.next_cursor)
    ids = [m.external_id for m in partial.mentions + rest.mentions]
    assert len(ids) == len(set(ids)) == 151


def test_query_rules_and_registry() -> None:
    assert HackerNewsConnector.validate_query("search", "  ") == "Enter words to search for."
    assert HackerNewsConnector.validate_query("search", "ä" * 300) is not None
    assert HackerNewsConnector.validate_query("mentions", "x") is not None
    assert HackerNewsConnector.validate_query("search", "widget") is None
    status = {s.platform: s for s in registry.available({})}["hackernews"]
    assert status.enabled and status.source_kinds == ("search",)
    assert registry.disabled_reason("hackernews", "search", {"HN_API_URL": "ftp://x"}) is not None
    assert registry.min_interval_seconds("hackernews", "search") >= 1


def test_map_hit_rejects_junk() -> None:
    with pytest.raises(ValueError):
        map_hit({"objectID": "1", "author": "a", "_tags": ["story"], "title": "t", "created_at": "nope"})
