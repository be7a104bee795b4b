"""The one ingest path: idempotence, quarantine, aggregates, identities, sanitising, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.ingest import ingest_batch
from crm.interactions.models import Interaction, QuarantinedItem
from crm.members.models import Identity, Member
from crm.sentiment import label_for
from tests.factories import BASE_TIME, author, count, ingest, member_of, mention, unique

POSITIVE = "I love this product, it is wonderful and the support team is great!"
NEGATIVE = "This is terrible, awful service and I hate how broken it is."
NEUTRAL = "The parcel arrived on Tuesday afternoon."


def _snapshot(db: Session) -> dict[str, object]:
    """Everything a re-ingest must leave alone: row counts and every member aggregate."""
    db.expire_all()
    members = db.execute(
        select(
            Member.id, Member.display_name, Member.search_name, Member.platforms, Member.first_seen,
            Member.last_seen, Member.interaction_count, Member.sentiment_sum, Member.sentiment_mean,
            Member.positive_count, Member.negative_count, Member.neutral_count, Member.followers_max,
        ).order_by(Member.id)
    ).all()
    identities = db.execute(
        select(Identity.id, Identity.handle, Identity.followers, Identity.first_seen, Identity.last_seen)
        .order_by(Identity.id)
    ).all()
    return {
        "interactions": count(db, Interaction),
        "members": members,
        "identities": identities,
        "quarantine": count(db, QuarantinedItem),
    }


def _batch() -> list[Mention]:
    alice, bob = author(), author()
    return [
        mention(by=alice, text=POSITIVE, minutes=0),
        mention(by=alice, text=NEGATIVE, minutes=5),
        mention(by=bob, text=NEUTRAL, minutes=10, platform="x"),
        mention(by=bob, text=POSITIVE, minutes=15),
    ]


def test_reingesting_the_same_batch_changes_nothing(db: Session) -> None:
    batch = _batch()
    first = ingest(db, *batch)
    assert (first.new, first.duplicate, first.quarantined) == (4, 0, 0)
    assert first.new_members == 3  # bob on two platforms is two identities until merged
    assert len(first.new_ids) == 4
    before = _snapshot(db)
    assert before["interactions"] == 4

    second = ingest(db, *batch)

    assert (second.new, second.duplicate, second.quarantined, second.new_members) == (0, 4, 0, 0)
    assert second.new_ids == []
    assert _snapshot(db) == before


def test_duplicates_within_one_batch_are_counted_once(db: Session) -> None:
    who = author()
    same = mention(by=who, external_id="dup-1", text=POSITIVE)
    again = mention(by=who, external_id="dup-1", text=NEGATIVE, minutes=3)
    other_platform = mention(by=who, external_id="dup-1", platform="x", text=NEUTRAL)

    result = ingest(db, same, again, other_platform)

    assert (result.new, result.duplicate) == (2, 1)
    kept = db.scalars(select(Interaction).where(Interaction.external_id == "dup-1")).all()
    assert sorted(i.platform for i in kept) == ["reddit", "x"]
    # The first occurrence wins; the second is not folded into the aggregates.
    reddit = next(i for i in kept if i.platform == "reddit")
    assert reddit.text == POSITIVE
    assert member_of(db, "reddit", who.id).interaction_count == 1


def test_bad_items_are_quarantined_with_a_reason_and_the_rest_ingested(db: Session) -> None:
    now = datetime.now(UTC)
    good = [mention(text=POSITIVE), mention(text=NEUTRAL)]
    bad = {
        "text and title are both empty": mention(text="   ", title=None),
        "kind 'tweet' is not one of": mention(kind="tweet"),
        "created_at has no time zone": mention(created_at=datetime(2026, 1, 1, 12, 0)),
        "author.id is missing": mention(by=Author(id="  ")),
        "more than a day in the future": mention(created_at=now + timedelta(days=3)),
        "external_id is longer than 255": mention(external_id="e" * 256),
        "author.id is longer than 255": mention(by=Author(id="a" * 256)),
    }

    result = ingest(db, good[0], *bad.values(), good[1], origin="test:quarantine")

    assert (result.new, result.quarantined, result.duplicate) == (2, len(bad), 0)
    stored = db.scalars(select(QuarantinedItem).where(QuarantinedItem.origin == "test:quarantine")).all()
    assert len(stored) == len(bad)
    reasons = [q.reason for q in stored]
    for expected in bad:
        assert any(expected in r for r in reasons), (expected, reasons)
    ids = {i.external_id for i in db.scalars(select(Interaction))}
    assert ids == {m.external_id for m in good}
    by_kind = next(q for q in stored if "tweet" in q.reason)
    assert by_kind.platform == "reddit"
    assert by_kind.external_id == bad["kind 'tweet' is not one of"].external_id


def test_a_title_alone_is_enough(db: Session) -> None:
    result = ingest(db, mention(text="", title="Only a headline here"))
    assert (result.new, result.quarantined) == (1, 0)


def test_member_aggregates_after_several_batches(db: Session) -> None:
    who = author()
    t0 = BASE_TIME
    ingest(db, mention(by=who, text=POSITIVE, created_at=t0 + timedelta(hours=2)))
    ingest(
        db,
        mention(by=who, text=NEGATIVE, created_at=t0 + timedelta(hours=5)),
        mention(by=who, text=NEUTRAL, created_at=t0 + timedelta(hours=1)),
    )
    # A later batch carrying an older item moves first_seen back.
    ingest(
        db,
        mention(by=who, text=POSITIVE, created_at=t0 - timedelta(days=3)),
        mention(by=who, text=POSITIVE, created_at=t0 + timedelta(hours=3), platform="reddit"),
    )

    member = member_of(db, "reddit", who.id)
    rows = db.scalars(select(Interaction).where(Interaction.member_id == member.id)).all()
    labels = [r.sentiment_label for r in rows]
    assert sorted(labels) == ["negative", "neutral", "positive", "positive", "positive"]
    assert all(label_for(r.sentiment) == r.sentiment_label for r in rows)
    assert member.interaction_count == 5
    assert (member.positive_count, member.negative_count, member.neutral_count) == (3, 1, 1)
    expected_mean = sum(r.sentiment for r in rows) / 5
    assert abs(member.sentiment_mean - expected_mean) < 1e-9
    assert member.sentiment_mean > 0  # three clearly positive texts against one negative
    assert member.first_seen == t0 - timedelta(days=3)
    assert member.last_seen == t0 + timedelta(hours=5)
    ident = db.scalars(select(Identity).where(Identity.member_id == member.id)).one()
    assert (ident.first_seen, ident.last_seen) == (member.first_seen, member.last_seen)


def test_identity_profile_is_refreshed_by_a_later_mention(db: Session) -> None:
    author_id = unique("author")
    old = Author(id=author_id, handle="old_handle", display_name="Old Name", followers=10)
    new = Author(id=author_id, handle="new_handle", display_name="New Name", followers=250,
                 profile_url="https://example.com/u/new")
    ingest(db, mention(by=old, minutes=0))

    result = ingest(db, mention(by=new, minutes=60))

    assert result.new_members == 0
    db.expire_all()
    ident = db.scalars(select(Identity).where(Identity.external_id == author_id)).one()
    assert (ident.handle, ident.display_name, ident.followers) == ("new_handle", "New Name", 250)
    assert ident.profile_url == "https://example.com/u/new"
    member = db.get(Member, ident.member_id)
    assert member.followers_max == 250
    assert "new_handle" in member.search_name
    assert member.interaction_count == 2
    assert count(db, Member) == 1


def test_newest_mention_in_a_batch_carries_the_profile(db: Session) -> None:
    author_id = unique("author")
    ingest(
        db,
        mention(by=Author(id=author_id, handle="later", followers=7), minutes=30),
        mention(by=Author(id=author_id, handle="earlier", followers=3), minutes=0),
    )
    ident = db.scalars(select(Identity).where(Identity.external_id == author_id)).one()
    assert (ident.handle, ident.followers) == ("later", 7)


def test_only_http_urls_are_kept(db: Session) -> None:
    payloads = {
        "javascript:alert(1)": None,
        "JavaScript:alert(document.cookie)": None,
        " javascript:alert(1)": None,
        "data:text/html,<script>alert(1)</script>": None,
        "vbscript:msgbox(1)": None,
        "ftp://example.com/file": None,
        "https://example.com/ok?a=1": "https://example.com/ok?a=1",
        "http://example.com/plain": "http://example.com/plain",
    }
    items = {
        url: mention(
            url=url,
            by=author(profile_url=url, avatar_url=url),
        )
        for url in payloads
    }
    ingest(db, *items.values())

    for url, expected in payloads.items():
        row = db.scalars(select(Interaction).where(Interaction.external_id == items[url].external_id)).one()
        assert row.url == expected, url
        ident = db.scalars(
            select(Identity).where(Identity.external_id == items[url].author.id)
        ).one()
        assert ident.profile_url == expected, url
        assert ident.avatar_url == expected, url


def test_control_characters_are_removed(db: Session) -> None:
    m = mention(
        text="ab\x00c\x07d\x1b[31me\x7f\nnext line\tand tab",
        title="Ti\x00tle\x08",
        by=author(handle="ha\x00ndle", display_name="Na\x1fme"),
        channel="chan\x00nel",
    )
    ingest(db, m)
    row = db.scalars(select(Interaction).where(Interaction.external_id == m.external_id)).one()
    assert row.text == "abcd[31me\nnext line\tand tab"
    assert row.title == "Title"
    assert row.channel == "channel"
    ident = db.scalars(select(Identity).where(Identity.external_id == m.author.id)).one()
    assert (ident.handle, ident.display_name) == ("handle", "Name")


def test_german_text_gets_language_and_sentiment(db: Session) -> None:
    positive = mention(text="Das ist wirklich super, ich bin mit dem Service sehr zufrieden und froh.")
    negative = mention(text="Das ist eine Katastrophe, die App ist kaputt und ich bin sehr enttäuscht.")
    english = mention(text=POSITIVE)
    ingest(db, positive, negative, english)

    rows = {
        r.external_id: r
        for r in db.scalars(select(Interaction).where(
            Interaction.external_id.in_([positive.external_id, negative.external_id, english.external_id])
        ))
    }
    assert rows[positive.external_id].language == "de"
    assert rows[positive.external_id].sentiment_label == "positive"
    assert rows[negative.external_id].language == "de"
    assert rows[negative.external_id].sentiment_label == "negative"
    assert rows[english.external_id].language == "en"


def test_given_language_wins_over_the_guess(db: Session) -> None:
    m = mention(text="Das ist gut und ich mag es sehr", language="FR")
    ingest(db, m)
    assert db.scalars(select(Interaction.language).where(Interaction.external_id == m.external_id)).one() == "fr"


def test_timestamps_read_back_as_utc_aware(db: Session) -> None:
    cest = timezone(timedelta(hours=2))
    created = datetime(2026, 6, 1, 14, 30, 15, tzinfo=cest)
    m = mention(created_at=created)
    ingest(db, m)
    db.expire_all()

    row = db.scalars(select(Interaction).where(Interaction.external_id == m.external_id)).one()
    assert row.occurred_at.tzinfo is not None
    assert row.occurred_at.utcoffset() == timedelta(0)
    assert row.occurred_at == created
    assert row.occurred_at.hour == 12
    assert row.created_at.utcoffset() == timedelta(0)
    member = member_of(db, m.platform, m.author.id)
    for value in (member.first_seen, member.last_seen, member.created_at):
        assert value is not None and value.utcoffset() == timedelta(0)
    assert member.first_seen == created


def test_reply_and_thread_fields_are_stored(db: Session) -> None:
    parent = mention(text="The original post", kind="post", channel="r/example")
    reply = mention(text="A reply to it", kind="reply", parent_id=parent.external_id,
                    thread_id=parent.external_id, minutes=5)
    result = ingest_batch(db, [parent, reply])
    assert result.new == 2
    row = db.scalars(select(Interaction).where(Interaction.external_id == reply.external_id)).one()
    assert (row.kind, row.parent_external_id, row.thread_external_id) == (
        "reply", parent.external_id, parent.external_id,
    )
