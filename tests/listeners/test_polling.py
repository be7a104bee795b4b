"""poll_source against the fake Reddit and X servers, through listeners.runtime into the test database.

Faults come from the fakes (scripted HTTP statuses) or, for crashes, from wrapping our own
code path (``ingest_batch``, the connector's ``fetch``); the database is never mocked.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fakes.reddit_api import RedditData
from fakes.server import Fault
from fakes.texts import DISPLAY_NAMES, NAMES, SENTENCES
from fakes.x_api import XData
from sqlalchemy import func, select

from crm.db import utcnow
from crm.interactions.models import Interaction, QuarantinedItem
from crm.members.models import Identity
from crm.sources import services as sources
from crm.sources.models import PollRun, Source
from listeners import polling
from listeners.polling import poll_source
from tests.listeners.conftest import Listening


# --- helpers -----------------------------------------------------------------------------
def reddit_posts(n: int, *, subreddit: str = "python", comments: int = 0) -> RedditData:
    """``n`` posts (and ``comments`` comments on the first post), all within the last hour."""
    data = RedditData(clock=time.time() - 3600)
    first = None
    for i in range(n):
        post = data.add_post(subreddit, author=NAMES[i % len(NAMES)], title=f"Post {i}",
                             selftext=SENTENCES[i % len(SENTENCES)])
        first = first or post
    for j in range(comments):
        assert first is not None
        data.add_comment(first, author=NAMES[j % len(NAMES)], body=f"Comment {j}: {SENTENCES[j % len(SENTENCES)]}")
    return data


def x_tweets(n: int, *, start: float | None = None) -> XData:
    """``n`` tweets that all contain the word "widget", all within the last hour."""
    data = XData(clock=start if start is not None else time.time() - 3600)
    users = [data.add_user(NAMES[i], DISPLAY_NAMES[i]) for i in range(len(NAMES))]
    for i in range(n):
        data.add_tweet(users[i % len(users)], f"widget {i} {SENTENCES[i % len(SENTENCES)]}")
    return data


def external_ids(listening: Listening, source_id: int | None = None) -> list[str]:
    """External ids of the stored interactions (of one source), with repeats if there were any."""
    with listening.session_factory() as s:
        query = select(Interaction.external_id)
        if source_id is not None:
            query = query.where(Interaction.source_id == source_id)
        return list(s.scalars(query))


def runs(listening: Listening, source_id: int) -> list[PollRun]:
    """The poll records of a source, oldest first."""
    with listening.session_factory() as s:
        found = list(s.scalars(select(PollRun).where(PollRun.source_id == source_id).order_by(PollRun.id)))
        s.expunge_all()
        return found


def api_requests(fake: Any, path_part: str) -> list[Any]:
    return [r for r in fake.requests if path_part in r.path]


def wrap_fetch(monkeypatch: pytest.MonkeyPatch, after_fetch: Callable[[], None] | None = None,
               error: Exception | None = None) -> None:
    """Fault injection around the connector: run ``after_fetch`` once the fetch returned, or raise."""
    real_build = polling.registry.build

    def build(platform: str, values: Any) -> Any:
        connector = real_build(platform, values)
        real_fetch = connector.fetch

        def fetch(*args: Any, **kwargs: Any) -> Any:
            if error is not None:
                raise error
            result = real_fetch(*args, **kwargs)
            if after_fetch is not None:
                after_fetch()
            return result

        connector.fetch = fetch  # type: ignore[method-assign]
        return connector

    monkeypatch.setattr(polling.registry, "build", build)


# --- cursors and backfill ----------------------------------------------------------------
def test_first_poll_backfills_the_window_then_only_new_items_are_fetched(listening: Listening) -> None:
    data = RedditData(clock=time.time() - 3600)
    now = time.time()
    old = [data.add_post("python", title=f"Old {i}", selftext="Last week's news", created_utc=now - 30 * 3600 + i)
           for i in range(3)]
    fresh = [data.add_post("python", title=f"Fresh {i}", selftext="Today's news") for i in range(5)]
    fresh.append(data.add_comment(fresh[0], body="A fresh comment"))
    listening.reddit.data = data
    recent = listening.add_source(backfill_hours=24)
    deep = listening.add_source(name="deep", backfill_hours=48)

    assert poll_source(recent)["new"] == 6
    assert sorted(external_ids(listening, recent)) == sorted(d["name"] for d in fresh)
    # The other source looks back 48 hours: it also finds the old posts (the rest are known).
    assert poll_source(deep) == {"fetched": 9, "new": 3, "duplicates": 6, "quarantined": 0, "suppressed": 0, "exhausted": True}
    assert sorted(external_ids(listening, deep)) == sorted(d["name"] for d in old)

    source = listening.source(recent)
    assert source.status == "ok" and source.status_reason is None and source.lease_until is None
    assert source.cursor == {"posts": {"newest": fresh[4]["name"]}, "comments": {"newest": fresh[5]["name"]}}
    assert source.items_collected == 6
    assert source.next_poll_at is not None and source.last_polled_at is not None
    assert source.next_poll_at - source.last_polled_at == timedelta(seconds=300)

    # Something new arrives: the next poll fetches exactly that, nothing twice.
    newer = [data.add_post("python", title="Newer", selftext="Breaking"),
             data.add_comment(fresh[1], body="Another comment")]
    assert poll_source(recent) == {"fetched": 2, "new": 2, "duplicates": 0, "quarantined": 0, "suppressed": 0, "exhausted": True}
    assert poll_source(recent)["fetched"] == 0
    ids = external_ids(listening, recent)
    assert len(ids) == len(set(ids)) == 8
    assert {d["name"] for d in newer} <= set(ids)
    assert listening.source(recent).items_collected == 8

    recorded = runs(listening, recent)
    assert [(r.outcome, r.fetched, r.new, r.duplicates) for r in recorded] == [
        ("ok", 6, 6, 0), ("ok", 2, 2, 0), ("ok", 0, 0, 0)]
    assert all(r.finished_at is not None and r.finished_at >= r.started_at and r.duration_ms >= 0 for r in recorded)


def test_x_cursor_advances_with_since_id(listening: Listening) -> None:
    now = time.time()
    data = x_tweets(0)
    users = [data.add_user("old_timer", "Old Timer")]
    data.add_tweet(users[0], "widget from two days ago", created=now - 48 * 3600)
    fresh = x_tweets(12, start=now - 3600)
    for tweet in fresh.tweets:  # same ids as fresh, served from one dataset
        data.tweets.append(tweet)
    data.users.update(fresh.users)
    data.next_id = max(data.next_id, fresh.next_id)
    listening.x.data = data
    sid = listening.add_source("x", "search", "widget")

    assert poll_source(sid)["new"] == 12
    source = listening.source(sid)
    newest = max(fresh.tweets, key=lambda t: int(t["id"]))["id"]
    assert source.cursor == {"since_id": newest}

    newer = data.add_tweet(users[0], "widget news, just now")
    assert poll_source(sid) == {"fetched": 1, "new": 1, "duplicates": 0, "quarantined": 0, "suppressed": 0, "exhausted": True}
    assert listening.x.requests[-1].query["since_id"] == newest
    assert listening.source(sid).cursor == {"since_id": newer["id"]}
    ids = external_ids(listening, sid)
    assert len(ids) == len(set(ids)) == 13


def test_pagination_over_many_pages_is_bounded_per_run_and_resumes(listening: Listening) -> None:
    listening.reddit.data = reddit_posts(1_050)
    sid = listening.add_source()

    first = poll_source(sid)
    # max_items (1,000) is split between the two listings: 500 posts per run.
    assert (first["new"], first["exhausted"]) == (500, False)
    source = listening.source(sid)
    assert source.status == "ok" and source.next_poll_at <= utcnow()  # continues right away
    assert runs(listening, sid)[-1].outcome == "partial"
    assert (poll_source(sid)["new"], poll_source(sid)["new"]) == (500, 50)
    assert listening.source(sid).next_poll_at > utcnow() + timedelta(seconds=250)

    ids = external_ids(listening, sid)
    assert len(ids) == len(set(ids)) == 1_050
    assert [r.outcome for r in runs(listening, sid)] == ["partial", "partial", "ok"]
    assert sum(r.duplicates for r in runs(listening, sid)) == 0
    pages = api_requests(listening.reddit, "/r/python/new")
    assert len(pages) == 11 and all(r.query["limit"] == "100" for r in pages)


def test_x_pagination_follows_next_token(listening: Listening) -> None:
    listening.x.data = x_tweets(250)
    sid = listening.add_source("x", "search", "widget")

    assert poll_source(sid)["new"] == 250
    pages = api_requests(listening.x, "/2/tweets/search/recent")
    assert len(pages) == 3
    assert "next_token" not in pages[0].query and all("next_token" in p.query for p in pages[1:])


# --- crashes -----------------------------------------------------------------------------
@pytest.mark.parametrize("crash_on", [2, 4], ids=["second-batch", "last-batch"])
def test_a_crash_mid_poll_loses_and_duplicates_nothing(
    listening: Listening, monkeypatch: pytest.MonkeyPatch, crash_on: int
) -> None:
    listening.reconfigure(ingest_batch_size=10)
    data = reddit_posts(20, comments=15)  # 35 items: batches of 10, 10, 10, 5
    listening.reddit.data = data
    sid = listening.add_source()
    calls: list[int] = []
    real_ingest = polling.ingest_batch

    def flaky(session: Any, batch: Any, **options: Any) -> Any:
        calls.append(len(batch))
        if len(calls) == crash_on:
            raise RuntimeError("disk full")
        return real_ingest(session, batch, **options)

    monkeypatch.setattr(polling, "ingest_batch", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        poll_source(sid)

    committed = (crash_on - 1) * 10
    assert len(external_ids(listening, sid)) == committed
    source = listening.source(sid)
    assert source.cursor is None  # the cursor travels with the last batch only
    assert source.lease_until is None and source.last_error == "RuntimeError: disk full"
    assert source.status == "degraded" and source.next_poll_at > utcnow()  # backs off, no tight retry loop
    crashed = runs(listening, sid)[-1]
    assert (crashed.outcome, crashed.error, crashed.new) == ("error", "RuntimeError: disk full", committed)
    assert crashed.finished_at is not None

    monkeypatch.undo()
    result = poll_source(sid)
    assert (result["new"], result["duplicates"]) == (35 - committed, committed)

    # The same end state as a clean run: every item once, the cursor after the newest.
    ids = external_ids(listening, sid)
    everything = [d["name"] for items in (data.posts["python"], data.comments["python"]) for d in items]
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(everything)
    source = listening.source(sid)
    assert source.cursor == {"posts": {"newest": data.posts["python"][-1]["name"]},
                             "comments": {"newest": data.comments["python"][-1]["name"]}}
    assert (source.status, source.consecutive_failures, source.items_collected) == ("ok", 0, 35)


def test_a_poll_record_left_open_is_closed_by_the_next_poll_of_its_source(listening: Listening) -> None:
    # The finish of a poll could not be written (the database went away after the poll began);
    # the source was released meanwhile and is polled again every second, so a healing step
    # rarely finds it unleased. The next poll holds the lease, so the open record is dead.
    listening.reddit.data = reddit_posts(3)
    sid = listening.add_source()
    with listening.session_factory() as s:
        s.add(PollRun(source_id=sid, started_at=utcnow() - timedelta(minutes=3)))
        s.commit()
    poll_source(sid)
    first, second = runs(listening, sid)
    assert (first.outcome, first.error) == ("crashed", sources.CRASHED)
    assert first.finished_at is not None
    assert (second.outcome, second.new) == ("ok", 3)


def test_an_unexpected_connector_error_is_recorded_and_propagates(
    listening: Listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = listening.add_source()
    wrap_fetch(monkeypatch, error=KeyError("surprise"))

    with pytest.raises(KeyError):
        poll_source(sid)

    run = runs(listening, sid)[-1]
    assert run.outcome == "error" and run.error is not None and "KeyError" in run.error
    source = listening.source(sid)
    assert source.lease_until is None and source.consecutive_failures == 1
    assert source.next_poll_at > utcnow() + timedelta(seconds=200)


# --- platform errors ---------------------------------------------------------------------
def test_a_429_in_the_middle_of_a_reddit_walk_loses_no_page(listening: Listening) -> None:
    data = reddit_posts(350)
    listening.reddit.data = data
    sid = listening.add_source()
    listening.reddit.fail(3, Fault(429, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "420"}))

    result = poll_source(sid)
    assert result["rate_limited"] == 420 and result["new"] == 200  # pages 1 and 2 are kept
    source = listening.source(sid)
    assert source.status == "degraded" and "Rate limited" in (source.status_reason or "")
    assert source.lease_until is None and source.consecutive_failures == 0
    assert source.next_poll_at >= utcnow() + timedelta(seconds=415)
    assert runs(listening, sid)[-1].outcome == "rate_limited"

    # Never hammer: the dispatcher does not claim it before the reset.
    with listening.session_factory.begin() as s:
        assert sources.claim_due(s) == []
        assert sources.claim_due(s, now=utcnow() + timedelta(seconds=430)) == [sid]
        sources.release_claim(s, sid)

    second = poll_source(sid)
    assert (second["new"], second["duplicates"]) == (150, 0)
    newest_first = sorted(data.posts["python"], key=lambda d: int(d["id"], 36), reverse=True)
    resumed = api_requests(listening.reddit, "/r/python/new")[3]
    assert resumed.query["after"] == newest_first[199]["name"]
    ids = external_ids(listening, sid)
    assert len(ids) == len(set(ids)) == 350
    assert listening.source(sid).status == "ok"


def test_a_429_in_the_middle_of_an_x_walk_loses_no_page(listening: Listening) -> None:
    listening.x.data = x_tweets(250)
    sid = listening.add_source("x", "search", "widget")
    reset = int(time.time()) + 120
    listening.x.fail(2, Fault(429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))

    result = poll_source(sid)
    assert result["new"] == 100 and 100 <= result["rate_limited"] <= 121
    assert listening.source(sid).next_poll_at >= utcnow() + timedelta(seconds=100)

    second = poll_source(sid)
    assert (second["new"], second["duplicates"]) == (150, 0)
    ids = external_ids(listening, sid)
    assert len(ids) == len(set(ids)) == 250


def test_transient_errors_back_off_with_jitter_then_fail_then_recover(listening: Listening) -> None:
    sid = listening.add_source(interval_seconds=60)
    for n in range(1, 6):
        listening.reddit.fail(n, Fault(503))

    for n in range(1, 6):
        before = utcnow()
        assert poll_source(sid)["error"] == "Transient"
        source = listening.source(sid)
        assert source.consecutive_failures == n
        assert source.status == ("failing" if n == 5 else "degraded")
        assert f"{n} failed poll(s) in a row" in (source.status_reason or "")
        wait = (source.next_poll_at - before).total_seconds()
        base = min(3600, 60 * 2 ** (n - 1))
        assert 0.8 * base - 1 <= wait <= 1.2 * base + 1, (n, wait)
        assert source.lease_until is None and source.enabled

    assert poll_source(sid)["exhausted"] is True
    source = listening.source(sid)
    assert (source.status, source.status_reason, source.consecutive_failures) == ("ok", None, 0)
    assert source.last_error is not None  # the last error stays visible on the page
    assert [r.outcome for r in runs(listening, sid)] == ["transient"] * 5 + ["ok"]


def test_backoff_is_exponential_jittered_and_capped() -> None:
    rng = random.Random(3)
    samples = [sources.backoff_seconds(300, 1, rng) for _ in range(200)]
    assert 240 <= min(samples) and max(samples) <= 360 and len({round(s) for s in samples}) > 20
    assert 0.8 * 1200 <= sources.backoff_seconds(300, 3, rng) <= 1.2 * 1200
    assert sources.backoff_seconds(300, 30, rng) <= 1.2 * 3600
    assert sources.backoff_seconds(5, 1, rng) >= 0.8 * 30


@pytest.mark.parametrize("platform", ["reddit", "x"])
def test_auth_failure_disables_the_source_without_a_retry_storm(listening: Listening, platform: str) -> None:
    if platform == "reddit":
        listening.set_connector_env(REDDIT_CLIENT_SECRET="wrong-secret")
        sid = listening.add_source()
    else:
        listening.set_connector_env(X_BEARER_TOKEN="wrong-token")
        sid = listening.add_source("x", "search", "widget")
    fake = listening.reddit if platform == "reddit" else listening.x

    assert poll_source(sid)["error"] == "AuthFailed"
    source = listening.source(sid)
    assert source.enabled is False and source.status == "disabled"
    assert source.status_reason is not None and source.status_reason.startswith("Credentials were refused")
    assert source.lease_until is None
    assert runs(listening, sid)[-1].outcome == "auth_failed"

    sent = len(fake.requests)
    with listening.session_factory.begin() as s:
        assert sources.claim_due(s, now=utcnow() + timedelta(days=2)) == []
        assert sources.claim(s, sid, force=True) is False  # not even "poll now"
    assert poll_source(sid) == {"skipped": "gone or paused"}
    assert len(fake.requests) == sent


def test_an_unconfigured_connector_disables_its_sources_and_says_what_to_set(listening: Listening) -> None:
    listening.set_connector_env(REDDIT_CLIENT_ID=None, REDDIT_CLIENT_SECRET=None)
    sid = listening.add_source()

    assert poll_source(sid)["error"] == "ConnectorDisabled"
    source = listening.source(sid)
    assert source.status == "disabled" and not source.enabled
    assert "REDDIT_CLIENT_ID" in (source.status_reason or "")
    assert listening.reddit.requests == []


def test_a_banned_subreddit_is_failing_and_retried_rarely(listening: Listening, reddit_data: RedditData) -> None:
    reddit_data.banned.add("python")
    sid = listening.add_source()

    assert poll_source(sid)["error"] == "Permanent"
    source = listening.source(sid)
    assert source.status == "failing" and "banned" in (source.status_reason or "")
    assert source.next_poll_at >= utcnow() + timedelta(hours=5, minutes=59)
    assert source.enabled


# --- content -----------------------------------------------------------------------------
def test_deleted_authors_and_non_ascii_text_are_kept_faithfully(listening: Listening, reddit_data: RedditData) -> None:
    sid = listening.add_source()
    poll_source(sid)

    items = {d["name"]: d for d in reddit_data.posts["python"] + reddit_data.comments["python"]}
    with listening.session_factory() as s:
        stored = {i.external_id: i for i in s.scalars(select(Interaction).where(Interaction.source_id == sid))}
        identities = {i.id: i for i in s.scalars(select(Identity).where(Identity.platform == "reddit"))}
        quarantined = s.scalar(select(func.count()).select_from(QuarantinedItem)) or 0

        gone = [n for n, d in items.items() if d["author"] == "[deleted]" and d.get("selftext", d.get("body")) in ("[deleted]", "[removed]")]
        ghosts = [n for n, d in items.items() if d["author"] == "[deleted]" and n not in gone]
        assert gone and ghosts
        assert not set(gone) & set(stored)  # no person and no words: skipped
        ghost_identities = {stored[n].identity_id for n in ghosts}
        assert len(ghost_identities) == len(ghosts)  # never merged into one invented person
        for n in ghosts:
            identity = identities[stored[n].identity_id]
            assert identity.external_id == f"reddit-deleted:{n}" and identity.handle == "[deleted]"
            assert stored[n].raw["author_deleted"] is True

        checked = 0
        for name, interaction in stored.items():
            data = items[name]
            if name.startswith("t3_"):
                assert interaction.title == data["title"]
                assert interaction.text == data["selftext"]
            else:
                # A removed comment keeps Reddit's marker: the person's timeline shows it.
                assert interaction.text == data["body"]
            checked += 1
        texts = " ".join(i.text for i in stored.values())
        assert "🚀🔥" in texts and "日本語" in texts and "Größenänderung" in texts and "مرحبا" in texts
        # Everything fetched is stored or skipped as empty; nothing needs the quarantine.
        assert quarantined == 0
        assert checked + len(gone) == len(items)


def test_x_display_names_with_emoji_and_other_scripts_reach_the_identity(listening: Listening) -> None:
    sid = listening.add_source("x", "mentions", "2244994945")
    poll_source(sid)

    with listening.session_factory() as s:
        names = set(s.scalars(
            select(Identity.display_name).join(Interaction, Interaction.identity_id == Identity.id)
            .where(Interaction.source_id == sid)
        ))
        texts = list(s.scalars(select(Interaction.text).where(Interaction.source_id == sid)))
    assert names and names <= set(DISPLAY_NAMES)
    assert any(not n.isascii() for n in names)
    assert texts and all(t.startswith("@crm_brand ") for t in texts)


# --- the source changes while a poll runs ------------------------------------------------
def test_a_source_deleted_during_its_poll_ends_the_poll_quietly(
    listening: Listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = listening.add_source()

    def delete() -> None:
        with listening.session_factory.begin() as s:
            sources.delete_source(s, sid)

    wrap_fetch(monkeypatch, after_fetch=delete)
    assert poll_source(sid) == {"skipped": "source deleted during the poll"}
    with listening.session_factory() as s:
        assert s.get(Source, sid) is None
        assert s.scalar(select(func.count()).select_from(PollRun).where(PollRun.source_id == sid)) == 0


def test_a_source_paused_during_its_poll_stays_paused(listening: Listening, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = listening.add_source()

    def pause() -> None:
        with listening.session_factory.begin() as s:
            sources.set_enabled(s, sid, False)

    wrap_fetch(monkeypatch, after_fetch=pause)
    assert poll_source(sid)["new"] > 0
    source = listening.source(sid)
    assert (source.enabled, source.status, source.status_reason) == (False, "disabled", "Paused by a teammate.")
    assert source.cursor is not None and source.lease_until is None


def test_a_source_edited_during_its_poll_starts_afresh_for_the_new_target(
    listening: Listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = listening.add_source()

    def edit() -> None:
        with listening.session_factory.begin() as s:
            sources.save_source(s, platform="reddit", kind="search", query="widget", interval_seconds=300,
                                min_interval=1, source_id=sid)

    wrap_fetch(monkeypatch, after_fetch=edit)
    assert poll_source(sid)["new"] > 0  # what r/python had is kept
    source = listening.source(sid)
    # ...but its cursor would make the search skip its backfill.
    assert (source.query, source.cursor, source.status) == ("widget", None, "new")
    assert source.next_poll_at is not None and source.next_poll_at <= utcnow() and source.lease_until is None

    monkeypatch.undo()
    listening.reddit.requests.clear()
    assert poll_source(sid)["exhausted"] is True
    assert api_requests(listening.reddit, "/search")[0].query["q"] == "widget"
    assert listening.source(sid).cursor == {"search": listening.source(sid).cursor["search"]}
