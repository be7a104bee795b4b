"""What the dashboard shows: the last week in numbers, who was most active, what went wrong.

Our own team accounts are left out of every people-facing number (crm/inbox/team.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.inbox.team import not_team, not_team_member
from crm.interactions.models import Interaction, QuarantinedItem
from crm.members.models import Member

WINDOW = timedelta(days=7)
TOP = 8


@dataclass
class Overview:
    """The dashboard's numbers and lists for the week before ``now``."""

    stats: dict[str, int]
    by_label: dict[str, int]
    per_platform: list[tuple[str, int]]
    top: list[Member] = field(default_factory=list)
    recent_negative: list[Interaction] = field(default_factory=list)


def overview(session: Session, now: datetime | None = None) -> Overview:
    """Counts of the last week by sentiment and platform, totals, top members, latest negatives."""
    since = (now or utcnow()) - WINDOW
    people = (Interaction.occurred_at >= since, not_team(Interaction.identity_id))
    by_label = {label: n for label, n in session.execute(
        select(Interaction.sentiment_label, func.count()).where(*people).group_by(Interaction.sentiment_label)
    )}
    per_platform = [(platform, n) for platform, n in session.execute(
        select(Interaction.platform, func.count()).where(*people)
        .group_by(Interaction.platform).order_by(func.count().desc())
    )]
    live = Member.merged_into_id.is_(None)
    stats = {
        "members": session.scalar(select(func.count(Member.id)).where(live)) or 0,
        "interactions": session.scalar(select(func.count(Interaction.id))) or 0,
        "week": sum(by_label.values()),
        "quarantined": session.scalar(select(func.count(QuarantinedItem.id))) or 0,
        "new_members": session.scalar(select(func.count(Member.id)).where(Member.first_seen >= since, live)) or 0,
    }
    top = session.scalars(
        select(Member).where(Member.last_seen >= since, live, not_team_member(Member.id))
        .order_by(Member.interaction_count.desc()).limit(TOP)
    ).all()
    recent_negative = session.scalars(
        select(Interaction).where(Interaction.sentiment_label == "negative", not_team(Interaction.identity_id))
        .order_by(Interaction.occurred_at.desc()).limit(TOP)
    ).all()
    return Overview(stats, by_label, per_platform, list(top), list(recent_negative))
