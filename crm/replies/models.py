"""OutgoingReply (one answer we send, with its state), SavedReply, and Presence on an item."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, BigId, UTCDateTime, utcnow

if TYPE_CHECKING:
    from crm.interactions.models import Interaction
    from crm.users.models import User

# queued -> sending -> sent; sending -> failed (the platform refused: nothing was posted) or
# unknown (we cannot tell whether it was posted: a timeout, a 5xx, a crash mid-send).
# failed/unknown -> queued only by a person's "retry" (or the job's own rate-limit retry).
STATES = ("queued", "sending", "sent", "failed", "unknown")


class OutgoingReply(Base):
    """One reply we post on a platform, recorded before it is sent so a retry never posts twice."""

    __tablename__ = "outgoing_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    interaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("interactions.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("inbox_items.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # A rate limit: the job retries by itself from this time on (None: only a person retries).
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2000))
    sent_interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    interaction: Mapped[Interaction] = relationship(foreign_keys=[interaction_id])
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_outgoing_replies_interaction", "interaction_id", "created_at"),
        Index("ix_outgoing_replies_state", "state", "updated_at"),
    )


class SavedReply(Base):
    """A canned answer with variables ({first_name}, {handle}, {product}, {link}).

    ``owner_id`` None: shared with the team; otherwise only its owner sees it.
    """

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    body: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_saved_replies_shortcut", "shortcut", "language"),)


class Presence(Base):
    """Someone has an item open (``viewing``) or is writing an answer (``replying``), as of ``seen_at``."""

    __tablename__ = "presence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("inbox_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(12), default="viewing")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("item_id", "user_id"), Index("ix_presence_seen", "seen_at"))
