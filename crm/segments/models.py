"""Segment (a saved rule) and ExportRun (the audit record of personal data leaving the system)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow
from crm.interactions.models import Interaction

EXPORT_FORMATS = ("csv", "xlsx", "jsonl")
EXPORT_STATUSES = ("queued", "running", "done", "failed")


class Segment(Base):
    """A named rule over members, evaluated whenever it is read (never a stored member list).

    Built-in segments carry a ``builtin_key``: they can be edited and reset, not deleted.
    """

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    builtin_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_builtin(self) -> bool:
        return self.builtin_key is not None


class ExportRun(Base):
    """One export: who took which segment out, when, in what format, which columns, how many rows.

    The segment's name and rule are copied in, so the record still says what left the system
    after the segment was edited or deleted. Progress lives here so any process can show it.
    """

    __tablename__ = "export_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    segment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("segments.id", ondelete="SET NULL"))
    segment_name: Mapped[str] = mapped_column(String(120))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    # Who asked, as text that survives the user's deletion: an e-mail, or "cli:<os user>".
    actor: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(8), default="web")  # web / api / cli
    format: Mapped[str] = mapped_column(String(8))
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    columns: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    file_path: Mapped[str | None] = mapped_column(String(2000))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_export_runs_created_at", "created_at"),
        Index("ix_export_runs_segment_id", "segment_id"),
    )

    @property
    def percent(self) -> float:
        if self.status == "done":
            return 100.0
        return round(100.0 * self.row_count / self.total_rows, 1) if self.total_rows else 0.0


# The access path of windowed conditions ("3+ interactions in 30 days", "mean sentiment over
# 90 days"): a range on occurred_at that needs member_id, sentiment and its label (means leave
# unscored texts out). Covering them makes
# those aggregates index-only scans instead of a heap fetch per interaction (on 1,000,000
# interactions, PostgreSQL: 340 ms -> see bench_segments). Declared here, next to its only
# user, so that the interactions area's model stays as it is.
Index(
    "ix_interactions_time_member_sentiment",
    Interaction.occurred_at, Interaction.member_id, Interaction.sentiment, Interaction.sentiment_label,
)
