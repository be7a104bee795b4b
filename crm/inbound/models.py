"""Credentials of an inbound (push) source, and the signatures already used (replay guard)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow


class InboundCredential(Base):
    """How an inbound source authenticates.

    The bearer token is kept only as its SHA-256 (shown once, at creation or rotation). The
    HMAC signing secret must be known to verify a signature, so it is not stored either: it is
    derived on demand as HMAC-SHA256(SECRET_KEY, "inbound-signing:" + ``signing_salt``). A copy
    of the database alone reveals neither; rotating SECRET_KEY rotates every signing secret.
    """

    __tablename__ = "inbound_credentials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sources.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(String(16))  # the token's first characters, for the UI
    signing_salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsedSignature(Base):
    """A signature that was accepted once; a second request with it is a replay."""

    __tablename__ = "inbound_signatures"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the signature
    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("sources.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_inbound_signatures_seen_at", "seen_at"),)
