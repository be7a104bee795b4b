"""The Reddit connector through real praw/prawcore against the fake Reddit on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fakes.reddit_api import FakeReddit, RedditData
from fakes.server import Fault

from connectors.base import Cursor
from connectors.errors import AuthFailed, Permanent, RateLimited, Transient
from connectors.reddit import RedditConnector

MakeReddit = Callable[..., RedditConnector]


def _fresh(data: RedditData, fake: FakeReddit) -> None:
    """Replace the generated dataset with an empty one the test fills itself."""
    fake.data = data


def _ids(result_mentions: list) -> list[str]:  # type: ignore[type-arg]
    return [m.external_id for m in result_mentions]


# --- mapping ---------------------------------------------------------------------------------


def test_post_maps_every_field(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    data = RedditData(clock=time.time() - 600)
    post = data.add_post(
        "Python",
        author="anna_schmidt",
        title="Größenänderung kaputt? 😡",
        selftext="Die Größenänderung funktioniert nicht 🚀 日本語",
        score=17,
    )
    _fresh(data, fake_reddit)

    result = make_reddit().fetch("subreddit", "r/Python", None)

    assert result.failures == []
    [m] = result.mentions
    assert m.platform == "reddit"
    assert m.external_id == post["name"] and m.external_id.startswith("t3_")
    assert m.kind == "post"
    assert m.author.id == post["author_fullname"] and m.author.id.startswith("t2_")
    assert m.author.handle == m.author.display_name == "anna_schmidt"
    assert m.author.profile_url == "https://www.reddit.com/user/anna_schmidt"
    assert m.title == "Größenänderung kaputt? 😡"
    assert m.text == "Die Größenänderung funktioniert nicht 🚀 日本語"
    assert m.url == "https://www.reddit.com" + post["permalink"]
    assert m.created_at == datetime.fromtimestamp(post["created_utc"], tz=UTC)
    assert m.created_at.tzinfo is not None
    assert m.thread_id == post["name"] and m.parent_id is None
    assert m.channel == "Python"
    assert m.raw["score"] == 17 and m.raw["num_comments"] == 0
    assert m.raw["subreddit"] == "Python" and m.raw["kind"] == "t3"
    assert "selftext_html" not in m.raw  # compact, not the whole payload


def test_comment_and_reply_map_parent_and_thread(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 600)
    post = data.add_post("python", title="Thread")
    top = data.add_comment(post, author="bob_dev", body="Top-level ✨")
    reply = data.add_comment(post, author="cara_ops", body="Antwort: stimmt 👍", parent=top)
    _fresh(data, fake_reddit)

    result = make_reddit().fetch("subreddit", "python", None)

    by_id = {m.external_id: m for m in result.mentions}
    c, r = by_id[top["name"]], by_id[reply["name"]]
    assert c.kind == "comment" and c.parent_id == post["name"] and c.thread_id == post["name"]
    assert r.kind == "reply" and r.parent_id == top["name"] and r.thread_id == post["name"]
    assert r.text == "Antwort: stimmt 👍" and r.title is None
    assert r.url == "https://www.reddit.com" + reply["permalink"]
    assert r.author.id == reply["author_fullname"]
    assert r.raw["link_title"] == "Thread"


def test_username_mentions_need_login_and_map_as_mentions(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 600)
    post = data.add_post("de", title="Frage")
    comment = data.add_comment(post, author="guenther_m", body="Hallo u/crm_bot, schöne Grüße 👋")
    item = data.add_mention("crm_bot", comment)
    _fresh(data, fake_reddit)

    anonymous = make_reddit()
    assert "mentions" not in anonymous.source_kinds
    with pytest.raises(Permanent):
        anonymous.fetch("mentions", "", None)

    connector = make_reddit(username="crm_bot", password="hunter2")
    [m] = connector.fetch("mentions", "u/crm_bot", None).mentions
    assert m.kind == "mention" and m.external_id == item["name"]
    assert m.text == "Hallo u/crm_bot, schöne Grüße 👋"
    assert m.thread_id == post["name"]  # parsed from "context": the inbox has no link_id
    assert m.parent_id == post["name"]
    assert m.url == "https://www.reddit.com" + item["context"].split("?")[0]
    token_requests = [r for r in fake_reddit.requests if r.counter == "token"]
    assert token_requests[-1].form()["grant_type"] == "password"


def test_wrong_password_is_auth_failed(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    with pytest.raises(AuthFailed):
        make_reddit(username="crm_bot", password="wrong").fetch("mentions", "", None)


def test_deleted_authors_and_bodies(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    data = RedditData(clock=time.time() - 600)
    post = data.add_post("python", author=None, title="Deleted account, visible post")
    gone = data.add_comment(post, author=None, body="[deleted]")
    orphan_a = data.add_comment(post, author=None, body="still here")
    orphan_b = data.add_comment(post, author=None, body="also here")
    removed = data.add_comment(post, author="eve_sec", body="[removed]")
    _fresh(data, fake_reddit)

    result = make_reddit().fetch("subreddit", "python", None)

    by_id = {m.external_id: m for m in result.mentions}
    assert gone["name"] not in by_id  # no person and no words: skipped
    assert result.failures == []
    a, b = by_id[orphan_a["name"]], by_id[orphan_b["name"]]
    assert a.author.handle == b.author.handle == "[deleted]"
    assert a.author.id != b.author.id  # never merged into one "deleted" member
    assert a.author.id == f"reddit-deleted:{orphan_a['name']}" and a.raw["author_deleted"]
    assert by_id[post["name"]].author.id == f"reddit-deleted:{post['name']}"
    kept = by_id[removed["name"]]
    assert kept.text == "[removed]" and kept.raw["body_removed"] and kept.author.handle == "eve_sec"
    assert len({m.external_id for m in result.mentions}) == len(result.mentions)


def test_malformed_item_goes_to_failures_and_the_page_lands(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 600)
    posts = [data.add_post("python", title=f"p{i}") for i in range(5)]
    del posts[2]["created_utc"]
    posts[3]["created_utc"] = "yesterday"
    _fresh(data, fake_reddit)

    result = make_reddit().fetch("subreddit", "python", None)

    assert sorted(_ids(result.mentions)) == sorted(
        p["name"] for p in (posts[0], posts[1], posts[4])
    )
    reasons = {raw["name"]: reason for reason, raw in result.failures}
    assert reasons == {
        posts[2]["name"]: "missing or invalid created_utc",
        posts[3]["name"]: "missing or invalid created_utc",
    }
    assert result.next_cursor.values["posts"]["newest"] == posts[4]["name"]


def test_generated_dataset_non_ascii_round_trips(
    fake_reddit: FakeReddit, reddit_data: RedditData, make_reddit: MakeReddit
) -> None:
    result = make_reddit().fetch("subreddit", "python", None)
    texts = " ".join(m.text + (m.title or "") for m in result.mentions)
    for needle in ("Größenänderung", "🚀🔥", "日本語", "Привет", "مرحبا"):
        assert needle in texts
    expected = sum(
        1
        for d in reddit_data.posts["python"] + reddit_data.comments["python"]
        if not (
            d["author"] == "[deleted]"
            and (d.get("body") or d["selftext"]) in ("[deleted]", "[removed]", "")
        )
    )
    assert len(result.mentions) == expected


# --- cursors and pagination ------------------------------------------------------------------


def test_cursor_advances_and_nothing_is_fetched_twice(
    fake_reddit: FakeReddit, reddit_data: RedditData, make_reddit: MakeReddit
) -> None:
    connector = make_reddit()
    first = connector.fetch("subreddit", "python", None)
    assert first.exhausted and first.mentions

    post = reddit_data.add_post("python", title="new one 🎉")
    comment = reddit_data.add_comment(post, body="first!")
    second = connector.fetch("subreddit", "python", first.next_cursor)
    assert _ids(second.mentions) == [post["name"], comment["name"]]

    third = connector.fetch("subreddit", "python", second.next_cursor)
    assert third.mentions == [] and third.exhausted
    assert third.next_cursor == second.next_cursor
    assert json.loads(json.dumps(third.next_cursor.values)) == third.next_cursor.values


def test_paginates_five_pages_of_100(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    data = RedditData(clock=time.time() - 3600)
    posts = [data.add_post("python", title=f"widget {i}") for i in range(500)]
    _fresh(data, fake_reddit)

    result = make_reddit().fetch("search", "widget", None)

    assert sorted(_ids(result.mentions)) == sorted(p["name"] for p in posts)
    assert result.exhausted
    searches = [r for r in fake_reddit.requests if r.path == "/search"]
    assert len(searches) == 5
    assert all(r.query["limit"] == "100" and r.query["sort"] == "new" for r in searches)
    assert "after" not in searches[0].query
    assert [r.query["after"] for r in searches[1:]] == [
        posts[-100 * k - 100]["name"] for k in range(4)
    ]


def test_bound_per_run_then_resume_including_items_that_arrived_meanwhile(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 3600)
    old = [data.add_post("python", title=f"widget {i}") for i in range(250)]
    _fresh(data, fake_reddit)
    connector = make_reddit(max_items=100)

    first = connector.fetch("search", "widget", None)
    assert len(first.mentions) == 100 and not first.exhausted
    newer = [data.add_post("python", title=f"widget new {i}") for i in range(3)]
    second = connector.fetch("search", "widget", first.next_cursor)
    third = connector.fetch("search", "widget", second.next_cursor)
    assert not second.exhausted and third.exhausted
    seen = _ids(first.mentions) + _ids(second.mentions) + _ids(third.mentions)
    assert sorted(seen) == sorted(p["name"] for p in old)  # the gap is closed, no duplicates

    fourth = connector.fetch("search", "widget", third.next_cursor)
    assert sorted(_ids(fourth.mentions)) == sorted(p["name"] for p in newer)
    fifth = connector.fetch("search", "widget", fourth.next_cursor)
    assert fifth.mentions == []


def test_first_poll_backfills_only_the_window(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    now = time.time()
    data = RedditData()
    too_old = data.add_post("python", title="old", created_utc=now - 30 * 3600)
    recent = data.add_post("python", title="recent", created_utc=now - 2 * 3600)
    _fresh(data, fake_reddit)

    result = make_reddit(backfill_hours=24).fetch("subreddit", "python", None)

    assert _ids(result.mentions) == [recent["name"]]
    assert too_old["name"] not in _ids(result.mentions)


# --- errors and rate limits ------------------------------------------------------------------


def test_429_mid_pagination_raises_with_reset_and_loses_no_page(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 3600)
    posts = [data.add_post("python", title=f"widget {i}") for i in range(500)]
    _fresh(data, fake_reddit)
    fake_reddit.fail(
        3, Fault(429, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "37"})
    )
    connector = make_reddit()

    with pytest.raises(RateLimited) as info:
        connector.fetch("search", "widget", None)
    assert info.value.retry_after == 37
    partial = info.value.partial
    assert partial is not None and len(partial.mentions) == 200 and not partial.exhausted

    # Either retry with the old cursor ...
    again = connector.fetch("search", "widget", None)
    assert sorted(_ids(again.mentions)) == sorted(p["name"] for p in posts)
    # ... or keep the partial batch and resume from its cursor.
    rest = make_reddit().fetch("search", "widget", partial.next_cursor)
    combined = _ids(partial.mentions) + _ids(rest.mentions)
    assert sorted(combined) == sorted(p["name"] for p in posts)


def test_remaining_zero_stops_paging_and_the_next_fetch_waits(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 3600)
    for i in range(500):
        data.add_post("python", title=f"widget {i}")
    _fresh(data, fake_reddit)
    fake_reddit.ratelimit_remaining = 2  # the 2nd API request answers "0.0 remaining"
    connector = make_reddit()

    started = time.monotonic()
    result = connector.fetch("search", "widget", None)
    assert time.monotonic() - started < 2  # prawcore did not sleep
    assert len(result.mentions) == 200 and not result.exhausted
    assert connector.rate_limit.remaining == 0
    assert result.next_cursor.values["not_before"] == pytest.approx(time.time() + 420, abs=5)

    before = fake_reddit.count()
    with pytest.raises(RateLimited) as info:
        connector.fetch("search", "widget", result.next_cursor)
    assert info.value.retry_after == pytest.approx(420, abs=5)
    assert fake_reddit.count() == before


def test_bad_client_secret_is_auth_failed(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    with pytest.raises(AuthFailed):
        make_reddit(client_secret="nope").fetch("subreddit", "python", None)


def test_revoked_token_gets_a_new_login_within_the_same_fetch(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    connector = make_reddit()
    connector.fetch("subreddit", "python", None)
    fake_reddit.tokens.clear()
    assert connector.fetch("subreddit", "python", None).mentions
    assert fake_reddit.count("token") == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient_without_sleeping_retries(
    status: int, fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    fake_reddit.fail(1, Fault(status))
    started = time.monotonic()
    with pytest.raises(Transient):
        make_reddit().fetch("subreddit", "python", None)
    assert time.monotonic() - started < 1
    assert fake_reddit.count() == 1  # prawcore's retry-with-sleep was bypassed


def test_slow_response_is_transient(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    fake_reddit.fail(1, Fault(200, delay=1.2))
    started = time.monotonic()
    with pytest.raises(Transient, match="within 0.5 s"):
        make_reddit(timeout=0.5).fetch("subreddit", "python", None)
    assert time.monotonic() - started < 1.1


def test_malformed_json_is_transient(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    fake_reddit.fail(1, Fault(malformed=True))
    with pytest.raises(Transient, match="not valid JSON"):
        make_reddit().fetch("subreddit", "python", None)


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        (lambda d: d.private.add("secret"), "private"),
        (lambda d: d.banned.add("secret"), "banned"),
        (lambda d: None, "not found"),
    ],
)
def test_private_banned_and_missing_subreddits_are_permanent(
    setup: Callable[[RedditData], None],
    match: str,
    fake_reddit: FakeReddit,
    reddit_data: RedditData,
    make_reddit: MakeReddit,
) -> None:
    setup(reddit_data)
    with pytest.raises(Permanent, match=match):
        make_reddit().fetch("subreddit", "secret", None)


def test_invalid_query_is_permanent_without_a_request(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    with pytest.raises(Permanent, match="not a subreddit name"):
        make_reddit().fetch("subreddit", "no spaces allowed", None)
    assert fake_reddit.requests == []


def test_token_goes_to_reddit_url_and_api_calls_to_oauth_url(reddit_data: RedditData) -> None:
    www = FakeReddit(reddit_data).start()
    oauth = FakeReddit(reddit_data).start()
    oauth.tokens = www.tokens  # one Reddit behind two hosts
    try:
        from connectors.reddit import RedditConfig

        connector = RedditConnector(
            RedditConfig(
                "test-client",
                "test-secret",
                "social-crm tests/1.0",
                oauth_url=oauth.url,
                reddit_url=www.url,
                timeout=0.5,
            )  # fmt: skip
        )
        assert connector.fetch("subreddit", "python", Cursor()).mentions
        assert {r.path for r in www.requests} == {"/api/v1/access_token"}
        assert {r.path for r in oauth.requests} == {"/r/python/new", "/r/python/comments"}
        assert all(r.headers["user-agent"].startswith("social-crm tests/1.0") for r in www.requests)
    finally:
        www.stop()
        oauth.stop()


def test_prawcore_pacing_never_sleeps(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    data = RedditData(clock=time.time() - 3600)
    for i in range(300):
        data.add_post("python", title=f"widget {i}")
    _fresh(data, fake_reddit)
    # Half the window's budget used with 420 s to go: prawcore alone would sleep 10 s per page.
    fake_reddit.ratelimit_remaining = 500
    started = time.monotonic()
    result = make_reddit().fetch("search", "widget", None)
    assert len(result.mentions) == 300
    assert time.monotonic() - started < 2
