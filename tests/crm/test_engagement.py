"""The one engagement definition: kept by ingest, equal to a recompute, the same in SQL and Python."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.identities.merge import merge_members
from crm.members import aggregates, engagement
from crm.members.models import Member
from tests.factories import author, ingest, member_of, mention

KINDS = ("post", "comment", "reply", "mention")


def test_the_score_halves_every_half_life_and_names_its_level() -> None:
    now = utcnow()
    fresh = engagement.points("post", now, now)
    month = engagement.points("post", now - timedelta(days=30), now)
    assert engagement.score(fresh, now) == pytest.approx(3.0)
    assert engagement.score(month, now) == pytest.approx(1.5)
    # The stored value does not change; the score read 30 days later is half.
    assert engagement.score(fresh, now + timedelta(days=30)) == pytest.approx(1.5)
    assert engagement.score(engagement.points("post", now + timedelta(days=3), now), now) == pytest.approx(3.0)
    assert [engagement.level_for(v) for v in (35, 12, 11.9, 4, 0.5, 0.49, 0)] == [
        "champion", "engaged", "active", "active", "occasional", "dormant", "dormant"]
    assert [engagement.rank(n) for n in engagement.NAMES] == [4, 3, 2, 1, 0]


def test_ingest_keeps_what_a_recompute_gives_and_sql_agrees_with_python(db: Session) -> None:
    rng = random.Random(7)
    now = utcnow()
    people = [author() for _ in range(12)]
    batch = []
    for i, who in enumerate(people):
        # From silent for a year to a post every day: every level is reached by someone.
        for _ in range(rng.choice((0, 1, 2, 5, 12, 30)) if i else 0):
            days = rng.uniform(0, 400)
            batch.append(mention(by=who, kind=rng.choice(KINDS), created_at=now - timedelta(days=days)))
    people.append(author())
    batch.append(mention(by=people[-1], created_at=now - timedelta(days=500)))
    # Two batches, the second adding to members the first created.
    ingest(db, *batch[: len(batch) // 2])
    ingest(db, *batch[len(batch) // 2:])
    members = [member_of(db, "reddit", p.id) for p in people if any(m.author is p for m in batch)]
    kept = {m.id: m.engagement for m in members}
    aggregates.recompute(db, list(kept), now=now)
    db.expire_all()
    for mid, value in kept.items():
        assert db.get(Member, mid).engagement == pytest.approx(value, rel=1e-9)  # type: ignore[union-attr]
    levels = {m.id: engagement.level_of(m, now) for m in members}
    assert len(set(levels.values())) >= 3
    later = now + timedelta(days=45)
    for when in (now, later):
        for name in engagement.NAMES:
            found = set(db.scalars(select(Member.id).where(Member.id.in_(kept), engagement.level_clause(name, when))))
            assert found == {mid for mid in kept if engagement.level_of(db.get(Member, mid), when) == name}
    # Time passes, nobody posts: nobody climbs, and someone falls.
    after = {m.id: engagement.level_of(m, later) for m in members}
    assert all(engagement.rank(after[k]) <= engagement.rank(levels[k]) for k in kept)
    assert after != levels


def test_a_merge_adds_the_scores_and_an_unmerge_restores_them(db: Session) -> None:
    from crm.identities.merge import unmerge

    now = utcnow()
    a, b = author(), author()
    ingest(db, mention(by=a, kind="post", created_at=now - timedelta(days=2)),
           mention(by=b, kind="comment", created_at=now - timedelta(days=40)))
    ma, mb = member_of(db, "reddit", a.id), member_of(db, "reddit", b.id)
    before = (ma.engagement, mb.engagement)
    audit = merge_members(db, keep_id=ma.id, merge_ids=[mb.id], actor_id=None)
    db.expire_all()
    assert db.get(Member, ma.id).engagement == pytest.approx(sum(before), rel=1e-9)  # type: ignore[union-attr]
    assert db.get(Member, mb.id).engagement == 0.0  # type: ignore[union-attr]
    unmerge(db, audit.id, actor_id=None)
    db.expire_all()
    assert (db.get(Member, ma.id).engagement, db.get(Member, mb.id).engagement) == pytest.approx(before)  # type: ignore[union-attr]
