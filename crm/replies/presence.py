"""Who is looking at or replying to an item: rows refreshed by the composer page, short-lived."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.replies.models import Presence

# A page that stopped refreshing (closed tab) stops counting after this long.
TTL = timedelta(seconds=90)
ACTIVITIES = ("viewing", "replying")


def touch(session: Session, *, item_id: int, user_id: int, activity: str = "viewing") -> None:
    """Say that ``user_id`` has the item open (or is replying), now."""
    activity = activity if activity in ACTIVITIES else "viewing"
    row = session.scalar(select(Presence).where(Presence.item_id == item_id, Presence.user_id == user_id))
    if row is None:
        session.add(Presence(item_id=item_id, user_id=user_id, activity=activity, seen_at=utcnow()))
    else:
        row.seen_at = utcnow()
        # Replying wins over viewing until it expires: a composer page refresh keeps it.
        row.activity = activity
    session.flush()


def others(session: Session, *, item_id: int, user_id: int) -> list[Presence]:
    """The other people on this item within the TTL, replying first."""
    rows = session.scalars(
        select(Presence).where(Presence.item_id == item_id, Presence.user_id != user_id,
                               Presence.seen_at >= utcnow() - TTL)
    )
    return sorted(rows, key=lambda p: (p.activity != "replying", p.seen_at))


def prune(session: Session) -> int:
    """Delete expired rows (any page view may call it; cheap with the seen_at index)."""
    result = session.execute(delete(Presence).where(Presence.seen_at < utcnow() - TTL))
    return int(getattr(result, "rowcount", 0) or 0)
