"""Reading interactions: search across everything, a member's timeline, thread context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.errors import InvalidInput
from crm.interactions.models import SENTIMENT_LABELS, Interaction
from crm.interactions.search import search_newest_first

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class InteractionFilter:
    """What a search or timeline is narrowed to. Every field is optional."""

    q: str = ""
    platform: str | None = None
    sentiment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    member_id: int | None = None
    source_id: int | None = None

    def validate(self) -> None:
        """Raise InvalidInput naming the field that is wrong."""
        if self.sentiment and self.sentiment not in SENTIMENT_LABELS:
            raise InvalidInput(f"sentiment must be one of {', '.join(SENTIMENT_LABELS)}", field="sentiment")
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("The start date is after the end date.", field="since")


@dataclass(frozen=True)
class Page:
    """A page of results; ``has_next`` comes from fetching one row more than shown."""

    items: Sequence[Interaction]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def filtered(session: Session, f: InteractionFilter) -> Select:
    """A select of interactions matching the filter, newest first."""
    f.validate()
    stmt = select(Interaction)
    if f.member_id is not None:
        stmt = stmt.where(Interaction.member_id == f.member_id)
    if f.platform:
        stmt = stmt.where(Interaction.platform == f.platform)
    if f.sentiment:
        stmt = stmt.where(Interaction.sentiment_label == f.sentiment)
    if f.source_id is not None:
        stmt = stmt.where(Interaction.source_id == f.source_id)
    if f.since:
        stmt = stmt.where(Interaction.occurred_at >= f.since)
    if f.until:
        stmt = stmt.where(Interaction.occurred_at < f.until)
    if f.q.strip():
        return search_newest_first(session, stmt, f.q)
    return stmt.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())


def search_interactions(session: Session, f: InteractionFilter, *, page: int = 1, per_page: int = 50) -> Page:
    """Newest-first interactions matching the filter, one page, with identity and member loaded."""
    page = max(1, page)
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    stmt = (
        filtered(session, f)
        .options(joinedload(Interaction.identity), joinedload(Interaction.member))
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = list(session.scalars(stmt).unique())
    return Page(rows[:per_page], page, per_page, len(rows) > per_page)


def parents_of(session: Session, items: Sequence[Interaction]) -> dict[int, Interaction]:
    """The parent of every reply on a page, keyed by the reply's id (one query)."""
    wanted = {(i.platform, i.parent_external_id) for i in items if i.parent_external_id}
    if not wanted:
        return {}
    conds = [and_(Interaction.platform == p, Interaction.external_id == e) for p, e in wanted]
    found = {
        (p.platform, p.external_id): p
        for p in session.scalars(
            select(Interaction).options(joinedload(Interaction.identity)).where(or_(*conds))
        )
    }
    return {
        i.id: found[(i.platform, i.parent_external_id)]
        for i in items
        if i.parent_external_id and (i.platform, i.parent_external_id) in found
    }


def thread_of(session: Session, interaction: Interaction, limit: int = 200) -> list[Interaction]:
    """Every item of the interaction's thread we know, oldest first."""
    root = interaction.thread_external_id or interaction.external_id
    stmt = (
        select(Interaction)
        .options(joinedload(Interaction.identity))
        .where(
            Interaction.platform == interaction.platform,
            or_(Interaction.thread_external_id == root, Interaction.external_id == root),
        )
        .order_by(Interaction.occurred_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))
