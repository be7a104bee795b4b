"""ImportRun: one file import, its progress and its report of bad lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow


class ImportRun(Base):
    """Progress lives in the database so any process (web, worker) can show it."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    stored_path: Mapped[str | None] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued/running/done/failed
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    processed_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    lines_read: Mapped[int] = mapped_column(Integer, default=0)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    quarantined_count: Mapped[int] = mapped_column(Integer, default=0)
    # Items by erased people on the suppression list: dropped, never stored.
    suppressed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The first errors, [{"line": 12, "reason": "..."}]; all of them are in the quarantine.
    errors: Mapped[list | None] = mapped_column(JSON)
    failure: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stamped with every committed batch: a run that is "running" with an old heartbeat and no
    # live job behind it was abandoned (a killed worker or CLI) and is resumed by itself.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
