"""Sending replies through the real client libraries against the fake platforms (issue 18 part 1).

Each test records a reply the way the web view does (crm.replies.services.create_reply),
commits, runs the send job (listeners.replies.send_reply) and checks what the fake platform
received, the reply's state, and the inbox item (handled at once, first response recorded).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes.bsky_api import FakeBluesky
from fakes.discourse_api import FakeDiscourse, ForumData
from fakes.mastodon_api import FakeMastodon
from fakes.mastodon_api import generate as generate_mastodon
from sqlalchemy import select

from connectors.base import Mention
from connectors.bluesky_posts import map_post_view
from connectors.discourse_mapping import map_post
from connectors.mastodon_mapping import map_status
from connectors.reddit_mapping import map_thing
from connectors.x_mapping import map_tweet
from crm.errors import PermissionDenied
from crm.inbox.models import InboxItem, TeamAccount
from crm.inbox.triage import triage
from crm.ingest import ingest_batch
from crm.replies import services as replies
from crm.replies.models import OutgoingReply
from crm.users.services import create_user
from listeners import replies as jobs
from tests.factories import unique

QUESTION = "How do I restore a deleted folder from last week?"
ANSWER = "Open Settings, then Versions, and pick the folder to restore it."


def _parent(listening: Any, mention: Mention) -> int:
    """Ingest and triage the post we answer; its inbox item must be open."""
    with listening.session_factory.begin() as s:
        ids = ingest_batch(s, [mention]).new_ids
        triage(s, ids)
        item = s.scalar(select(InboxItem).where(InboxItem.interaction_id == ids[0]))
        assert item is not None and item.status == "open"
        return ids[0]


def _reply(listening: Any, interaction_id: int, text: str = ANSWER, role: str = "manager", key: str | None = None) -> int:
    with listening.session_factory.begin() as s:
        user = create_user(s, email=f"{unique(role)}@example.com", password="correct horse", role=role, name=role)
        reply, _ = replies.create_reply(s, interaction_id=interaction_id, text=text, actor=user, key=key or unique("k"))
        return reply.id


def _row(listening: Any, reply_id: int) -> OutgoingReply:
    with listening.session_factory() as s:
        row = s.get(OutgoingReply, reply_id)
        assert row is not None
        s.expunge(row)
        return row


def _item(listening: Any, interaction_id: int) -> InboxItem:
    with listening.session_factory() as s:
        item = s.scalar(select(InboxItem).where(InboxItem.interaction_id == interaction_id))
        assert item is not None
        s.expunge(item)
        return item


def _with(listening: Any, **env: str) -> None:
    listening.settings = listening.settings.with_connector_env(**env)
    listening.reconfigure()


# --- Reddit ---------------------------------------------------------------------------------
@pytest.fixture()
def reddit_question(listening: Any) -> tuple[int, dict[str, Any]]:
    fake = listening.reddit
    post = next(iter(fake.data.posts.values()))[0]
    comment = fake.data.add_comment(post, author="alice_q", body=QUESTION)
    mention = map_thing("t1", comment)
    assert mention is not None
    return _parent(listening, mention), comment


def test_reddit_reply_is_posted_once_and_handles_the_item_at_once(listening: Any, reddit_question: Any) -> None:
    interaction_id, comment = reddit_question
    reply_id = _reply(listening, interaction_id)
    assert jobs.send_reply(reply_id)["state"] == "sent"
    fake = listening.reddit
    assert [c["body"] for c in fake.posted] == [ANSWER]
    assert fake.posted[0]["parent_id"] == comment["name"]
    row = _row(listening, reply_id)
    assert (row.state, row.external_id) == ("sent", fake.posted[0]["name"])
    item = _item(listening, interaction_id)
    assert (item.status, item.handled_via) == ("handled", "team_reply")
    assert item.first_response_seconds is not None and item.first_response_seconds >= 0
    # A second run (an RQ retry, a double enqueue) posts nothing.
    assert jobs.send_reply(reply_id)["state"] == "sent"
    assert len(fake.posted) == 1
    # Polling brings our comment back: a duplicate, not a new item.
    with listening.session_factory.begin() as s:
        again = map_thing("t1", fake.posted[0])
        assert again is not None
        result = ingest_batch(s, [again])
        assert (result.new, result.duplicate) == (0, 1)
        assert s.scalar(select(TeamAccount.handle).where(TeamAccount.platform == "reddit")) == fake.username.lower()


def test_reddit_crash_between_send_and_record_is_unknown_not_reposted(listening: Any, reddit_question: Any) -> None:
    interaction_id, _ = reddit_question
    reply_id = _reply(listening, interaction_id)
    with listening.session_factory.begin() as s:  # an attempt claimed it and died mid-send
        assert replies.claim(s, reply_id, resend_safe=False) is not None
    assert jobs.send_reply(reply_id)["state"] == "unknown"
    assert listening.reddit.posted == []
    assert "may have been posted" in (_row(listening, reply_id).error or "")
    # The person checked the original and sends it again on purpose.
    with listening.session_factory.begin() as s:
        user = create_user(s, email=f"{unique('m')}@example.com", password="correct horse", role="manager")
        with pytest.raises(Exception, match="may already be on the platform"):
            replies.retry(s, reply_id, actor=user)
        replies.retry(s, reply_id, actor=user, confirm_unknown=True)
    assert jobs.send_reply(reply_id)["state"] == "sent"
    assert len(listening.reddit.posted) == 1


def test_reddit_deleted_parent_and_rate_limit_show_the_platform_reason(listening: Any, reddit_question: Any) -> None:
    interaction_id, comment = reddit_question
    fake = listening.reddit
    fake.comment_ratelimit = True
    reply_id = _reply(listening, interaction_id)
    with pytest.raises(jobs.ReplyRateLimited):
        jobs.send_reply(reply_id)
    row = _row(listening, reply_id)
    assert row.state == "failed" and "RATELIMIT" in (row.error or "") and row.retry_after is not None
    fake.comment_ratelimit = False
    assert jobs.send_reply(reply_id)["state"] == "sent"  # the job's own retry

    fake.deleted.add(comment["name"])
    second = _reply(listening, interaction_id, text="One more thing: the trash keeps files 30 days.")
    assert jobs.send_reply(second)["state"] == "failed"
    assert "DELETED_COMMENT" in (_row(listening, second).error or "")
    assert len(fake.posted) == 1


def test_without_write_credentials_nothing_is_sent(listening: Any, reddit_question: Any) -> None:
    interaction_id, _ = reddit_question
    listening.settings = listening.settings.with_connector_env(REDDIT_USERNAME=None, REDDIT_PASSWORD=None)
    listening.reconfigure()
    assert "REDDIT_USERNAME" in (jobs.write_disabled_reason("reddit") or "")
    reply_id = _reply(listening, interaction_id)
    assert jobs.send_reply(reply_id)["state"] == "failed"
    assert listening.reddit.posted == []


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_viewers_and_marketers_never_reply(listening: Any, reddit_question: Any, role: str) -> None:
    interaction_id, _ = reddit_question
    with pytest.raises(PermissionDenied):
        _reply(listening, interaction_id, role=role)


def test_same_idempotency_key_records_one_reply(listening: Any, reddit_question: Any) -> None:
    interaction_id, _ = reddit_question
    first = _reply(listening, interaction_id, key="same-key")
    assert _reply(listening, interaction_id, key="same-key") == first


# --- X --------------------------------------------------------------------------------------
def _x_env(listening: Any) -> None:
    fake = listening.x
    _with(listening, X_CONSUMER_KEY=fake.consumer_key, X_CONSUMER_SECRET="cs", X_ACCESS_TOKEN=fake.access_token,
          X_ACCESS_TOKEN_SECRET="ats")


def test_x_reply_through_tweepy_and_its_failures(listening: Any) -> None:
    _x_env(listening)
    fake = listening.x
    author = next(iter(fake.data.users.values()))
    tweet = fake.data.add_tweet(author, QUESTION)
    interaction_id = _parent(listening, map_tweet(tweet, fake.data.users, default_kind="post"))
    reply_id = _reply(listening, interaction_id)
    assert jobs.send_reply(reply_id)["state"] == "sent"
    assert fake.posted == [{"id": _row(listening, reply_id).external_id, "text": ANSWER, "in_reply_to": tweet["id"]}]
    assert _item(listening, interaction_id).status == "handled"
    # The same words again: X refuses duplicate content, and says so.
    dup = _reply(listening, interaction_id)
    assert jobs.send_reply(dup)["state"] == "failed"
    assert "duplicate content" in (_row(listening, dup).error or "")
    fake.deleted.add(tweet["id"])
    gone = _reply(listening, interaction_id, text="Also: the trash keeps files for 30 days.")
    jobs.send_reply(gone)
    assert "deleted or not visible" in (_row(listening, gone).error or "")
    assert len(fake.posted) == 1


def test_x_timeout_is_unknown_never_retried_blindly(listening: Any) -> None:
    from fakes.server import Fault

    _x_env(listening)
    fake = listening.x
    tweet = fake.data.add_tweet(next(iter(fake.data.users.values())), QUESTION)
    interaction_id = _parent(listening, map_tweet(tweet, fake.data.users, default_kind="post"))
    reply_id = _reply(listening, interaction_id)
    fake.fail(fake.count() + 2, Fault(status=503))  # get_me passes; create_tweet gets a 503
    assert jobs.send_reply(reply_id)["state"] == "unknown"
    assert jobs.send_reply(reply_id)["state"] == "unknown"  # a retry does not post
    assert fake.posted == []


# --- Mastodon, Bluesky, Discourse -------------------------------------------------------------
@pytest.fixture()
def fake_mastodon() -> Iterator[FakeMastodon]:
    server = FakeMastodon(generate_mastodon()).start()
    yield server
    server.stop()


def test_mastodon_reply_and_a_resend_after_a_crash_is_deduplicated(listening: Any, fake_mastodon: FakeMastodon) -> None:
    _with(listening, MASTODON_API_BASE_URL=fake_mastodon.url, MASTODON_ACCESS_TOKEN=fake_mastodon.token)
    data = fake_mastodon.data
    asker = next(a for a in data.accounts.values() if a["id"] != data.me)
    status = data.add_status(asker, QUESTION, language="en")
    interaction_id = _parent(listening, map_status(status, data.domain))
    reply_id = _reply(listening, interaction_id)
    assert jobs.send_reply(reply_id)["state"] == "sent"
    with listening.session_factory.begin() as s:  # as if the record after the send was lost
        row = s.get(OutgoingReply, reply_id)
        assert row is not None
        row.state = "sending"
    assert jobs.send_reply(reply_id)["state"] == "sent"  # Idempotency-Key: the same status back
    assert len(fake_mastodon.posted) == 1
    assert fake_mastodon.posted[0]["in_reply_to_id"] == status["id"]
    assert jobs.platform_limit("mastodon") == 500
    assert _item(listening, interaction_id).handled_via == "team_reply"


def test_mastodon_deleted_parent_and_rate_limit(listening: Any, fake_mastodon: FakeMastodon) -> None:
    from fakes.server import Fault

    _with(listening, MASTODON_API_BASE_URL=fake_mastodon.url, MASTODON_ACCESS_TOKEN=fake_mastodon.token)
    data = fake_mastodon.data
    status = data.add_status(next(a for a in data.accounts.values() if a["id"] != data.me), QUESTION)
    interaction_id = _parent(listening, map_status(status, data.domain))
    reply_id = _reply(listening, interaction_id)
    fake_mastodon.fail(fake_mastodon.count() + 1, Fault(status=429))
    with pytest.raises(jobs.ReplyRateLimited):
        jobs.send_reply(reply_id)
    data.deleted.add(status["id"])
    assert jobs.send_reply(reply_id)["state"] == "failed"
    assert "Record not found" in (_row(listening, reply_id).error or "")
    assert fake_mastodon.posted == []


def test_bluesky_reply_refs_and_record_key_make_a_resend_harmless(listening: Any) -> None:
    fake = FakeBluesky().start()
    try:
        _with(listening, BLUESKY_HANDLE=fake.handle, BLUESKY_APP_PASSWORD=fake.password, BLUESKY_API_URL=fake.url)
        someone = fake.data.account("alice.bsky.social", "Alice")
        root = fake.data.post(someone, "We moved to Nimbus last month.")
        parent = fake.data.post(someone, QUESTION, reply_to=root)
        interaction_id = _parent(listening, map_post_view({k: v for k, v in parent.items() if not k.startswith("_")}))
        reply_id = _reply(listening, interaction_id)
        assert jobs.send_reply(reply_id)["state"] == "sent"
        record_reply = fake.data.posts[-1]["record"]["reply"]
        assert record_reply["parent"] == {"uri": parent["uri"], "cid": parent["cid"]}
        assert record_reply["root"] == {"uri": root["uri"], "cid": root["cid"]}
        with listening.session_factory.begin() as s:
            row = s.get(OutgoingReply, reply_id)
            assert row is not None
            row.state = "sending"
        assert jobs.send_reply(reply_id)["state"] == "sent"  # "Record already exists": it is there
        assert len(fake.posted) == 1
    finally:
        fake.stop()


def test_discourse_reply_and_duplicate_body(listening: Any) -> None:
    key = "k" * 64
    fake = FakeDiscourse(ForumData(), api_key=key).start()
    try:
        _with(listening, DISCOURSE_URL=fake.url, DISCOURSE_API_KEY=key, DISCOURSE_API_USERNAME="system")
        alice = fake.data.user("alice", "Alice")
        topic = fake.data.topic(alice, "Restore", f"<p>{QUESTION}</p>")
        first = fake.data.posts[topic["post_ids"][0]]
        interaction_id = _parent(listening, map_post(first, fake.url, topic_title="Restore"))
        reply_id = _reply(listening, interaction_id)
        assert jobs.send_reply(reply_id)["state"] == "sent"
        assert fake.posted[0]["raw"] == ANSWER
        assert fake.data.posts[fake.posted[0]["id"]]["reply_to_post_number"] == 1
        dup = _reply(listening, interaction_id)
        assert jobs.send_reply(dup)["state"] == "failed"
        assert "too similar" in (_row(listening, dup).error or "")
        assert _item(listening, interaction_id).status == "handled"
    finally:
        fake.stop()


def test_an_unknown_reply_polled_back_is_marked_sent(listening: Any, reddit_question: Any) -> None:
    from listeners.inbox import triage_interactions

    interaction_id, comment = reddit_question
    reply_id = _reply(listening, interaction_id)
    with listening.session_factory.begin() as s:  # claimed; the post reached Reddit; then the worker died
        assert replies.claim(s, reply_id, resend_safe=False) is not None
    fake = listening.reddit
    post = next(p for ps in fake.data.posts.values() for p in ps if p["name"] == comment["link_id"])
    ours = fake.data.add_comment(post, author=fake.username, body=ANSWER, parent=comment)
    assert jobs.send_reply(reply_id)["state"] == "unknown"
    with listening.session_factory.begin() as s:  # polling brings it back
        polled = map_thing("t1", ours)
        assert polled is not None
        ids = ingest_batch(s, [polled]).new_ids
    triage_interactions(ids)
    row = _row(listening, reply_id)
    assert (row.state, row.external_id) == ("sent", ours["name"])
    assert fake.posted == []  # we never posted it a second time
