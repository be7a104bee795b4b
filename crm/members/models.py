"""Member, Identity, tags and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, BigId, UTCDateTime, utcnow
from crm.users.models import User  # Note.author; imported so the mapper always finds it


class Member(Base):
    """One person, however many accounts they have. Aggregates are kept current by ingest."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(300), default="")
    # The picture of the profile that leads (chosen with the name when members are merged).
    avatar_url: Mapped[str | None] = mapped_column(String(2000))
    # Lower-cased display name and handles, so a name/handle search is one indexed LIKE.
    search_name: Mapped[str] = mapped_column(String(1000), default="")
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    sentiment_mean: Mapped[float | None] = mapped_column(Float)
    positive_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    negative_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    neutral_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The engagement score in units of its epoch (crm/members/engagement.py), kept by ingest.
    engagement: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    followers_max: Mapped[int | None] = mapped_column(BigInteger)
    platforms: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Set when this member was merged into another (crm/identity/merge.py). The row is kept,
    # emptied, so that an unmerge restores it with the same id and references stay valid.
    merged_into_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    identities: Mapped[list[Identity]] = relationship(back_populates="member", order_by="Identity.id")
    tags: Mapped[list[MemberTag]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberTag.tag"
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Note.created_at.desc()"
    )

    __table_args__ = (
        Index("ix_members_last_seen", "last_seen"),
        Index("ix_members_interaction_count", "interaction_count"),
        Index("ix_members_sentiment_mean", "sentiment_mean"),
        Index("ix_members_engagement", "engagement"),
    )


class Identity(Base):
    """An account on one platform. (platform, external_id) is its natural key."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str] = mapped_column(String(255), default="")
    display_name: Mapped[str] = mapped_column(String(300), default="")
    profile_url: Mapped[str | None] = mapped_column(String(2000))
    avatar_url: Mapped[str | None] = mapped_column(String(2000))
    followers: Mapped[int | None] = mapped_column(BigInteger)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra: Mapped[dict | None] = mapped_column(JSON)
    # Profile facts used to match identities across channels (crm/identity/matching.py).
    # Filled by profile imports; ``links`` are the URLs the profile shows (bio, website field).
    bio: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(2000))
    links: Mapped[list | None] = mapped_column(JSON)
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship(back_populates="identities")

    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_identities_handle", "handle"),
        Index("ix_identities_email", "email"),
    )


class MemberTag(Base):
    """A free-form label on a member ("customer", "moderator")."""

    __tablename__ = "member_tags"

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="tags")

    __table_args__ = (Index("ix_member_tags_tag", "tag"),)


class Note(Base):
    """A teammate's note on a member, with its author and time."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship(lazy="joined")
