"""The X connector through the real tweepy Client against the fake X API on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fakes.server import Fault
from fakes.x_api import FakeX, XData

from connectors.errors import AuthFailed, Permanent, RateLimited, Transient
from connectors.x import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, XConnector

MakeX = Callable[..., XConnector]
BRAND_ID = "2244994945"


def _ids(mentions: list) -> list[str]:  # type: ignore[type-arg]
    return [m.external_id for m in mentions]


def _people(data: XData) -> tuple[dict, dict]:  # type: ignore[type-arg]
    data.add_user("crm_brand", "CRM Brand ✅", user_id=BRAND_ID)
    anna = data.add_user("anna_schmidt", "Anna Schmidt 🌻", followers=321)
    jules = data.add_user("jules_v", "Jules ✨", followers=5)
    return anna, jules


# --- mapping ---------------------------------------------------------------------------------


def test_tweet_and_reply_map_every_field(fake_x: FakeX, make_x: MakeX) -> None:
    data = XData(clock=time.time() - 600)
    anna, jules = _people(data)
    root = data.add_tweet(anna, "Das widget ist großartig 🚀 Größe passt", lang="de")
    reply = data.add_tweet(jules, "@anna_schmidt agreed, the widget rocks", reply_to=root)
    fake_x.data = data

    result = make_x().fetch("search", "widget", None)

    assert result.failures == [] and result.exhausted
    by_id = {m.external_id: m for m in result.mentions}
    r, p = by_id[reply["id"]], by_id[root["id"]]
    assert p.platform == "x" and p.kind == "post" and p.parent_id is None
    assert p.text == "Das widget ist großartig 🚀 Größe passt" and p.language == "de"
    assert p.created_at == datetime.fromisoformat(root["created_at"]) and p.created_at.tzinfo
    assert p.created_at.tzinfo == UTC
    assert p.url == f"https://x.com/anna_schmidt/status/{root['id']}"
    assert p.thread_id == root["id"]
    assert p.author.id == anna["id"]
    assert p.author.handle == "anna_schmidt" and p.author.display_name == "Anna Schmidt 🌻"
    assert p.author.profile_url == "https://x.com/anna_schmidt"
    assert p.author.avatar_url == anna["profile_image_url"]
    assert p.author.followers == 321
    assert r.kind == "reply" and r.parent_id == root["id"] and r.thread_id == root["id"]
    assert r.raw["in_reply_to_user_id"] == anna["id"]
    assert r.raw["public_metrics"]["like_count"] == reply["public_metrics"]["like_count"]
    assert r.raw["referenced_tweets"] == [{"type": "replied_to", "id": root["id"]}]


def test_requests_carry_the_documented_fields(fake_x: FakeX, make_x: MakeX) -> None:
    make_x().fetch("search", "widget", None)
    q = fake_x.requests[0].query
    assert fake_x.requests[0].path == "/2/tweets/search/recent"
    assert q["expansions"].split(",") == EXPANSIONS
    assert q["tweet.fields"].split(",") == TWEET_FIELDS
    assert q["user.fields"].split(",") == USER_FIELDS
    assert q["max_results"] == "100" and q["query"] == "widget"
    assert "start_time" in q and "since_id" not in q


def test_mentions_map_as_mentions_and_undetermined_language_is_none(
    fake_x: FakeX, make_x: MakeX
) -> None:
    data = XData(clock=time.time() - 600)
    anna, _ = _people(data)
    t = data.add_tweet(anna, "@crm_brand 🎉🎉🎉", lang="und")
    fake_x.data = data

    [m] = make_x().fetch("mentions", BRAND_ID, None).mentions

    assert m.kind == "mention" and m.external_id == t["id"] and m.language is None
    assert m.text == "@crm_brand 🎉🎉🎉"
    assert fake_x.requests[0].path == f"/2/users/{BRAND_ID}/mentions"


def test_author_missing_from_includes_still_maps(fake_x: FakeX, make_x: MakeX) -> None:
    data = XData(clock=time.time() - 600)
    ghost = {"id": "999", "username": "ghost", "name": "Ghost"}  # not registered
    t = data.add_tweet(ghost, "widget from a suspended account")
    fake_x.data = data

    [m] = make_x().fetch("search", "widget", None).mentions

    assert m.author.id == "999" and m.author.handle == "" and m.author.profile_url is None
    assert m.url == f"https://x.com/i/web/status/{t['id']}"


def test_malformed_tweet_goes_to_failures_and_the_page_lands(fake_x: FakeX, make_x: MakeX) -> None:
    data = XData(clock=time.time() - 600)
    anna, _ = _people(data)
    tweets = [data.add_tweet(anna, f"widget {i} ✨") for i in range(5)]
    del tweets[1]["created_at"]
    tweets[3]["created_at"] = "not a date"
    fake_x.data = data

    result = make_x().fetch("search", "widget", None)

    assert sorted(_ids(result.mentions)) == sorted(
        t["id"] for t in (tweets[0], tweets[2], tweets[4])
    )
    assert {raw["id"]: reason for reason, raw in result.failures} == {
        tweets[1]["id"]: "missing created_at",
        tweets[3]["id"]: "invalid created_at",
    }
    assert result.next_cursor.values == {"since_id": tweets[4]["id"]}


def test_generated_dataset_non_ascii_round_trips(
    fake_x: FakeX, x_data: XData, make_x: MakeX
) -> None:
    result = make_x().fetch("mentions", BRAND_ID, None)
    expected = [t for t in x_data.tweets if "@crm_brand" in t["text"]]
    assert sorted(_ids(result.mentions)) == sorted(t["id"] for t in expected)
    texts = " ".join(m.text for m in result.mentions)
    assert any(ch in texts for ch in "äöüß")
    assert any(ord(ch) > 0xFFFF for ch in texts)  # emoji outside the BMP survived
    assert {m.author.display_name for m in result.mentions} & {"Дмитрий", "田中 宏", "Jules ✨"}


# --- cursors and pagination ------------------------------------------------------------------


def test_since_id_cursor_advances_and_nothing_is_fetched_twice(
    fake_x: FakeX, x_data: XData, make_x: MakeX
) -> None:
    connector = make_x()
    first = connector.fetch("search", "widget", None)
    assert first.mentions and first.exhausted

    author = next(iter(x_data.users.values()))
    new = x_data.add_tweet(author, "another widget 🚀")
    second = connector.fetch("search", "widget", first.next_cursor)
    assert _ids(second.mentions) == [new["id"]]
    assert fake_x.requests[-1].query["since_id"] == first.next_cursor.values["since_id"]

    third = connector.fetch("search", "widget", second.next_cursor)
    assert third.mentions == [] and third.next_cursor == second.next_cursor
    assert json.loads(json.dumps(third.next_cursor.values)) == third.next_cursor.values


def test_paginates_five_pages_of_100(fake_x: FakeX, make_x: MakeX) -> None:
    data = XData(clock=time.time() - 3600)
    anna, _ = _people(data)
    tweets = [data.add_tweet(anna, f"widget {i}") for i in range(500)]
    fake_x.data = data

    result = make_x().fetch("search", "widget", None)

    assert sorted(_ids(result.mentions)) == sorted(t["id"] for t in tweets)
    assert result.exhausted and result.next_cursor.values == {"since_id": tweets[-1]["id"]}
    assert len(fake_x.requests) == 5
    assert "next_token" not in fake_x.requests[0].query
    assert all("next_token" in r.query for r in fake_x.requests[1:])


def test_mentions_paginate_with_pagination_token(fake_x: FakeX, make_x: MakeX) -> None:
    data = XData(clock=time.time() - 3600)
    anna, _ = _people(data)
    tweets = [data.add_tweet(anna, f"@crm_brand hallo {i} 👋") for i in range(150)]
    fake_x.data = data

    result = make_x().fetch("mentions", BRAND_ID, None)

    assert sorted(_ids(result.mentions)) == sorted(t["id"] for t in tweets)
    assert "pagination_token" in fake_x.requests[1].query


def test_bound_per_run_then_resume_including_tweets_that_arrived_meanwhile(
    fake_x: FakeX, make_x: MakeX
) -> None:
    data = XData(clock=time.time() - 3600)
    anna, _ = _people(data)
    old = [data.add_tweet(anna, f"widget {i}") for i in range(250)]
    fake_x.data = data
    connector = make_x(max_items=100)

    first = connector.fetch("search", "widget", None)
    assert len(first.mentions) == 100 and not first.exhausted
    newer = [data.add_tweet(anna, f"widget new {i}") for i in range(3)]
    second = connector.fetch("search", "widget", first.next_cursor)
    assert "until_id" in fake_x.requests[-1].query
    third = connector.fetch("search", "widget", second.next_cursor)
    assert not second.exhausted and third.exhausted
    seen = _ids(first.mentions) + _ids(second.mentions) + _ids(third.mentions)
    assert sorted(seen) == sorted(t["id"] for t in old)

    fourth = connector.fetch("search", "widget", third.next_cursor)
    assert sorted(_ids(fourth.mentions)) == sorted(t["id"] for t in newer)
    assert connector.fetch("search", "widget", fourth.next_cursor).mentions == []


def test_long_backfill_is_clamped_to_the_recent_search_window(fake_x: FakeX, make_x: MakeX) -> None:
    result = make_x(backfill_hours=24 * 30).fetch("search", "widget", None)
    assert result.mentions  # the fake answers 400 to a start_time older than 7 days


# --- errors and rate limits ------------------------------------------------------------------


def test_429_mid_pagination_raises_with_reset_and_loses_no_page(
    fake_x: FakeX, make_x: MakeX
) -> None:
    data = XData(clock=time.time() - 3600)
    anna, _ = _people(data)
    tweets = [data.add_tweet(anna, f"widget {i}") for i in range(500)]
    fake_x.data = data
    reset = int(time.time()) + 37
    fake_x.fail(
        3, Fault(429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    )
    connector = make_x()

    with pytest.raises(RateLimited) as info:
        connector.fetch("search", "widget", None)
    assert info.value.retry_after == pytest.approx(reset - time.time(), abs=1.5)
    partial = info.value.partial
    assert partial is not None and len(partial.mentions) == 200

    again = connector.fetch("search", "widget", None)
    assert sorted(_ids(again.mentions)) == sorted(t["id"] for t in tweets)
    rest = make_x().fetch("search", "widget", partial.next_cursor)
    assert sorted(_ids(partial.mentions) + _ids(rest.mentions)) == sorted(t["id"] for t in tweets)


def test_remaining_zero_stops_paging_and_the_next_fetch_waits(fake_x: FakeX, make_x: MakeX) -> None:
    data = XData(clock=time.time() - 3600)
    anna, _ = _people(data)
    for i in range(500):
        data.add_tweet(anna, f"widget {i}")
    fake_x.data = data
    fake_x.rate_remaining = 2  # the 2nd request answers x-rate-limit-remaining: 0
    connector = make_x()

    result = connector.fetch("search", "widget", None)

    assert len(result.mentions) == 200 and not result.exhausted
    assert connector.rate_limit.exhausted
    assert result.next_cursor.values["not_before"] == pytest.approx(time.time() + 600, abs=5)
    with pytest.raises(RateLimited):
        connector.fetch("search", "widget", result.next_cursor)
    assert fake_x.count() == 2


@pytest.mark.parametrize(("status", "error"), [(401, AuthFailed), (403, AuthFailed)])
def test_auth_errors(status: int, error: type[Exception], fake_x: FakeX, make_x: MakeX) -> None:
    fake_x.fail(1, Fault(status))
    with pytest.raises(error):
        make_x().fetch("search", "widget", None)


def test_wrong_bearer_token_is_auth_failed(fake_x: FakeX, make_x: MakeX) -> None:
    with pytest.raises(AuthFailed, match="Unauthorized"):
        make_x(bearer_token="wrong").fetch("search", "widget", None)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(status: int, fake_x: FakeX, make_x: MakeX) -> None:
    fake_x.fail(1, Fault(status))
    with pytest.raises(Transient):
        make_x().fetch("search", "widget", None)
    assert fake_x.count() == 1


def test_slow_response_is_transient(fake_x: FakeX, make_x: MakeX) -> None:
    fake_x.fail(1, Fault(200, delay=1.2))
    started = time.monotonic()
    with pytest.raises(Transient, match="in time"):
        make_x(timeout=0.5).fetch("search", "widget", None)
    assert time.monotonic() - started < 1.1


def test_malformed_json_is_transient(fake_x: FakeX, make_x: MakeX) -> None:
    fake_x.fail(1, Fault(malformed=True))
    with pytest.raises(Transient, match="not valid JSON"):
        make_x().fetch("search", "widget", None)


def test_bad_request_and_unknown_user_are_permanent(fake_x: FakeX, make_x: MakeX) -> None:
    fake_x.fail(1, Fault(400))
    with pytest.raises(Permanent):
        make_x().fetch("search", "widget", None)
    with pytest.raises(Permanent, match="Could not find user"):
        make_x().fetch("mentions", "12345", None)


def test_invalid_queries_are_permanent_without_a_request(fake_x: FakeX, make_x: MakeX) -> None:
    with pytest.raises(Permanent, match="numeric X user id"):
        make_x().fetch("mentions", "@crm_brand", None)
    with pytest.raises(Permanent, match="at most 512"):
        make_x().fetch("search", "w" * 513, None)
    assert fake_x.requests == []


def test_profile_facts_come_with_the_author(fake_x: FakeX, make_x: MakeX) -> None:
    """Bio, website and bio links (expanded from t.co) reach identity matching through ingest."""
    data = XData(clock=time.time() - 600)
    felix = data.add_user("felix_mk", "Felix (he/him)", website="https://felix.example.org",
                          bio_links=("https://fosstodon.org/@felix_mk",))
    data.add_tweet(felix, "the widget works", lang="en")
    fake_x.data = data

    (m,) = make_x().fetch("search", "widget", None).mentions

    assert m.author.website == "https://felix.example.org"
    assert m.author.links == ("https://fosstodon.org/@felix_mk",)
    assert m.author.bio is not None and m.author.bio.startswith("Hi, I am Felix")
