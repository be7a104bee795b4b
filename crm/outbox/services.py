"""Write, claim, finish and retry outbox rows. Services take a Session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from crm.db import chunks, dialect_name, table_of, utcnow
from crm.outbox.models import OutboxEntry

CLAIM_FOR = timedelta(minutes=2)
# Merge at most this many interactions into one drain step: big enough to coalesce a whole
# import's worth of small batches, small enough that one step stays a few seconds.
MAX_IDS_PER_CLAIM = 20_000
MAX_BACKOFF = timedelta(minutes=10)


@dataclass
class Claimed:
    """Rows taken by one drainer, with their work merged."""

    ids: list[int] = field(default_factory=list)
    interaction_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)


def add_ingest_followups(session: Session, interaction_ids: Sequence[int], member_ids: Collection[int]) -> None:
    """Record the follow-ups of a batch in the caller's (the batch's) transaction."""
    if not interaction_ids:
        return
    session.execute(
        table_of(OutboxEntry).insert().values(
            kind="ingest",
            payload={"interaction_ids": list(interaction_ids), "member_ids": sorted(member_ids)},
            created_at=utcnow(),
            attempts=0,
        )
    )


def _claimable(now: datetime) -> Any:
    return (
        or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now),
        or_(OutboxEntry.available_at.is_(None), OutboxEntry.available_at <= now),
    )


def claim(session: Session, *, now: datetime | None = None, limit: int = 200) -> Claimed:
    """Claim the oldest waiting rows (up to MAX_IDS_PER_CLAIM interactions) and merge their work.

    PostgreSQL skips rows another drainer has locked; SQLite's write lock serialises drainers.
    """
    now = now or utcnow()
    stmt = select(OutboxEntry.id, OutboxEntry.payload).where(*_claimable(now)).order_by(OutboxEntry.id).limit(limit)
    if dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    out = Claimed()
    members: set[int] = set()
    for row_id, payload in session.execute(stmt).all():
        ids = payload.get("interaction_ids") or []
        if out.ids and len(out.interaction_ids) + len(ids) > MAX_IDS_PER_CLAIM:
            break
        out.ids.append(row_id)
        out.interaction_ids.extend(ids)
        members.update(payload.get("member_ids") or [])
    out.member_ids = sorted(members)
    for part in chunks(out.ids):
        session.execute(
            update(OutboxEntry).where(OutboxEntry.id.in_(part))
            .values(claimed_until=now + CLAIM_FOR, attempts=OutboxEntry.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    return out


def finish(session: Session, ids: Sequence[int]) -> None:
    """The claimed rows' work is done: remove them."""
    for part in chunks(ids):
        session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(part)).execution_options(synchronize_session=False))


def give_back(session: Session, ids: Sequence[int], error: str, *, now: datetime | None = None) -> None:
    """A drain failed: free the rows for a later try, backing off by their attempt count."""
    now = now or utcnow()
    rows = session.execute(select(OutboxEntry.id, OutboxEntry.attempts).where(OutboxEntry.id.in_(list(ids)))).all()
    for row_id, attempts in rows:
        wait = min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** max(0, attempts - 1)))
        session.execute(
            update(OutboxEntry).where(OutboxEntry.id == row_id)
            .values(claimed_until=None, available_at=now + wait, last_error=error[:2000])
            .execution_options(synchronize_session=False)
        )


def waiting(session: Session, *, now: datetime | None = None, older_than: timedelta = timedelta(0)) -> int:
    """How many rows could be drained now (and were written at least ``older_than`` ago)."""
    now = now or utcnow()
    return session.scalar(
        select(func.count(OutboxEntry.id)).where(*_claimable(now), OutboxEntry.created_at <= now - older_than)
    ) or 0


def backlog(session: Session) -> int:
    """Every row not yet drained, claimed or not (for health pages and tests)."""
    return session.scalar(select(func.count(OutboxEntry.id))) or 0
