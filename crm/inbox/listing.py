"""Reading the inbox: filters, the priority order, one page at a time, from inbox_items alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.db import as_id, utcnow
from crm.errors import InvalidInput
from crm.inbox.models import MEMBER_LEVELS, REASONS, STATUSES, InboxItem
from crm.interactions.models import SENTIMENT_LABELS, Interaction

SORTS = ("priority", "oldest", "newest")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox is narrowed to. ``assignee`` is a user id, "me", "unassigned" or None."""

    status: str = "open"
    platform: str | None = None
    source_id: int | None = None
    sentiment: str | None = None
    level: int | None = None  # this member level or higher
    reason: str | None = None
    min_age_hours: int | None = None  # waiting at least this long
    max_age_hours: int | None = None  # arrived within this many hours
    assignee: str | None = None
    escalated: bool = False
    sort: str = "priority"

    def validate(self) -> None:
        """Raise InvalidInput naming the wrong field."""
        if self.status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
        if self.sentiment and self.sentiment not in SENTIMENT_LABELS:
            raise InvalidInput(f"sentiment must be one of {', '.join(SENTIMENT_LABELS)}", field="sentiment")
        if self.level is not None and self.level not in MEMBER_LEVELS:
            raise InvalidInput(f"level must be 0 to {max(MEMBER_LEVELS)}.", field="level")
        if self.reason and self.reason not in REASONS:
            raise InvalidInput(f"reason must be one of {', '.join(REASONS)}", field="reason")
        if self.sort not in SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
        if self.assignee and self.assignee not in ("me", "unassigned") and as_id(self.assignee) is None:
            raise InvalidInput("assignee is a user id, me or unassigned.", field="assignee")
        for name in ("min_age_hours", "max_age_hours"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 24 * 3650:
                raise InvalidInput("An age is 0 to 87,600 hours.", field=name)


@dataclass(frozen=True)
class InboxPage:
    """A page of items; ``has_next`` comes from fetching one more row than shown."""

    items: Sequence[InboxItem]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def inbox_query(f: InboxFilter, *, user_id: int | None = None, now: datetime | None = None) -> Select:
    """The select of item ids for a filter, in queue order. Reads inbox_items only."""
    f.validate()
    now = now or utcnow()
    stmt = select(InboxItem.id).where(InboxItem.status == f.status)
    if f.platform:
        stmt = stmt.where(InboxItem.platform == f.platform)
    if f.source_id is not None:
        stmt = stmt.where(InboxItem.source_id == f.source_id)
    if f.sentiment:
        stmt = stmt.where(InboxItem.sentiment_label == f.sentiment)
    if f.level is not None:
        # Equality when it is the top level lets the level index serve the order too.
        stmt = stmt.where(InboxItem.member_level == f.level if f.level == max(MEMBER_LEVELS)
                          else InboxItem.member_level >= f.level)
    if f.reason:
        stmt = stmt.where(InboxItem.reasons.contains(f.reason, autoescape=True))
    if f.min_age_hours is not None:
        stmt = stmt.where(InboxItem.occurred_at <= now - timedelta(hours=f.min_age_hours))
    if f.max_age_hours is not None:
        stmt = stmt.where(InboxItem.occurred_at >= now - timedelta(hours=f.max_age_hours))
    if f.assignee == "unassigned":
        stmt = stmt.where(InboxItem.assignee_id.is_(None))
    elif f.assignee == "me" and user_id is not None:
        stmt = stmt.where(InboxItem.assignee_id == user_id)
    elif f.assignee and f.assignee.isdigit():
        stmt = stmt.where(InboxItem.assignee_id == int(f.assignee))
    if f.escalated:
        stmt = stmt.where(InboxItem.escalation_level > 0)
    if f.sort == "oldest":
        return stmt.order_by(InboxItem.occurred_at, InboxItem.id)
    if f.sort == "newest":
        return stmt.order_by(InboxItem.occurred_at.desc(), InboxItem.id.desc())
    return stmt.order_by(InboxItem.priority.desc(), InboxItem.occurred_at, InboxItem.id)


def list_inbox(
    session: Session, f: InboxFilter, *, user_id: int | None = None, page: int = 1, per_page: int = 50,
) -> InboxPage:
    """One page of the inbox with each item's interaction, author and member loaded."""
    page = max(1, min(page, 1000))
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    ids = list(session.scalars(inbox_query(f, user_id=user_id).limit(per_page + 1).offset((page - 1) * per_page)))
    has_next = len(ids) > per_page
    ids = ids[:per_page]
    if not ids:
        return InboxPage([], page, per_page, False)
    loaded = {
        item.id: item
        for item in session.scalars(
            select(InboxItem)
            .where(InboxItem.id.in_(ids))
            .options(
                joinedload(InboxItem.interaction).joinedload(Interaction.identity),
                joinedload(InboxItem.interaction).joinedload(Interaction.member),
                selectinload(InboxItem.assignee),
            )
        ).unique()
    }
    return InboxPage([loaded[i] for i in ids if i in loaded], page, per_page, has_next)
