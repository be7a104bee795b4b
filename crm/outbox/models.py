"""An outbox row: follow-up work written in the same transaction as the data it follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow


class OutboxEntry(Base):
    """One batch's follow-ups (inbox triage, alert counters, identity suggestions).

    Written by :func:`crm.ingest.ingest_batch` inside the batch's transaction, so a crash
    between the commit and the enqueue loses nothing: the dispatcher re-enqueues the drain
    while rows wait. A drainer claims rows for a while (``claimed_until``); a drainer that
    dies simply lets its claim run out.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="ingest")
    # {"interaction_ids": [...], "member_ids": [...]}
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not before this time (back-off after a failed drain); NULL: at once.
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_kind_id", "kind", "id"),)
