"""The Discourse connector through requests against the fake Discourse forum on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.discourse_api import FakeDiscourse, ForumData  # noqa: E402
from fakes.server import Fault  # noqa: E402

from connectors import registry  # noqa: E402
from connectors.discourse import DiscourseConfig, DiscourseConnector  # noqa: E402
from connectors.errors import AuthFailed, Permanent, RateLimited, Transient  # noqa: E402

MakeForum = Callable[..., DiscourseConnector]
KEY = "714552c6148e1617aeab526d0606184b94a80ec048fc09894ff1a72b740c5f19"


@pytest.fixture
def fake_forum() -> Iterator[FakeDiscourse]:
    server = FakeDiscourse(api_key=KEY).start()
    yield server
    server.stop()


@pytest.fixture
def make_forum(fake_forum: FakeDiscourse) -> MakeForum:
    def make(**overrides: object) -> DiscourseConnector:
        values: dict[str, object] = {"base_url": fake_forum.url, "timeout": 0.5}
        values.update(overrides)
        return DiscourseConnector(DiscourseConfig(**values))  # type: ignore[arg-type]

    return make


def _host(fake: FakeDiscourse) -> str:
    return fake.url.split("://", 1)[1]


def _forum(data: ForumData) -> tuple[dict, dict, dict, dict]:  # type: ignore[type-arg]
    anna, bob = data.user("anna_schmidt", "Anna Schmidt 🌻"), data.user("bob_dev", "Bob 🛠️")
    support = data.category("support", "Support")
    topic = data.topic(anna, "Widget: Größenänderung kaputt?",
                       '<p>Seit dem Update klappt die Größenänderung nicht 😡 <img src="/images/emoji/twitter/angry.png?v=12" '
                       'title=":angry:" class="emoji" alt=":angry:"></p>', category=support)
    first = data.posts[topic["post_ids"][0]]
    reply = data.post(bob, topic, '<aside class="quote"><div class="title">anna_schmidt:</div><blockquote><p>Größenänderung</p>'
                      '</blockquote></aside><p>Hi <a class="mention" href="/u/anna_schmidt">@anna_schmidt</a>, see '
                      '<a href="https://example.com/fix?a=1&amp;b=2">the fix</a> &amp; <code>&lt;script&gt;</code> ✨</p>',
                      reply_to=first)
    plain = data.post(anna, topic, "<p>Danke, widget geht wieder!</p>")
    return topic, first, reply, plain


def test_latest_posts_map_every_field(fake_forum: FakeDiscourse, make_forum: MakeForum) -> None:
    topic, first, reply, plain = _forum(fake_forum.data)
    result = make_forum().fetch("latest", "", None)
    assert result.failures == [] and result.exhausted
    host, base = _host(fake_forum), fake_forum.url
    by_id = {m.external_id: m for m in result.mentions}
    f, r, p = by_id[f"{host}:{first['id']}"], by_id[f"{host}:{reply['id']}"], by_id[f"{host}:{plain['id']}"]
    assert f.platform == "discourse" and f.kind == "post" and f.parent_id is None
    assert f.title == "Widget: Größenänderung kaputt?"
    assert f.text == "Seit dem Update klappt die Größenänderung nicht 😡 :angry:"
    assert f.url == f"{base}/t/{topic['slug']}/{topic['id']}/1"
    assert f.thread_id == f"{host}:topic:{topic['id']}" and f.channel == host
    assert f.created_at == datetime.fromisoformat(first["created_at"].replace("Z", "+00:00"))
    assert f.author.id == f"{host}:{first['user_id']}" and f.author.handle == "anna_schmidt"
    assert f.author.display_name == "Anna Schmidt 🌻"
    assert f.author.profile_url == f"{base}/u/anna_schmidt"
    assert f.author.avatar_url == f"{base}/user_avatar/forum.example.org/anna_schmidt/96/7_2.png"
    assert r.kind == "reply" and r.title is None and r.parent_id == f"{host}:topic:{topic['id']}:1"
    assert r.text == ("anna_schmidt:\n\nGrößenänderung\n\nHi @anna_schmidt, see the fix "
                      "(https://example.com/fix?a=1&b=2) & <script> ✨")
    assert r.raw["cooked"] == reply["cooked"] and r.raw["topic_title"] == topic["title"]
    assert p.kind == "comment" and p.parent_id == f"{host}:topic:{topic['id']}:1"
    assert [m.external_id for m in result.mentions] == [p.external_id, r.external_id, f.external_id]


def test_the_api_key_is_sent_only_when_configured(fake_forum: FakeDiscourse, make_forum: MakeForum) -> None:
    _forum(fake_forum.data)
    make_forum().fetch("latest", "", None)
    assert "api-key" not in fake_forum.requests[-1].headers
    make_forum(api_key=KEY, api_username="system").fetch("latest", "", None)
    h = fake_forum.requests[-1].headers
    assert h["api-key"] == KEY and h["api-username"] == "system" and h["accept"] == "application/json"
    with pytest.raises(AuthFailed, match="DISCOURSE_API_KEY"):
        make_forum(api_key="wrong", api_username="system").fetch("latest", "", None)


def _drain(forum: DiscourseConnector, kind: str, query: str, cursor=None):  # type: ignore[no-untyped-def]
    got: list[str] = []
    runs = 0
    while True:
        result = forum.fetch(kind, query, cursor)
        got += [m.external_id for m in result.mentions]
        cursor = result.next_cursor
        runs += 1
        if result.exhausted:
            return got, cursor, runs
        assert runs < 50


@pytest.mark.parametrize(("kind", "query"), [("latest", ""), ("search", "widget"), ("user", "anna_schmidt"),
                                              ("category", "support")])
def test_cursors_across_polls_deliver_everything_once(fake_forum: FakeDiscourse, make_forum: MakeForum,
                                                      kind: str, query: str) -> None:
    data = fake_forum.data
    anna, bob = data.user("anna_schmidt", "Anna"), data.user("bob_dev", "Bob")
    support, other = data.category("support", "Support"), data.category("offtopic", "Off-topic")
    topics = [data.topic(anna, f"widget topic {i} – Grüße", "<p>widget ✨ erster Beitrag</p>",
                         category=support if i % 3 else other) for i in range(12)]
    for i in range(130):
        data.post(anna if i % 2 else bob, topics[i % 12], f"<p>widget reply {i} 👍</p>")
    host = _host(fake_forum)

    def expected() -> set[str]:
        return {f"{host}:{p['id']}" for p in data.posts.values()
                if (kind != "user" or p["username"] == "anna_schmidt")
                and (kind != "category" or data.topics[p["topic_id"]]["category_id"] == support["id"])}

    forum = make_forum(max_items=40)
    got, cursor, runs = _drain(forum, kind, query)
    assert runs >= 2
    assert len(got) == len(set(got)) and set(got) == expected()
    assert forum.fetch(kind, query, cursor).mentions == []
    new = [data.post(anna, topics[1], "<p>widget neu 🎉</p>"), data.post(anna, topics[2], "<p>widget noch neuer</p>")]
    more, cursor, _ = _drain(forum, kind, query, cursor)
    assert sorted(more) == sorted(f"{host}:{p['id']}" for p in new)
    assert forum.fetch(kind, query, cursor).mentions == []


def test_search_loads_full_posts_not_blurbs(fake_forum: FakeDiscourse, make_forum: MakeForum) -> None:
    topic, first, reply, plain = _forum(fake_forum.data)
    long = fake_forum.data.post(fake_forum.data.users["bob_dev"], topic, "<p>widget " + "sehr lang " * 60 + "Ende</p>")
    result = make_forum().fetch("search", "widget", None)
    texts = {m.external_id.split(":")[-1]: m.text for m in result.mentions}
    assert texts[str(long["id"])].endswith("Ende")
    hydrate = [r for r in fake_forum.requests if r.path == f"/t/{topic['id']}/posts.json"]
    assert len(hydrate) == 1 and "post_ids%5B%5D=" in hydrate[0].raw_query
    assert fake_forum.requests[0].query["q"] == "widget order:latest"


def test_private_categories_need_the_key_and_unknown_ones_are_permanent(
    fake_forum: FakeDiscourse, make_forum: MakeForum
) -> None:
    data = fake_forum.data
    staff = data.category("staff", "Staff", private=True)
    data.topic(data.user("anna_schmidt"), "Intern: widget", "<p>geheim</p>", category=staff)
    with pytest.raises(AuthFailed, match="needs DISCOURSE_API_KEY"):
        make_forum().fetch("category", "staff", None)
    assert len(make_forum(api_key=KEY, api_username="system").fetch("category", "staff", None).mentions) == 1
    with pytest.raises(Permanent, match="404"):
        make_forum().fetch("category", "nope", None)
    with pytest.raises(Permanent, match="404"):
        make_forum().fetch("user", "ghost", None)


def test_deleted_and_moderator_posts_are_skipped(fake_forum: FakeDiscourse, make_forum: MakeForum) -> None:
    topic, first, reply, plain = _forum(fake_forum.data)
    plain["post_type"] = 3  # "closed the topic": a small action, not a person's words
    plain["cooked"] = ""
    reply["user_deleted"] = True
    reply["cooked"] = "<p>(post deleted by author)</p>"
    ids = {m.external_id.split(":")[-1] for m in make_forum().fetch("latest", "", None).mentions}
    assert ids == {str(first["id"])}
    # Deleted between the search listing and loading the full post: gone, not a failure.
    fake_forum.data.posts[first["id"]]["deleted_at"] = "2026-01-01T00:00:00.000Z"
    result = make_forum().fetch("user", "anna_schmidt", None)
    assert result.mentions == [] and result.failures == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(429), RateLimited),
        (Fault(403), AuthFailed),
        (Fault(404), Permanent),
        (Fault(500), Transient),
        (Fault(502), Transient),
        (Fault(200, malformed=True), Transient),
        (Fault(200, body=["not", "an", "object"]), Transient),
        (Fault(200, delay=1.0), Transient),
    ],
)
def test_each_error_kind(fake_forum: FakeDiscourse, make_forum: MakeForum, fault: Fault, error: type) -> None:
    _forum(fake_forum.data)
    fake_forum.fail(1, fault)
    with pytest.raises(error) as info:
        make_forum().fetch("latest", "", None)
    if error is RateLimited:
        assert info.value.retry_after == 10  # type: ignore[attr-defined]


def test_a_rate_limit_while_loading_posts_keeps_the_cursor_honest(fake_forum: FakeDiscourse, make_forum: MakeForum) -> None:
    _forum(fake_forum.data)
    fake_forum.fail(2, Fault(429, body={"errors": ["slow down"], "error_type": "rate_limit", "extras": {"wait_seconds": 33}}))
    forum = make_forum()
    with pytest.raises(RateLimited) as info:
        forum.fetch("search", "widget", None)
    assert info.value.retry_after == 33 and info.value.partial is None
    assert len(forum.fetch("search", "widget", None).mentions) == 3


def test_query_rules_and_registry() -> None:
    v = DiscourseConnector.validate_query
    assert v("latest", "") is None and v("latest", "x") is not None
    assert v("category", "") is not None and v("category", "/c/support/7") is None
    assert DiscourseConnector.normalize_query("category", "#support") == "support"
    assert DiscourseConnector.normalize_query("user", "@anna") == "anna"
    assert v("user", "a b") is not None and v("search", "") is not None
    assert registry.disabled_reason("discourse", None, {}) == "Discourse is disabled: set DISCOURSE_URL"
    assert registry.disabled_reason("discourse", "search", {"DISCOURSE_URL": "https://forum.example.org"}) is None
    assert registry.min_interval_seconds("discourse", "category") > registry.min_interval_seconds("discourse", "latest")
