"""Numbers for the metrics page: response times, backlog, volume and sentiment, share of voice.

Team accounts' own posts are left out of every people-facing number (``crm.inbox.team.not_team``).
Day and week buckets are UTC; weeks start on Monday.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from crm.db import dialect_name
from crm.inbox.models import InboxItem
from crm.inbox.services import open_count
from crm.inbox.team import not_team
from crm.interactions.models import Interaction
from crm.members.models import Member


def _day(session: Session, col: Any) -> Any:
    """A 'YYYY-MM-DD' (UTC) expression for a timestamp column on either backend."""
    if dialect_name(session) == "postgresql":
        return func.to_char(func.timezone("UTC", col), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", col)


def days(since: datetime, until: datetime) -> list[date]:
    """Every UTC day from ``since`` up to (excluding) ``until``."""
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def week_of(d: date) -> date:
    """The Monday of ``d``'s week."""
    return d - timedelta(days=d.weekday())


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


@dataclass(frozen=True)
class ResponseStat:
    """First-response times of the items that arrived in one week on one platform."""

    week: date
    count: int
    median_seconds: float
    p90_seconds: float


def first_response_by_week(session: Session, since: datetime, until: datetime) -> dict[str, list[ResponseStat]]:
    """Median and p90 first-response time per platform and week of arrival."""
    rows = session.execute(
        select(InboxItem.platform, InboxItem.occurred_at, InboxItem.first_response_seconds).where(
            InboxItem.occurred_at >= since, InboxItem.occurred_at < until,
            InboxItem.first_response_seconds.is_not(None),
        )
    ).all()
    grouped: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for platform, occurred, seconds in rows:
        grouped[platform][week_of(occurred.date())].append(float(seconds or 0))
    return {
        platform: [
            ResponseStat(week, len(v), percentile(v, 50), percentile(v, 90))
            for week, v in sorted(weeks.items())
        ]
        for platform, weeks in sorted(grouped.items())
    }


def backlog_by_day(session: Session, since: datetime, until: datetime) -> list[tuple[date, int]]:
    """Unhandled items at the end of each day: those that had arrived and were not yet handled."""
    open_at_start = session.scalar(
        select(func.count(InboxItem.id)).where(
            InboxItem.occurred_at < since, or_(InboxItem.handled_at.is_(None), InboxItem.handled_at >= since)
        )
    ) or 0
    day_in = _day(session, InboxItem.occurred_at)
    arrived = {d: n for d, n in session.execute(
        select(day_in, func.count()).where(InboxItem.occurred_at >= since, InboxItem.occurred_at < until).group_by(day_in)
    )}
    day_out = _day(session, InboxItem.handled_at)
    handled = {d: n for d, n in session.execute(
        select(day_out, func.count())
        .where(InboxItem.handled_at >= since, InboxItem.handled_at < until)
        .group_by(day_out)
    )}
    out, level = [], open_at_start
    for d in days(since, until):
        key = d.isoformat()
        level += arrived.get(key, 0) - handled.get(key, 0)
        out.append((d, max(0, level)))
    return out


def volume_by_day(session: Session, since: datetime, until: datetime) -> dict[str, list[tuple[date, int]]]:
    """People's interactions per day by sentiment label (team posts left out)."""
    day = _day(session, Interaction.occurred_at)
    rows = session.execute(
        select(day, Interaction.sentiment_label, func.count())
        .where(Interaction.occurred_at >= since, Interaction.occurred_at < until, not_team(Interaction.identity_id))
        .group_by(day, Interaction.sentiment_label)
    ).all()
    counts = {(d, label): n for d, label, n in rows}
    return {
        label: [(d, counts.get((d.isoformat(), label), 0)) for d in days(since, until)]
        for label in ("positive", "neutral", "negative")
    }


def share_of_voice(session: Session, since: datetime, until: datetime, top: int = 8) -> list[tuple[str, int]]:
    """Interactions per channel ("platform / channel"), the ``top`` largest and the rest as "other"."""
    rows = session.execute(
        select(Interaction.platform, Interaction.channel, func.count().label("n"))
        .where(Interaction.occurred_at >= since, Interaction.occurred_at < until, not_team(Interaction.identity_id))
        .group_by(Interaction.platform, Interaction.channel)
        .order_by(func.count().desc())
    ).all()
    named = [(f"{p} / {c}" if c else p, n) for p, c, n in rows[:top]]
    rest = sum(n for _p, _c, n in rows[top:])
    return named + ([("other", rest)] if rest else [])


def most_active_members(session: Session, since: datetime, until: datetime, limit: int = 10) -> list[tuple[Member, int]]:
    """Members with the most interactions in the window (team accounts left out)."""
    counts = (
        select(Interaction.member_id, func.count().label("n"))
        .where(Interaction.occurred_at >= since, Interaction.occurred_at < until, not_team(Interaction.identity_id))
        .group_by(Interaction.member_id)
        .order_by(func.count().desc(), Interaction.member_id)
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(Member, counts.c.n).join(counts, counts.c.member_id == Member.id).order_by(counts.c.n.desc(), Member.id)
    ).all()
    return [(m, n) for m, n in rows]


def summary(session: Session, since: datetime, until: datetime) -> dict[str, Any]:
    """Headline numbers: open now, arrived and handled in the window, overall median and p90."""
    seconds: list[float] = [float(v) for v in session.scalars(
        select(InboxItem.first_response_seconds).where(
            InboxItem.occurred_at >= since, InboxItem.occurred_at < until,
            InboxItem.first_response_seconds.is_not(None),
        )
    ) if v is not None]
    window = and_(InboxItem.occurred_at >= since, InboxItem.occurred_at < until)
    return {
        "open": open_count(session, cap=None),
        "arrived": session.scalar(select(func.count(InboxItem.id)).where(window)) or 0,
        "answered": len(seconds),
        "median_seconds": percentile(seconds, 50) if seconds else None,
        "p90_seconds": percentile(seconds, 90) if seconds else None,
    }
