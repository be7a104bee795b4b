"""Reading and curating members: list, profile, tags, notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session, selectinload

from crm.db import as_utc
from crm.errors import InvalidInput, NotFound
from crm.inbox.team import not_team_member
from crm.interactions.models import Interaction
from crm.members.models import Member, MemberTag, Note
from crm.paging import CountedPage

SORTS: dict[str, tuple[Any, ...]] = {
    "last_active": (Member.last_seen.desc().nulls_last(), Member.id.desc()),
    "interactions": (Member.interaction_count.desc(), Member.id.desc()),
    "sentiment": (Member.sentiment_mean.desc().nulls_last(), Member.id.desc()),
    "sentiment_asc": (Member.sentiment_mean.asc().nulls_last(), Member.id.desc()),
    "reach": (Member.followers_max.desc().nulls_last(), Member.id.desc()),
    "name": (Member.display_name.asc(), Member.id.asc()),
    "first_seen": (Member.first_seen.desc().nulls_last(), Member.id.desc()),
}
MAX_TAG = 64


MemberPage = CountedPage[Member]


def list_members(
    session: Session, *, q: str = "", platform: str | None = None, tag: str | None = None,
    sort: str = "last_active", page: int = 1, per_page: int = 50,
) -> MemberPage:
    """Members matching a name/handle search and filters, sorted and paginated."""
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
    per_page = max(1, min(per_page, 200))
    page = max(1, page)
    # A merged member's row is kept (for an exact unmerge) but is no longer a person of its own;
    # our own team accounts are not community members.
    stmt = select(Member).where(
        Member.merged_into_id.is_(None),
        not_team_member(Member.id),
    )
    if q.strip():
        if len(q) > 200:
            raise InvalidInput("The search is longer than 200 characters.", field="q")
        needle = q.strip().casefold().lstrip("@")
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Member.search_name.like(f"%{escaped}%", escape="\\"))
    if platform:
        # ``platforms`` is a comma-separated list: match a whole name, so "x" is not "xenforo".
        escaped = platform.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        padded = literal(",") + Member.platforms + literal(",")
        stmt = stmt.where(padded.like(f"%,{escaped},%", escape="\\"))
    if tag:
        stmt = stmt.where(Member.id.in_(select(MemberTag.member_id).where(MemberTag.tag == tag)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.options(selectinload(Member.identities), selectinload(Member.tags))
        .order_by(*SORTS[sort])
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return MemberPage(items, page, per_page, total)


def get_member(session: Session, member_id: int) -> Member:
    """A member with identities, tags and notes loaded; NotFound if there is none."""
    member = session.scalars(
        select(Member)
        .where(Member.id == member_id)
        .options(selectinload(Member.identities), selectinload(Member.tags), selectinload(Member.notes))
    ).one_or_none()
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    return member


def normalise_tag(raw: str) -> str:
    """Tags are short, lower-case, trimmed; raise InvalidInput otherwise."""
    tag = " ".join((raw or "").split()).casefold()
    if not tag:
        raise InvalidInput("A tag cannot be empty.", field="tag")
    if len(tag) > MAX_TAG:
        raise InvalidInput(f"A tag is at most {MAX_TAG} characters.", field="tag")
    return tag


def add_tag(session: Session, member_id: int, raw_tag: str) -> str:
    """Tag a member (idempotent); return the normalised tag."""
    member = get_member(session, member_id)
    tag = normalise_tag(raw_tag)
    if not any(t.tag == tag for t in member.tags):
        member.tags.append(MemberTag(tag=tag))
        session.flush()
    return tag


def remove_tag(session: Session, member_id: int, tag: str) -> None:
    """Remove a tag from a member; a missing tag is not an error."""
    member = get_member(session, member_id)
    member.tags[:] = [t for t in member.tags if t.tag != tag]
    session.flush()


def add_note(session: Session, member_id: int, *, body: str, author_id: int | None) -> Note:
    """Add a note to a member, written by ``author_id``."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput("A note cannot be empty.", field="body")
    if len(body) > 10_000:
        raise InvalidInput("A note is at most 10,000 characters.", field="body")
    member = get_member(session, member_id)
    note = Note(member_id=member.id, body=body, author_id=author_id)
    session.add(note)
    session.flush()
    return note


@dataclass(frozen=True)
class ChannelStat:
    """A member's activity on one platform."""

    platform: str
    interactions: int
    first_seen: datetime | None
    last_seen: datetime | None


def channel_stats(session: Session, member_id: int) -> list[ChannelStat]:
    """Interactions, first and last seen per platform, most active first."""
    rows = session.execute(
        select(Interaction.platform, func.count(), func.min(Interaction.occurred_at), func.max(Interaction.occurred_at))
        .where(Interaction.member_id == member_id).group_by(Interaction.platform)
    ).all()
    stats = [ChannelStat(p, n, as_utc(first), as_utc(last)) for p, n, first, last in rows]
    return sorted(stats, key=lambda s: -s.interactions)
