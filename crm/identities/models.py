"""Identity resolution: match keys, merge suggestions, decisions, the merge audit log, rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow

SUGGESTION_STATUSES = ("open", "snoozed", "merged")
RULES = {
    "mutual_links": "Merge accounts whose profiles link to each other (A links to B and B back to A) and agree on a name or handle.",
    "verified_email": "Merge accounts with the same verified e-mail address (from an import).",
    "mapping_file": "Merge the pairs listed in an uploaded mapping file.",
}


class IdentityMatchKey(Base):
    """A blocking key of an identity ("h:jmuller", "l:github.com/jm"): candidates share one.

    Kept per identity so that the incremental update finds the candidates of new identities
    with one indexed lookup instead of a scan.
    """

    __tablename__ = "identity_match_keys"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    identity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_identity_match_keys_identity_id", "identity_id"),)


class MergeSuggestion(Base):
    """Two members that may be one person, with the evidence (a JSON list) and its score.

    ``member_a_id < member_b_id``; the identities are the best-matching pair behind the score.
    """

    __tablename__ = "merge_suggestions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_a_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    member_b_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    identity_a_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    identity_b_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("member_a_id", "member_b_id"),
        Index("ix_merge_suggestions_status_score", "status", "score"),
        Index("ix_merge_suggestions_member_b_id", "member_b_id"),
    )


class MergeDecision(Base):
    """"Not the same person": two identities a teammate said are different people.

    Stored per identity pair (``identity_a_id < identity_b_id``) so that it still holds after
    either side is merged with someone else: no suggestion ever joins them again.
    """

    __tablename__ = "merge_decisions"

    identity_a_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="CASCADE"), primary_key=True
    )
    identity_b_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="CASCADE"), primary_key=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_merge_decisions_identity_b_id", "identity_b_id"),)


class MergeAudit(Base):
    """One merge or unmerge: who, when, why, the evidence then, and what it changed.

    ``snapshot`` holds everything a merge changed (member rows before, which identities,
    interactions, notes and tags moved from which member), so that the unmerge puts it back.
    """

    __tablename__ = "merge_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # "merge" | "unmerge"
    # NULL once the kept member was erased (crm/privacy/erase.py): the entry stays as a tombstone.
    kept_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    merged_member_ids: Mapped[list] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    # "manual", "suggestion", or "rule:<name>" for automatic merges.
    method: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list | None] = mapped_column(JSON)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # For a merge: the unmerge that undid it; for an unmerge: the merge it undid.
    undone_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("merge_audit.id"))
    undoes_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("merge_audit.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_merge_audit_created_at", "created_at"),)


class IdentityRule(Base):
    """An automatic-merge rule switched on or off by an admin (absent row: the default, on)."""

    __tablename__ = "identity_rules"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
