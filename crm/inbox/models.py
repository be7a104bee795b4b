"""InboxItem (one per interaction that needs a human), its history, TeamAccount and Reminder."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, BigId, UTCDateTime, utcnow
from crm.members import engagement

if TYPE_CHECKING:
    from crm.interactions.models import Interaction
    from crm.members.models import Member
    from crm.users.models import User

STATUSES = ("open", "snoozed", "handled")
REASONS = ("question", "negative", "mention", "team_thread")
# Escalation levels: 0 = none. Raising one needs a reason; lowering one needs "handle".
ESCALATION_LEVELS = {1: "Team lead", 2: "Support / engineering", 3: "Crisis: leadership, legal"}
# The member's engagement level (crm/members/engagement.py), snapshotted at triage as its rank:
# 0 = dormant .. 4 = champion.
MEMBER_LEVELS = {engagement.rank(name): name for name in engagement.NAMES}


class InboxItem(Base):
    """An interaction that needs a human, with its handling state.

    The fields the inbox filters and sorts by (platform, source, sentiment, member level, time)
    are copied from the interaction so the inbox query reads this table and its indexes only,
    never the (much larger) interactions table.
    """

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("interactions.id", ondelete="CASCADE"), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(BigId)
    sentiment_label: Mapped[str] = mapped_column(String(8))
    member_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The thread's root external id on ``platform``: a team reply in it handles the item.
    thread_root: Mapped[str] = mapped_column(String(255))
    reasons: Mapped[str] = mapped_column(String(64))  # comma-separated, from REASONS
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    # "manual", or "team_reply" when a team account answered in the thread.
    handled_via: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    interaction: Mapped[Interaction] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    __table_args__ = (
        Index("ix_inbox_items_status_time", "status", "occurred_at"),
        Index("ix_inbox_items_thread", "platform", "thread_root", "status"),
        Index("ix_inbox_items_snoozed", "status", "snoozed_until"),
        Index("ix_inbox_items_handled_at", "handled_at"),
    )

    @property
    def reason_list(self) -> list[str]:
        return [r for r in self.reasons.split(",") if r]


# The queue order is "most urgent first, then longest waiting": priority DESC, occurred_at ASC.
# One index per filter, equality columns first and then that order, so every inbox page is a
# short index range scan that stops after one page, whatever the table's size.
_QUEUE_ORDER = (InboxItem.priority.desc(), InboxItem.occurred_at)
Index("ix_inbox_items_queue", InboxItem.status, *_QUEUE_ORDER)
Index("ix_inbox_items_platform_queue", InboxItem.status, InboxItem.platform, *_QUEUE_ORDER)
Index("ix_inbox_items_source_queue", InboxItem.status, InboxItem.source_id, *_QUEUE_ORDER)
Index("ix_inbox_items_sentiment_queue", InboxItem.status, InboxItem.sentiment_label, *_QUEUE_ORDER)
Index("ix_inbox_items_level_queue", InboxItem.status, InboxItem.member_level, *_QUEUE_ORDER)
Index("ix_inbox_items_assignee_queue", InboxItem.assignee_id, InboxItem.status, *_QUEUE_ORDER)
# Escalated items are rare: this reads just them, and sorting that handful is cheap.
Index("ix_inbox_items_escalated_queue", InboxItem.status, InboxItem.escalation_level, *_QUEUE_ORDER)


class InboxEvent(Base):
    """The history of an item: triaged, assigned, snoozed, escalated, noted, handled, reopened."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("inbox_items.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_inbox_events_item", "item_id", "created_at"),)


class TeamAccount(Base):
    """One of our own accounts on a platform. Its replies answer threads; its posts are not members'.

    Configured by handle; ``identity_id`` is filled in once that account has been seen, so
    queries exclude team posts with an indexed ``identity_id`` match.
    """

    __tablename__ = "team_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(255))  # lower-case, without "@" or "u/"
    identity_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("identities.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("platform", "handle"),
        Index("ix_team_accounts_identity", "identity_id"),
    )


class Reminder(Base):
    """"Check in with X in 7 days": a teammate's follow-up on a member, due at a time."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_reminders_user_due", "user_id", "done_at", "due_at"),
        Index("ix_reminders_undelivered", "delivered_at", "due_at"),
        Index("ix_reminders_member", "member_id"),
    )
