"""Suppression list, retention policies and the privacy audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow

SUPPRESSION_KINDS = ("id", "handle")
RETENTION_SCOPES = ("platform", "source", "uploads", "exports")
AUDIT_ACTIONS = ("erase", "access_export", "retention_changed", "retention_run", "unsuppress")


class Suppression(Base):
    """An account that must never come back after an erasure: hashed, so the list holds no ids.

    ``key_hash`` is the SHA-256 of ``platform``, the kind and the platform id (or the
    lower-cased handle): ingest hashes what arrives and drops what matches, without the list
    itself naming anyone. ``audit_id`` links the erasure that put it here.
    """

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))  # "id" | "handle"
    key_hash: Mapped[str] = mapped_column(String(64))
    audit_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("privacy_audit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("key_hash"),)


class RetentionPolicy(Base):
    """Delete what is older than ``days``: interactions of a platform or a source, uploads, exports.

    ``scope_value`` is the platform name or the source id as text; "" for uploads and exports.
    """

    __tablename__ = "retention_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope_value: Mapped[str] = mapped_column(String(100), default="")
    days: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_deleted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (UniqueConstraint("scope_kind", "scope_value"),)


class PrivacyAudit(Base):
    """Who erased, exported or changed retention, and when. Holds no personal data of the subject.

    ``actor`` is text that survives the user's deletion ("ana@example.com", "cli:root",
    "token:3"); ``subject`` names the member by id only; ``detail`` holds counts.
    """

    __tablename__ = "privacy_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(320))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(8), default="web")  # web / api / cli / job
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_privacy_audit_created_at", "created_at"),)
