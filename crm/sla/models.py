"""Teams with business hours and holidays, SLA policies, each item's SLA clock, agents' shifts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, BigId, UTCDateTime, utcnow
from crm.inbox.models import InboxItem
from crm.users.models import User

DEFAULT_WARN_PERCENT = 80


class Team(Base):
    """A support team: its time zone, business hours, holidays, and whom a breach escalates to."""

    __tablename__ = "sla_teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    lead_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    # On call beats the lead: a breach escalates to whoever is on call now.
    oncall_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    # Optional Slack-compatible webhook that escalations are posted to as well.
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    oncall: Mapped[User | None] = relationship(foreign_keys=[oncall_id])


class BusinessHours(Base):
    """One opening window of a team on a weekday (0 = Monday), minutes after local midnight."""

    __tablename__ = "sla_business_hours"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("sla_teams.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_sla_business_hours_team", "team_id", "weekday"),)


class Holiday(Base):
    """A local date on which a team is closed."""

    __tablename__ = "sla_holidays"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("sla_teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (UniqueConstraint("team_id", "day"),)


class SlaPolicy(Base):
    """Targets for the items it matches; the first matching policy by ``position`` wins.

    An empty condition matches everything: a policy with none is the catch-all.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sla_teams.id", ondelete="SET NULL")
    )
    min_priority: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(32))
    segment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("segments.id", ondelete="SET NULL")
    )
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer)
    warn_percent: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_WARN_PERCENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship()


class ItemSla(Base):
    """One inbox item's SLA clock: its target, the moment it is due, warning, breach, escalation.

    ``policy_id`` is None when no policy matched (so the item is not looked at again).
    ``kind`` is "first" (the first answer in a thread) or "next" (a follow-up after our answer).
    """

    __tablename__ = "sla_item_clocks"

    item_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("inbox_items.id", ondelete="CASCADE"), primary_key=True
    )
    policy_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sla_teams.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(8), default="first")
    target_minutes: Mapped[int | None] = mapped_column(Integer)
    warn_percent: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_WARN_PERCENT)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    escalation_error: Mapped[str | None] = mapped_column(Text)
    # Filled when the item was answered: business seconds to the first response, met or not.
    response_business_seconds: Mapped[int | None] = mapped_column(Integer)
    met: Mapped[bool | None] = mapped_column(Boolean)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_sla_item_clocks_due", "met", "breached_at", "due_at"),
        Index("ix_sla_item_clocks_warn", "met", "warned_at", "warn_at"),
    )


class AgentShift(Base):
    """A teammate in the assignment rotation: time zone, languages, platforms, last assignment."""

    __tablename__ = "sla_agents"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[str] = mapped_column(String(64), default="")  # "de,en"; empty = any
    platforms: Mapped[str] = mapped_column(String(255), default="")  # "reddit,x"; empty = any
    in_rotation: Mapped[bool] = mapped_column(Boolean, default=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Round-robin turn: the agent with the lowest turn is next; an assignment sets it past the highest.
    last_turn: Mapped[int] = mapped_column(Integer, default=0)
    assigned_count: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def split(value: str) -> list[str]:
        return [v for v in (value or "").split(",") if v]


class AgentHours(Base):
    """One working window of an agent on a weekday, in the agent's own time zone."""

    __tablename__ = "sla_agent_hours"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sla_agents.user_id", ondelete="CASCADE")
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_sla_agent_hours_user", "user_id", "weekday"),)


class AgentAway(Base):
    """Out of office: from ``first_day`` to ``last_day`` (local dates, inclusive)."""

    __tablename__ = "sla_agent_away"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sla_agents.user_id", ondelete="CASCADE")
    )
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_sla_agent_away_user", "user_id", "last_day"),)


# The live inbox asks "did anything change?" every few seconds: max(updated_at) reads this index.
Index("ix_inbox_items_updated_at", InboxItem.updated_at)
