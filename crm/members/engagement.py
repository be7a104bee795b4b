"""Engagement: the one definition of how engaged a member is, used everywhere it is shown.

The profile, segment rules, segment exports and the inbox's priority all read the level from
here, with one set of words (``LEVELS``, most engaged first).

Score = the sum over the member's interactions of ``KIND_POINTS[kind]``, each halved for every
``HALF_LIFE_DAYS`` of age: recent activity counts fully, old activity fades (after a year an
interaction weighs 0.02 %). The level is the highest of ``LEVELS`` whose threshold the score
reaches.

Because the decay is exponential, the score is kept by ingest and never recomputed per view:
each interaction adds ``points x 2^((occurred - EPOCH) / half-life)`` to ``members.engagement``
(the score in units of the epoch). The score at ``now`` is that sum divided by the weight of
``now``, so "level is X at now" is a plain comparison of the column with two constants:
``level_clause`` is an indexed range on one column on both backends, with no per-row maths.
The stored values grow by 2^12 a year; a double holds them until about 2108 (rebasing is one
``UPDATE members SET engagement = engagement / 2^k`` with EPOCH moved by k half-lives).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.interactions.models import Interaction
from crm.members.models import Member

KIND_POINTS = {"post": 3.0, "comment": 2.0, "reply": 2.0, "message": 1.5, "mention": 1.0}
HALF_LIFE_DAYS = 30.0
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# (name, threshold), most engaged first; the last threshold is 0 so every member has a level.
LEVELS = (("champion", 30.0), ("engaged", 12.0), ("active", 4.0), ("occasional", 0.5), ("dormant", 0.0))
NAMES = tuple(name for name, _ in LEVELS)
# Explained on the profile: what the member did in this window.
WINDOW_DAYS = 365


def weight(at: datetime) -> float:
    """2^(half-lives since EPOCH): what one point at ``at`` weighs in the stored sum."""
    return float(2.0 ** ((at - EPOCH).total_seconds() / (HALF_LIFE_DAYS * 86400)))


def points(kind: str, occurred_at: datetime, now: datetime) -> float:
    """What one interaction adds to ``members.engagement`` (a future date counts as now)."""
    return KIND_POINTS.get(kind, 1.0) * weight(min(occurred_at, now))


def score(stored: float | None, now: datetime) -> float:
    """The score at ``now`` from the stored sum."""
    return (stored or 0.0) / weight(now)


def level_for(value: float) -> str:
    """The level a score reaches."""
    return next(name for name, threshold in LEVELS if value >= threshold)


def level_of(row: Any, now: datetime) -> str:
    """The level of one member row (anything with ``engagement``)."""
    return level_for(score(getattr(row, "engagement", 0.0), now))


def rank(level: str) -> int:
    """0 for the least engaged level ("dormant") up to len(LEVELS) - 1 ("champion")."""
    return len(NAMES) - 1 - NAMES.index(level)


def levels() -> tuple[str, ...]:
    """The level names, most engaged first."""
    return NAMES


def level_clause(level: str, now: datetime) -> ColumnElement[bool]:
    """Members at ``level`` at ``now``: a range on ``members.engagement``; never NULL."""
    if level not in NAMES:
        return false()
    i, w = NAMES.index(level), weight(now)
    column = func.coalesce(Member.engagement, 0.0)
    low = column >= LEVELS[i][1] * w if LEVELS[i][1] > 0 else column >= 0.0
    if i == 0:
        return low
    return and_(low, column < LEVELS[i - 1][1] * w)


@dataclass(frozen=True)
class KindCount:
    """One line of the explanation: how many interactions of a kind in the window."""

    kind: str
    count: int
    points_each: float


@dataclass
class Engagement:
    """A score, its level, and what explains it (words are the template's)."""

    score: float
    level: str
    kinds: list[KindCount] = field(default_factory=list)
    days_since_last: int | None = None
    next_level: str | None = None
    points_to_next: float | None = None


def engagement(session: Session, member: Member, *, now: datetime | None = None) -> Engagement:
    """The member's engagement at ``now``, from the kept score plus one grouped count."""
    now = now or utcnow()
    value = round(score(member.engagement, now), 1)
    result = Engagement(value, level_for(value))
    since = now - timedelta(days=WINDOW_DAYS)
    rows = session.execute(
        select(Interaction.kind, func.count())
        .where(Interaction.member_id == member.id, Interaction.occurred_at >= since)
        .group_by(Interaction.kind)
    ).all()
    result.kinds = sorted(
        (KindCount(kind, n, KIND_POINTS.get(kind, 1.0)) for kind, n in rows),
        key=lambda k: (-k.count * k.points_each, k.kind),
    )
    if member.last_seen is not None:
        result.days_since_last = max(0, (now - member.last_seen).days)
    higher = [(n, t) for n, t in LEVELS if t > value]
    if higher:
        result.next_level, t = higher[-1]
        result.points_to_next = round(t - value, 1)
    return result


def total(rows: Iterable[tuple[str, datetime]], now: datetime) -> float:
    """The stored sum for a set of (kind, occurred_at): what a full recompute writes."""
    return sum(points(kind, at, now) for kind, at in rows)
