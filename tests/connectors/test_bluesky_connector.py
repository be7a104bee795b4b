"""The Bluesky connector through the real atproto Client against the fake PDS on 127.0.0.1."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.bsky_api import FakeBluesky, facet  # noqa: E402
from fakes.server import Fault  # noqa: E402

from connectors import bluesky, registry  # noqa: E402
from connectors.bluesky import BlueskyConfig, BlueskyConnector, thread_uri  # noqa: E402
from connectors.bluesky_posts import apply_facets  # noqa: E402
from connectors.errors import AuthFailed, Permanent, RateLimited, Transient  # noqa: E402

MakeBsky = Callable[..., BlueskyConnector]
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"


@pytest.fixture
def fake_bsky() -> Iterator[FakeBluesky]:
    bluesky._sessions.clear()  # each test signs in afresh
    server = FakeBluesky().start()
    yield server
    server.stop()


@pytest.fixture
def make_bsky(fake_bsky: FakeBluesky) -> MakeBsky:
    def make(**overrides: object) -> BlueskyConnector:
        values: dict[str, object] = {"handle": fake_bsky.handle, "app_password": fake_bsky.password,
                                     "api_url": fake_bsky.url, "timeout": 0.5}
        values.update(overrides)
        return BlueskyConnector(BlueskyConfig(**values))  # type: ignore[arg-type]

    return make


def _post_with_facets(fake: FakeBluesky) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    d = fake.data
    anna = d.account("anna.bsky.social", "Anna Schmidt 🌻")
    text = "Größenänderung im widget kaputt 😡 @brand.bsky.social siehe example.com/bug/12345… #widget"
    post = d.post(anna, text, langs=["de-DE"], facets=[
        facet(text, "@brand.bsky.social", {"$type": MENTION, "did": fake.brand["did"]}),
        facet(text, "example.com/bug/12345…", {"$type": LINK, "uri": "https://example.com/bug/12345?x=1"}),
        facet(text, "#widget", {"$type": "app.bsky.richtext.facet#tag", "tag": "widget"}),
    ])
    jules = d.account("jules.example.org", "Jules ✨")
    reply = d.post(jules, "@anna same widget bug here", reply_to=post)
    return anna, post, reply


def test_search_maps_every_field(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    anna, post, reply = _post_with_facets(fake_bsky)
    result = make_bsky().fetch("search", "widget", None)
    assert result.failures == [] and result.exhausted
    by_id = {m.external_id: m for m in result.mentions}
    p, r = by_id[post["uri"]], by_id[reply["uri"]]
    rkey = post["uri"].rsplit("/", 1)[1]
    assert p.platform == "bluesky" and p.kind == "post" and p.parent_id is None and p.thread_id == post["uri"]
    assert p.text == ("Größenänderung im widget kaputt 😡 @brand.bsky.social siehe "
                      "https://example.com/bug/12345?x=1 #widget")
    assert p.url == f"https://bsky.app/profile/anna.bsky.social/post/{rkey}"
    assert p.language == "de"
    assert p.created_at == datetime.fromisoformat(post["record"]["createdAt"].replace("Z", "+00:00"))
    assert p.created_at.tzinfo == UTC
    assert p.author.id == anna["did"] and p.author.handle == "anna.bsky.social"
    assert p.author.display_name == "Anna Schmidt 🌻" and p.author.avatar_url == anna["avatar"]
    assert p.author.profile_url == f"https://bsky.app/profile/{anna['did']}"
    assert p.raw["facet_links"] == ["https://example.com/bug/12345?x=1"]
    assert p.raw["facet_mentions"] == [{"did": fake_bsky.brand["did"], "text": "@brand.bsky.social"}]
    assert p.raw["facet_tags"] == ["widget"] and p.raw["record"]["facets"] == post["record"]["facets"]
    assert p.raw["likeCount"] == post["likeCount"]
    assert r.kind == "reply" and r.parent_id == post["uri"] and r.thread_id == post["uri"]
    req = next(x for x in fake_bsky.requests if x.path.endswith("searchPosts"))
    assert req.query["sort"] == "latest" and req.query["limit"] == "100" and "since" in req.query


def test_facets_count_bytes_not_characters() -> None:
    text = "ÄÖÜ 🎉 hi"
    start = len("ÄÖÜ 🎉 ".encode())
    out, found = apply_facets(text, [{"index": {"byteStart": start, "byteEnd": start + 2},
                                      "features": [{"$type": LINK, "uri": "https://hi.example/x"}]},
                                     {"index": {"byteStart": 0, "byteEnd": 999}, "features": [{"$type": LINK, "uri": "https://bad"}]}])
    assert out == "ÄÖÜ 🎉 hi (https://hi.example/x)"
    assert found["links"] == ["https://hi.example/x", "https://bad"]


def test_one_sign_in_serves_every_connector_and_an_expired_token_signs_in_again(
    fake_bsky: FakeBluesky, make_bsky: MakeBsky
) -> None:
    _post_with_facets(fake_bsky)
    make_bsky().fetch("search", "widget", None)
    make_bsky().fetch("search", "widget", None)
    assert fake_bsky.count("auth") == 1
    fake_bsky.expire_tokens()
    assert len(make_bsky().fetch("search", "widget", None).mentions) == 2
    assert fake_bsky.count("auth") == 2


def test_a_wrong_app_password_is_auth_failed(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    with pytest.raises(AuthFailed, match="BLUESKY_APP_PASSWORD"):
        make_bsky(app_password="wrong").fetch("search", "widget", None)


def test_mentions_replies_and_quotes_of_our_account(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    d = fake_bsky.data
    ours = d.post(fake_bsky.brand, "Widget 3 ist da 🚀")
    anna, mention, _ = _post_with_facets(fake_bsky)
    reply = d.post(anna, "Endlich! 🎉", reply_to=ours)
    quote = d.post(anna, "Seht euch das an", quote=ours)
    d.post(anna, "unrelated")
    result = make_bsky().fetch("mentions", "", None)
    kinds = {m.external_id: m.kind for m in result.mentions}
    assert kinds == {mention["uri"]: "mention", reply["uri"]: "reply", quote["uri"]: "mention"}
    assert result.mentions[0].raw["reason"] in ("mention", "reply", "quote")
    req = next(x for x in fake_bsky.requests if x.path.endswith("listNotifications"))
    assert sorted(v for k, v in __import__("urllib.parse").parse.parse_qsl(req.raw_query) if k == "reasons") == [
        "mention", "quote", "reply"]


def test_author_feed_delivers_reposts_as_the_original_once(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    d = fake_bsky.data
    anna, post, reply = _post_with_facets(fake_bsky)
    own = d.post(anna, "Mein zweiter Post ✨")
    d.repost(anna, reply)
    result = make_bsky().fetch("author", "@anna.bsky.social", None)
    ids = [m.external_id for m in result.mentions]
    assert sorted(ids) == sorted([post["uri"], own["uri"], reply["uri"]])
    r = next(m for m in result.mentions if m.external_id == reply["uri"])
    assert r.author.handle == "jules.example.org"  # the original's author, not the reposter
    with pytest.raises(Permanent, match="Profile not found"):
        make_bsky().fetch("author", "ghost.bsky.social", None)


def test_thread_replies_arrive_once_and_deleted_ones_are_skipped(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    d = fake_bsky.data
    anna, post, reply = _post_with_facets(fake_bsky)
    gone = d.post(anna, "oops", reply_to=post)
    gone["_deleted"] = True
    link = f"https://bsky.app/profile/anna.bsky.social/post/{post['uri'].rsplit('/', 1)[1]}"
    bsky = make_bsky()
    first = bsky.fetch("thread", link, None)
    assert sorted(m.external_id for m in first.mentions) == sorted([post["uri"], reply["uri"]])
    late = d.post(d.account("eve.bsky.social", "Eve"), "Ich auch 👍", reply_to=reply)
    second = bsky.fetch("thread", link, first.next_cursor)
    assert [m.external_id for m in second.mentions] == [late["uri"]]
    assert second.mentions[0].thread_id == post["uri"] and second.mentions[0].parent_id == reply["uri"]
    with pytest.raises(Permanent, match="NotFound"):
        bsky.fetch("thread", "at://did:plc:nobody/app.bsky.feed.post/3lxyz", None)


def test_search_cursors_across_polls_nothing_twice_nothing_lost(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    d = fake_bsky.data
    people = [d.account(f"user{i}.bsky.social", f"Nutzer {i} ✨") for i in range(7)]
    posts = [d.post(people[i % 7], f"widget post {i} – Grüße 🎉") for i in range(250)]
    bsky = make_bsky(max_items=60)
    got: list[str] = []
    cursor = None
    runs = 0
    while True:
        result = bsky.fetch("search", "widget", cursor)
        got += [m.external_id for m in result.mentions]
        cursor = result.next_cursor
        runs += 1
        if result.exhausted:
            break
    assert runs >= 3 and len(got) == len(set(got)) and set(got) == {p["uri"] for p in posts}
    assert bsky.fetch("search", "widget", cursor).mentions == []
    late = d.post(people[0], "widget late", created=posts[-1]["_sort"] - 30, lag=40)  # indexed late
    fake_bsky.now = late["_visible_at"] + 1
    fresh = d.post(people[1], "widget fresh", created=late["_visible_at"] - 5)
    result = bsky.fetch("search", "widget", cursor)
    assert sorted(m.external_id for m in result.mentions) == sorted([late["uri"], fresh["uri"]])
    assert bsky.fetch("search", "widget", result.next_cursor).mentions == []


def test_rate_limit_headers_stop_the_walk_and_are_honoured(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    d = fake_bsky.data
    anna = d.account("anna.bsky.social", "Anna")
    for i in range(150):
        d.post(anna, f"widget {i}")
    fake_bsky.remaining = 1  # the first page uses the last request of the window
    bsky = make_bsky()
    result = bsky.fetch("search", "widget", None)
    assert len(result.mentions) == 100 and not result.exhausted
    assert result.next_cursor.values["not_before"] > time.time()
    with pytest.raises(RateLimited):
        bsky.fetch("search", "widget", result.next_cursor)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(429), RateLimited),
        (Fault(403, body={"error": "Forbidden", "message": "no"}), AuthFailed),
        (Fault(400, body={"error": "InvalidRequest", "message": "bad q"}), Permanent),
        (Fault(500), Transient),
        (Fault(502), Transient),
        (Fault(503), Transient),
        (Fault(200, malformed=True), Transient),
        (Fault(200, body=["a", "list"]), Transient),
        (Fault(200, body={"no": "posts"}), Transient),
        (Fault(200, delay=1.0), Transient),
    ],
)
def test_each_error_kind(fake_bsky: FakeBluesky, make_bsky: MakeBsky, fault: Fault, error: type) -> None:
    _post_with_facets(fake_bsky)
    fake_bsky.fail(1, fault)
    with pytest.raises(error) as info:
        make_bsky().fetch("search", "widget", None)
    if error is RateLimited:
        assert 200 < info.value.retry_after <= 241  # type: ignore[attr-defined]


def test_a_401_signs_in_again_once_then_gives_up(fake_bsky: FakeBluesky, make_bsky: MakeBsky) -> None:
    _post_with_facets(fake_bsky)
    fake_bsky.fail(1, Fault(401))
    assert len(make_bsky().fetch("search", "widget", None).mentions) == 2
    assert fake_bsky.count("api") == 2 and fake_bsky.count("auth") == 2
    fake_bsky.fail(3, Fault(401))
    fake_bsky.fail(4, Fault(401))
    with pytest.raises(AuthFailed):
        make_bsky().fetch("search", "widget", None)


def test_query_rules_and_registry() -> None:
    v = BlueskyConnector.validate_query
    assert v("search", "") is not None and v("search", "widget") is None
    assert v("author", "@anna.bsky.social") is None and v("author", "did:plc:abc123") is None
    assert v("author", "not a handle") is not None
    assert v("mentions", "") is None
    assert v("thread", "https://bsky.app/profile/anna.bsky.social/post/3kabc") is None
    assert v("thread", "https://example.com/x") is not None
    assert thread_uri("https://bsky.app/profile/did:plc:abc/post/3kabc") == "at://did:plc:abc/app.bsky.feed.post/3kabc"
    assert registry.disabled_reason("bluesky", None, {}) == (
        "Bluesky is disabled: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
    assert registry.disabled_reason("bluesky", "thread", {"BLUESKY_HANDLE": "a.bsky.social",
                                                          "BLUESKY_APP_PASSWORD": "x"}) is None
