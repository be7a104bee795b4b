"""Merging members and undoing it: exact restore, aggregates, audit, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.errors import Conflict, InvalidInput, NotFound
from crm.identities import merge as merging
from crm.identities.models import MergeAudit
from crm.ingest import ingest_batch
from crm.interactions.models import Interaction
from crm.members.models import Identity, Member, MemberTag, Note
from crm.members.services import add_note, add_tag

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
TEXTS = ["I love this, great work", "This is terrible and broken", "Release notes are out", "ok"]


def make_people(db: Session, n: int = 4, per: int = 3) -> list[int]:
    """n members (one identity each on alternating platforms) with ``per`` interactions each."""
    mentions = []
    for p in range(n):
        platform = ("reddit", "x", "mastodon")[p % 3]
        author = Author(id=f"u{p}", handle=f"user{p}", display_name=f"User {p}", followers=10 * p)
        for k in range(per):
            mentions.append(Mention(
                platform=platform, external_id=f"p{p}-{k}", author=author,
                created_at=T0 + timedelta(hours=7 * p + k), text=TEXTS[(p + k) % len(TEXTS)],
                kind=("post", "comment", "reply")[k % 3], thread_id=f"t{k}",
            ))
    ingest_batch(db, mentions)
    db.flush()
    ids = list(db.scalars(select(Member.id).order_by(Member.id)))
    for i, mid in enumerate(ids):
        add_tag(db, mid, f"tag{i % 2}")
        add_tag(db, mid, f"only{i}")
        add_note(db, mid, body=f"note on {i}", author_id=None)
    return ids


def state(db: Session) -> dict[str, Any]:
    """Every row that a merge may touch, in a comparable form."""
    db.flush()
    db.expire_all()

    def rows(table: Any, order: Any) -> list[tuple]:
        return [tuple(r) for r in db.execute(select(table).order_by(*order))]

    return {
        "members": rows(Member.__table__, [Member.id]),
        "identities": rows(Identity.__table__, [Identity.id]),
        "interactions": [tuple(r) for r in db.execute(
            select(Interaction.id, Interaction.member_id, Interaction.identity_id).order_by(Interaction.id))],
        "notes": rows(Note.__table__, [Note.id]),
        "tags": rows(MemberTag.__table__, [MemberTag.member_id, MemberTag.tag]),
    }


def test_merge_moves_everything_and_aggregates_match_ingest(db: Session) -> None:
    a, b, c, _ = make_people(db)
    before = {m.id: (m.interaction_count, m.sentiment_sum, m.positive_count, m.negative_count,
                     m.neutral_count, m.first_seen, m.last_seen) for m in db.scalars(select(Member))}
    audit = merging.merge_members(db, keep_id=a, merge_ids=[b, c], actor_id=None, reason="same person")
    kept, gb = db.get(Member, a), db.get(Member, b)
    assert kept is not None and gb is not None
    assert {i.member_id for i in db.scalars(select(Identity).where(Identity.external_id.in_(["u0", "u1", "u2"])))} == {a}
    assert db.scalar(select(Interaction.id).where(Interaction.member_id.in_([b, c]))) is None
    assert kept.interaction_count == sum(before[m][0] for m in (a, b, c))
    assert kept.sentiment_sum == pytest.approx(sum(before[m][1] for m in (a, b, c)))
    assert kept.sentiment_mean == pytest.approx(kept.sentiment_sum / kept.interaction_count)
    for k in (2, 3, 4):
        assert getattr(kept, ("", "", "positive_count", "negative_count", "neutral_count")[k]) == sum(before[m][k] for m in (a, b, c))
    assert kept.first_seen == min(before[m][5] for m in (a, b, c))
    assert kept.last_seen == max(before[m][6] for m in (a, b, c))
    assert kept.platforms == "mastodon,reddit,x"
    assert kept.search_name == "user 0 user 1 user 2 user0 user1 user2"
    assert kept.followers_max == 20
    assert gb.merged_into_id == a and gb.interaction_count == 0 and gb.search_name == ""
    assert sorted(t.tag for t in kept.tags) == ["only0", "only1", "only2", "tag0", "tag1"]
    assert len(kept.notes) == 3
    assert audit.action == "merge" and audit.reason == "same person" and audit.merged_member_ids == [b, c]
    assert merging.merged_into(db, b) == a and merging.merged_into(db, a) is None


def test_unmerge_restores_exactly(db: Session) -> None:
    a, b, c, d = make_people(db)
    original = state(db)
    audit = merging.merge_members(db, keep_id=a, merge_ids=[b, c], actor_id=None)
    assert state(db) != original
    undo = merging.unmerge(db, audit.id, actor_id=None, reason="wrong")
    assert state(db) == original
    assert undo.undoes_id == audit.id and db.get(MergeAudit, audit.id).undone_by_id == undo.id  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        merging.unmerge(db, audit.id, actor_id=None)


def test_unmerge_keeps_what_arrived_since_with_its_identity(db: Session) -> None:
    a, b, *_ = make_people(db)
    audit = merging.merge_members(db, keep_id=a, merge_ids=[b], actor_id=None)
    ident_b = db.scalar(select(Identity).where(Identity.external_id == "u1"))
    assert ident_b is not None and ident_b.member_id == a
    later = Mention(platform=ident_b.platform, external_id="late", author=Author(id="u1", handle="user1"),
                    created_at=T0 + timedelta(days=3), text="great stuff, love it")
    ingest_batch(db, [later])
    add_note(db, a, body="written after the merge", author_id=None)
    merging.unmerge(db, audit.id, actor_id=None)
    mb = db.get(Member, b)
    assert mb is not None and mb.merged_into_id is None
    assert mb.interaction_count == 4 and mb.last_seen == T0 + timedelta(days=3)
    assert db.scalar(select(Interaction.member_id).where(Interaction.external_id == "late")) == b
    assert [n.body for n in db.get(Member, a).notes][0] == "written after the merge"  # type: ignore[union-attr]


def test_unmerge_out_of_order_is_a_conflict(db: Session) -> None:
    a, b, c, _ = make_people(db)
    first = merging.merge_members(db, keep_id=a, merge_ids=[b], actor_id=None)
    second = merging.merge_members(db, keep_id=c, merge_ids=[a], actor_id=None)
    with pytest.raises(Conflict, match=f"#{second.id}"):
        merging.unmerge(db, first.id, actor_id=None)
    merging.unmerge(db, second.id, actor_id=None)
    merging.unmerge(db, first.id, actor_id=None)


def test_merge_refuses_bad_input(db: Session) -> None:
    a, b, c, _ = make_people(db)
    with pytest.raises(InvalidInput):
        merging.merge_members(db, keep_id=a, merge_ids=[a], actor_id=None)
    with pytest.raises(InvalidInput):
        merging.merge_members(db, keep_id=a, merge_ids=[], actor_id=None)
    with pytest.raises(NotFound):
        merging.merge_members(db, keep_id=a, merge_ids=[999_999], actor_id=None)
    merging.merge_members(db, keep_id=a, merge_ids=[b], actor_id=None)
    with pytest.raises(Conflict, match="already merged"):
        merging.merge_members(db, keep_id=c, merge_ids=[b], actor_id=None)


def test_automatic_merge_never_joins_two_accounts_of_one_platform(db: Session) -> None:
    a, b, c, d = make_people(db)  # a and d are both on reddit
    with pytest.raises(Conflict, match="same platform"):
        merging.merge_members(db, keep_id=a, merge_ids=[d], actor_id=None, method="rule:mutual_links")
    merging.merge_members(db, keep_id=a, merge_ids=[d], actor_id=None, method="manual")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_merges_undone_in_reverse_restore_the_original_state(db: Session, data: st.DataObject) -> None:
    nested = db.begin_nested()
    try:
        ids = make_people(db, n=5, per=2)
        original = state(db)
        live = list(ids)
        audits = []
        for _ in range(data.draw(st.integers(1, 4))):
            if len(live) < 2:
                break
            keep = data.draw(st.sampled_from(live))
            others = [m for m in live if m != keep]
            merged = data.draw(st.lists(st.sampled_from(others), min_size=1, max_size=len(others), unique=True))
            audits.append(merging.merge_members(db, keep_id=keep, merge_ids=merged, actor_id=None))
            live = [m for m in live if m not in merged]
        for audit in reversed(audits):
            merging.unmerge(db, audit.id, actor_id=None)
        assert state(db) == original
    finally:
        nested.rollback()
