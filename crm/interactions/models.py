"""Interaction, the team's label corrections (LabelCorrection) and QuarantinedItem."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, BigId, UTCDateTime, utcnow
from crm.interactions.terms import index_terms
from crm.members.models import Identity, Member

KINDS = ("post", "comment", "reply", "mention", "message")
SENTIMENT_LABELS = ("positive", "neutral", "negative")


def _default_terms(context: Any) -> str | None:
    """search_terms for rows inserted without them (ingest passes them, with the handle)."""
    if context is None:
        return None
    p = context.get_current_parameters()
    return index_terms(p.get("language"), p.get("title"), p.get("text"))


class Interaction(Base):
    """One public item a member wrote. (platform, external_id) is its natural key.

    ``search_terms`` holds the words in their indexed form (crm/interactions/terms.py). The
    index over it lives outside the model, created by the migration per backend: a stored
    ``search_vector`` tsvector column with a GIN index on PostgreSQL, an external-content FTS5
    table ``interactions_fts`` kept by triggers on SQLite.
    """

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment_label: Mapped[str] = mapped_column(String(8), default="neutral")
    # The team corrected the label (see LabelCorrection): ``sentiment_label`` and ``sentiment``
    # then hold the team's verdict, and nothing re-scores the item.
    label_corrected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    parent_external_id: Mapped[str | None] = mapped_column(String(255))
    thread_external_id: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str | None] = mapped_column(String(255))
    source_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sources.id", ondelete="SET NULL"))
    identity_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"))
    raw: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    search_terms: Mapped[str | None] = mapped_column(Text, default=_default_terms)

    identity: Mapped[Identity] = relationship()
    member: Mapped[Member] = relationship()

    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        # A member's timeline reads (member_id, occurred_at); sentiment makes the index cover
        # windowed per-member aggregates too (segments: mean sentiment in the last N days),
        # which SQLite otherwise answers by reading every row (90 days of 1M: 455 -> 63 ms).
        # The label is in the index too: a mean leaves out texts in a language without an
        # analyzer ("unscored"), which needs the label beside the score.
        Index("ix_interactions_member_time", "member_id", "occurred_at", "sentiment", "sentiment_label"),
        Index("ix_interactions_occurred_at", "occurred_at"),
        Index("ix_interactions_thread", "platform", "thread_external_id"),
        Index("ix_interactions_identity", "identity_id"),
        Index("ix_interactions_source_time", "source_id", "occurred_at"),
    )


class LabelCorrection(Base):
    """The team's sentiment label for one interaction, with what the analyzer had said.

    One row per interaction (a second correction replaces the first). The analyzer's label and
    score are kept so the team can see how often the analyzer agrees with them, per language.
    """

    __tablename__ = "label_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("interactions.id", ondelete="CASCADE"), unique=True
    )
    label: Mapped[str] = mapped_column(String(8))
    analyzer_label: Mapped[str] = mapped_column(String(8))
    analyzer_score: Mapped[float] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuarantinedItem(Base):
    """An item that failed validation: kept with the reason and its raw payload, never lost."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    origin: Mapped[str] = mapped_column(String(300))  # "import:file.jsonl:line 12", "source:3"
    platform: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict | None] = mapped_column(JSON)
    raw_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The same bad line imported again is kept once (see quarantine_fingerprint).
    fingerprint: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_quarantine_created_at", "created_at"),
        Index("uq_quarantine_fingerprint", "fingerprint", unique=True),
    )


def quarantine_fingerprint(origin: str, reason: str, raw: object, raw_text: str | None) -> str:
    """What makes two quarantined items the same: where from (without the line), why, what."""
    where = origin.split(":line", 1)[0]
    payload = json.dumps(raw, sort_keys=True, default=str) if raw is not None else (raw_text or "")
    return hashlib.sha256(f"{where}\n{reason}\n{payload}".encode()).hexdigest()[:40]
