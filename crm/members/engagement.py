"""Engagement score and level of a member, with the reasons in plain words.

Score = the sum over the last year's interactions of ``KIND_POINTS[kind]``, each halved for
every ``HALF_LIFE_DAYS`` of age (recent activity counts fully, old activity fades), plus one
point per active week among the last ``WEEKS`` (steady beats bursty). The level is the highest
of ``LEVELS`` whose threshold the score reaches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.identities.merge import as_utc  # min/max come back untyped on SQLite
from crm.interactions.models import Interaction

KIND_POINTS = {"post": 3.0, "comment": 2.0, "reply": 2.0, "message": 1.5, "mention": 1.0}
HALF_LIFE_DAYS = 30.0
WINDOW_DAYS = 365
WEEKS = 12
LEVELS = (("champion", 40.0), ("engaged", 15.0), ("active", 5.0), ("occasional", 0.5), ("dormant", 0.0))


@dataclass(frozen=True)
class KindPoints:
    """What one kind of interaction adds: ``count`` of them at ``weight`` each, faded to ``points``."""

    kind: str
    count: int
    weight: float
    points: float


@dataclass
class Engagement:
    """A score, its level, and the facts that explain it (the UI words them in its language)."""

    score: float
    level: str
    by_kind: list[KindPoints] = field(default_factory=list)
    active_weeks: int = 0
    last_active_days: int | None = None  # None: nothing in the last WINDOW_DAYS
    next_level: str | None = None
    points_to_next: float | None = None

    @property
    def reasons(self) -> list[str]:
        """The explanation in English (logs, the CLI); the web page words the same facts."""
        out = [
            f"{_plural(k.count, k.kind)} × {k.weight:g} points, faded by age "
            f"(half every {HALF_LIFE_DAYS:g} days): {k.points:.1f} points"
            for k in self.by_kind
        ]
        if self.active_weeks:
            out.append(f"Active in {self.active_weeks} of the last {WEEKS} weeks: +{self.active_weeks} points")
        if self.last_active_days is None:
            out.append(f"No interactions in the last {WINDOW_DAYS} days")
        else:
            days = self.last_active_days
            out.append("Last active today" if days == 0 else f"Last active {_plural(days, 'day')} ago")
        return out


@dataclass(frozen=True)
class ChannelStat:
    platform: str
    interactions: int
    first_seen: datetime | None
    last_seen: datetime | None


PLURALS = {"reply": "replies"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else PLURALS.get(word, word + 's')}"


def engagement(session: Session, member_id: int, *, now: datetime | None = None) -> Engagement:
    """The member's engagement over the last year, explained."""
    now = now or utcnow()
    since = now - timedelta(days=WINDOW_DAYS)
    rows = session.execute(
        select(Interaction.kind, Interaction.occurred_at)
        .where(Interaction.member_id == member_id, Interaction.occurred_at >= since)
    ).all()
    counts: dict[str, int] = defaultdict(int)
    points: dict[str, float] = defaultdict(float)
    weeks = set()
    for kind, at in rows:
        age = max(0.0, (now - at).total_seconds() / 86400)
        counts[kind] += 1
        points[kind] += KIND_POINTS.get(kind, 1.0) * 0.5 ** (age / HALF_LIFE_DAYS)
        if age < WEEKS * 7:
            weeks.add(int(age // 7))
    by_kind = [
        KindPoints(kind, counts[kind], KIND_POINTS.get(kind, 1.0), points[kind])
        for kind in sorted(points, key=lambda k: -points[k])
    ]
    last_days = (now - max(at for _, at in rows)).days if rows else None
    score = round(sum(points.values()) + len(weeks), 1)
    level = next(name for name, threshold in LEVELS if score >= threshold)
    result = Engagement(score, level, by_kind, len(weeks), last_days)
    higher = [(n, t) for n, t in LEVELS if t > score]
    if higher:
        result.next_level, t = higher[-1]
        result.points_to_next = round(t - score, 1)
    return result


def channel_stats(session: Session, member_id: int) -> list[ChannelStat]:
    """Interactions, first and last seen per platform, most active first."""
    rows = session.execute(
        select(Interaction.platform, func.count(), func.min(Interaction.occurred_at), func.max(Interaction.occurred_at))
        .where(Interaction.member_id == member_id).group_by(Interaction.platform)
    ).all()
    stats = [ChannelStat(p, n, as_utc(first), as_utc(last)) for p, n, first, last in rows]
    return sorted(stats, key=lambda s: -s.interactions)
