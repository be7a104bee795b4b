"""Builders for segment tests: members with exact aggregates, identities, tags and interactions.

They write rows directly (flush, never commit) so every number a condition looks at is chosen
by the test. Times are relative to NOW, the clock the tests evaluate rules at.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crm.interactions.models import Interaction
from crm.members import engagement
from crm.members.models import Identity, Member, MemberTag

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_seq = itertools.count(1)


def person(
    db: Session, name: str, *, accounts: tuple[tuple[str, int | None], ...] = (("reddit", None),),
    said: tuple[tuple[float, float, str], ...] = (), tags: tuple[str, ...] = (),
    first_seen_days: float | None = None,
) -> Member:
    """A member with ``accounts`` ((platform, followers)) who ``said`` ((days ago, sentiment, text))."""
    n = next(_seq)
    times = [NOW - timedelta(days=d) for d, _, _ in said]
    sentiments = [s for _, s, _ in said]
    followers = [f for _, f in accounts if f is not None]
    member = Member(
        display_name=name, search_name=name.casefold(),
        first_seen=NOW - timedelta(days=first_seen_days) if first_seen_days is not None else (min(times) if times else None),
        last_seen=max(times) if times else None,
        interaction_count=len(said), sentiment_sum=sum(sentiments),
        sentiment_mean=sum(sentiments) / len(sentiments) if sentiments else None,
        positive_count=sum(s >= 0.05 for s in sentiments), negative_count=sum(s <= -0.05 for s in sentiments),
        neutral_count=sum(-0.05 < s < 0.05 for s in sentiments),
        followers_max=max(followers) if followers else None,
        platforms=",".join(sorted({p for p, _ in accounts})),
        engagement=sum(engagement.points("comment", t, NOW) for t in times),
    )
    db.add(member)
    db.flush()
    idents = []
    for i, (platform, count) in enumerate(accounts):
        ident = Identity(member_id=member.id, platform=platform, external_id=f"seg-{n}-{i}",
                         handle=f"{name.lower().replace(' ', '_')}_{i}", display_name=name, followers=count)
        db.add(ident)
        idents.append(ident)
    db.flush()
    for j, (days, sentiment, text) in enumerate(said):
        label = "positive" if sentiment >= 0.05 else "negative" if sentiment <= -0.05 else "neutral"
        db.add(Interaction(
            platform=idents[0].platform, external_id=f"seg-{n}-i{j}", kind="comment", text=text,
            occurred_at=NOW - timedelta(days=days), sentiment=sentiment, sentiment_label=label,
            identity_id=idents[0].id, member_id=member.id, url=f"https://example.com/{n}/{j}",
        ))
    for tag in tags:
        db.add(MemberTag(member_id=member.id, tag=tag))
    db.flush()
    return member


def names(db: Session, rule: Any, **options: Any) -> set[str]:
    """Display names of the members a rule matches at NOW."""
    from sqlalchemy import select

    from crm.segments.compile import member_filter
    from crm.segments.rules import parse_rule

    where = member_filter(db, parse_rule(rule), now=NOW, **options)
    return set(db.scalars(select(Member.display_name).where(*where)))
